using MnistNet.Data;

namespace MnistNet.Tests.Data;

public class MnistDatasetTests
{
    /// <summary>Image i is filled with the grey level i + 1, so every image can be told apart.</summary>
    private static byte[] Pixels(int count)
    {
        byte[] pixels = new byte[count * MnistSample.PixelCount];
        for (int i = 0; i < count; i++)
        {
            pixels.AsSpan(i * MnistSample.PixelCount, MnistSample.PixelCount).Fill((byte)(i + 1));
        }

        return pixels;
    }

    private static MnistSample Sample(int id, int? label, byte grey) =>
        new(id, label, Enumerable.Repeat(grey, MnistSample.PixelCount).ToArray());

    [Fact]
    public void Constructor_KeepsImagesLabelsAndIds()
    {
        var data = new MnistDataset(Pixels(3), [4, 0, 9], [10, 20, 30], "somewhere");

        Assert.Equal(3, data.Count);
        Assert.True(data.HasLabels);
        Assert.Equal("somewhere", data.Source);
        Assert.Equal(9, data.GetLabel(2));
        Assert.Equal(20, data.GetImageId(1));
        Assert.All(data.GetPixels(1).ToArray(), pixel => Assert.Equal(2, pixel));
        Assert.Equal(3 * MnistSample.PixelCount, data.Pixels.Length);
        Assert.Equal("3 images from somewhere", data.ToString());
    }

    [Fact]
    public void Constructor_WithoutIdsOrLabels_NumbersImagesFromOne()
    {
        var data = new MnistDataset(Pixels(4), labels: null);

        Assert.False(data.HasLabels);
        Assert.True(data.Labels.IsEmpty);
        Assert.Null(data.GetLabel(3));
        Assert.Equal([1, 2, 3, 4], Enumerable.Range(0, 4).Select(data.GetImageId));
        Assert.Equal("4 images from memory (unlabelled)", data.ToString());
    }

    [Fact]
    public void Constructor_RejectsInconsistentArguments()
    {
        Assert.Throws<ArgumentException>(() => new MnistDataset(new byte[MnistSample.PixelCount + 1], null));
        Assert.Throws<ArgumentException>(() => new MnistDataset(Pixels(2), [1]));
        Assert.Throws<ArgumentException>(() => new MnistDataset(Pixels(2), null, [1, 2, 3]));
        var badLabel = Assert.Throws<ArgumentOutOfRangeException>(() => new MnistDataset(Pixels(2), [3, 10]));
        Assert.Contains("Label 10 of image 2", badLabel.Message);
    }

    [Fact]
    public void Accessors_RejectIndexesOutsideTheDataset()
    {
        var data = new MnistDataset(Pixels(2), [1, 2]);

        Assert.Throws<ArgumentOutOfRangeException>(() => data.GetPixels(2).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.GetLabel(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.GetImageId(2));
    }

    [Fact]
    public void GetSample_CopiesThePixels()
    {
        byte[] pixels = Pixels(2);
        var data = new MnistDataset(pixels, [7, 8], [5, 6]);

        MnistSample sample = data.GetSample(1);
        sample.Pixels[0] = 99;

        Assert.Equal(6, sample.ImageId);
        Assert.Equal(8, sample.Label);
        Assert.Equal(2, data.GetPixels(1)[0]);
        Assert.Equal([5, 6], data.AsSamples().Select(s => s.ImageId));
    }

    [Fact]
    public void Slice_CopiesARangeWithItsIdsAndLabels()
    {
        var data = new MnistDataset(Pixels(5), [0, 1, 2, 3, 4], [11, 12, 13, 14, 15], "file.csv");

        MnistDataset slice = data.Slice(1, 3);

        Assert.Equal(3, slice.Count);
        Assert.Equal([1, 2, 3], slice.Labels.ToArray());
        Assert.Equal([12, 13, 14], Enumerable.Range(0, 3).Select(slice.GetImageId));
        Assert.Equal(2, slice.GetPixels(0)[0]);
        Assert.Equal(4, slice.GetPixels(2)[783]);
        Assert.Equal("file.csv [2..4]", slice.Source);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Slice(3, 3));
        Assert.Equal(0, data.Slice(5, 0).Count);
    }

    [Fact]
    public void Builder_GrowsPastItsFirstBufferAndKeepsOrder()
    {
        var builder = new MnistDatasetBuilder("built");
        for (int i = 0; i < 150; i++)
        {
            builder.Add(Sample(1000 + i, i % 10, (byte)i));
        }

        MnistDataset data = builder.Build();

        Assert.Equal(150, builder.Count);
        Assert.Equal(150, data.Count);
        Assert.Equal("built", data.Source);
        Assert.Equal(9, data.GetLabel(149));
        Assert.Equal(1149, data.GetImageId(149));
        Assert.Equal(149, data.GetPixels(149)[400]);
        Assert.Equal(64, data.GetPixels(64)[0]);
    }

    [Fact]
    public void Builder_OfUnlabelledSamples_BuildsAnUnlabelledDataset()
    {
        MnistDataset data = MnistDataset.FromSamples([Sample(3, null, 1), Sample(4, null, 2)]);

        Assert.False(data.HasLabels);
        Assert.Equal([3, 4], Enumerable.Range(0, 2).Select(data.GetImageId));
    }

    [Fact]
    public void Builder_WithNothingAdded_BuildsAnEmptyDataset()
    {
        MnistDataset data = new MnistDatasetBuilder().Build();

        Assert.Equal(0, data.Count);
        Assert.True(data.Pixels.IsEmpty);
    }

    [Theory]
    [InlineData(true, "Image 2 is unlabelled but the images before it are labelled")]
    [InlineData(false, "Image 2 is labelled but the images before it are not")]
    public void Builder_RejectsMixingLabelledAndUnlabelled(bool firstLabelled, string message)
    {
        var builder = new MnistDatasetBuilder();
        builder.Add(Sample(1, firstLabelled ? 3 : null, 0));

        var error = Assert.Throws<ArgumentException>(() => builder.Add(Sample(2, firstLabelled ? null : 3, 0)));

        Assert.Contains(message, error.Message);
        Assert.Equal(1, builder.Count);
    }

    [Fact]
    public void FromSamples_OfCsvSamples_EqualsTheDirectlyReadDataset()
    {
        string path = TestFiles.Data("test-200.csv");

        MnistDataset viaSamples = MnistDataset.FromSamples(MnistCsvReader.ReadSamples(path), path);
        MnistDataset direct = MnistCsvReader.ReadDataset(path);

        Assert.True(direct.Pixels.SequenceEqual(viaSamples.Pixels));
        Assert.Equal(direct.HasLabels, viaSamples.HasLabels);
        Assert.Equal(direct.GetImageId(199), viaSamples.GetImageId(199));
    }
}

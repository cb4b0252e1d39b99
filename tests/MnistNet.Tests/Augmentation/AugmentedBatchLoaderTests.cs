using MnistNet.Augmentation;
using MnistNet.Data;
using MnistNet.Native;
using MnistNet.Network;
using MnistNet.Tests.Training;

namespace MnistNet.Tests.Augmentation;

[Collection(nameof(KernelThreadsCollection))]
public class AugmentedBatchLoaderTests
{
    private const int PixelCount = MnistSample.PixelCount;

    private static readonly MnistDataset Data = TestData.Synthetic(300, seed: 4);

    [Fact]
    public void ABatchIsTheSameWhateverTheThreadCount()
    {
        int[] order = Shuffled(Data.Count, seed: 9);
        var loader = new AugmentedBatchLoader(Data, AugmentationOptions.Standard, 77);
        float[]? reference = null;
        int saved = KernelThreads.ThreadCount;
        try
        {
            foreach (int threads in new[] { 1, 2, 3, 7 })
            {
                KernelThreads.ThreadCount = threads;
                float[] images = new float[45 * PixelCount];
                byte[] labels = new byte[45];

                loader.Fill(images, labels, order.AsSpan(100, 45), epoch: 3, firstPosition: 100);

                reference ??= images;
                Assert.Equal(reference, images);
                Assert.Equal(order.Skip(100).Take(45).Select(i => (byte)Data.GetLabel(i)!.Value), labels);
            }
        }
        finally
        {
            KernelThreads.ThreadCount = saved;
        }
    }

    [Fact]
    public void EachImageIsTheAugmenterDrivenByItsOwnSeed()
    {
        const long seed = 12;
        int[] indices = [7, 250, 7];
        var loader = new AugmentedBatchLoader(Data, AugmentationOptions.Standard, seed);
        float[] images = new float[indices.Length * PixelCount];
        loader.Fill(images, new byte[indices.Length], indices, epoch: 2, firstPosition: 40);

        // The loader's pool is private, so the elastic part is compared through a run without it.
        var affineOnly = AugmentationOptions.Standard with { ElasticAlpha = 0 };
        var affineLoader = new AugmentedBatchLoader(Data, affineOnly, seed);
        float[] affineImages = new float[indices.Length * PixelCount];
        affineLoader.Fill(affineImages, new byte[indices.Length], indices, epoch: 2, firstPosition: 40);

        var augmenter = new ImageAugmenter(affineOnly);
        float[] expected = new float[PixelCount];
        for (int i = 0; i < indices.Length; i++)
        {
            long imageSeed = AugmentedBatchLoader.ImageSeed(seed, epoch: 2, position: 40 + i);
            augmenter.Augment(Data.GetPixels(indices[i]), expected, new SeededRandom(imageSeed));
            Assert.Equal(expected, affineImages.AsSpan(i * PixelCount, PixelCount).ToArray());
        }

        // The same image at two positions gets two distortions.
        Assert.NotEqual(images[..PixelCount], images[(2 * PixelCount)..]);
    }

    [Fact]
    public void EpochsAndSeedsGetDifferentDistortionsAndASeedRepeatsThem()
    {
        int[] image = [5];
        float[] first = new float[PixelCount];
        float[] nextEpoch = new float[PixelCount];
        float[] repeated = new float[PixelCount];
        float[] otherSeed = new float[PixelCount];
        byte[] labels = new byte[1];

        new AugmentedBatchLoader(Data, AugmentationOptions.Standard, 1).Fill(first, labels, image, 1, 0);
        new AugmentedBatchLoader(Data, AugmentationOptions.Standard, 1).Fill(nextEpoch, labels, image, 2, 0);
        new AugmentedBatchLoader(Data, AugmentationOptions.Standard, 1).Fill(repeated, labels, image, 1, 0);
        new AugmentedBatchLoader(Data, AugmentationOptions.Standard, 2).Fill(otherSeed, labels, image, 1, 0);

        Assert.Equal(first, repeated);
        Assert.NotEqual(first, nextEpoch);
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void NoneLoadsTheImagesUnchanged()
    {
        int[] indices = [3, 1, 2];
        float[] images = new float[3 * PixelCount];
        byte[] labels = new byte[3];

        new AugmentedBatchLoader(Data, AugmentationOptions.None, 1).Fill(images, labels, indices, 1, 0);

        float[] expected =
            [.. indices.SelectMany(i => Data.GetPixels(i).ToArray().Select(level => level * (1f / 255f)))];
        Assert.Equal(expected, images);
        Assert.Equal(indices.Select(i => (byte)Data.GetLabel(i)!.Value), labels);
    }

    [Fact]
    public void MisuseIsReportedClearly()
    {
        var loader = new AugmentedBatchLoader(Data, AugmentationOptions.Standard, 1);

        var outside = Assert.Throws<ArgumentOutOfRangeException>(
            () => loader.Fill(new float[2 * PixelCount], new byte[2], [0, Data.Count], 1, 0));
        Assert.Contains("Position 1", outside.Message);
        var small = Assert.Throws<ArgumentException>(
            () => loader.Fill(new float[PixelCount], new byte[2], [0, 1], 1, 0));
        Assert.Equal("destination", small.ParamName);
        var fewLabels = Assert.Throws<ArgumentException>(
            () => loader.Fill(new float[2 * PixelCount], new byte[1], [0, 1], 1, 0));
        Assert.Equal("labels", fewLabels.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(
            () => loader.Fill(new float[PixelCount], new byte[1], [0], 1, firstPosition: -1));

        var unlabelled = Assert.Throws<ArgumentException>(() => new AugmentedBatchLoader(
            new MnistDataset(new byte[PixelCount], null), AugmentationOptions.Standard, 1));
        Assert.Contains("no labels", unlabelled.Message);
    }

    private static int[] Shuffled(int count, int seed)
    {
        int[] order = Enumerable.Range(0, count).ToArray();
        new SeededRandom(seed).Shuffle(order);
        return order;
    }
}

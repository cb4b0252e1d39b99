using System.Globalization;
using System.IO.Compression;
using MnistNet.Data;

namespace MnistNet.Tests.Data;

public class MnistCsvReaderTests
{
    // Values read from tests/data/train-1000.csv with python's csv module (it holds MNIST training images 1..1000).
    private const int FirstTrainLabel = 5;
    private const int FirstTrainPixelSum = 27525;
    private const int LastTrainLabel = 6;
    private const int LastTrainPixelSum = 25612;

    // tests/data/test-200.csv holds MNIST test images 1..200: first image 202..205 = 84 185 159 151.
    private const int FirstTestPixelSum = 18454;
    private const int LastTestPixelSum = 37987;

    private static int Sum(ReadOnlySpan<byte> pixels)
    {
        int sum = 0;
        foreach (byte pixel in pixels)
        {
            sum += pixel;
        }

        return sum;
    }

    [Fact]
    public void TrainFile_IsReadAsLabelledDataset()
    {
        string path = TestFiles.Data("train-1000.csv");

        MnistDataset data = MnistCsvReader.ReadDataset(path);

        Assert.Equal(MnistCsvLayout.Train, MnistCsvReader.DetectLayout(path));
        Assert.Equal(1000, data.Count);
        Assert.True(data.HasLabels);
        Assert.Equal(path, data.Source);
        Assert.Equal(FirstTrainLabel, data.GetLabel(0));
        Assert.Equal(FirstTrainPixelSum, Sum(data.GetPixels(0)));
        Assert.Equal(new byte[] { 0, 3, 18, 18, 18, 126 }, data.GetPixels(0)[151..157].ToArray());
        Assert.Equal(LastTrainLabel, data.GetLabel(999));
        Assert.Equal(LastTrainPixelSum, Sum(data.GetPixels(999)));
        Assert.Equal(Enumerable.Range(1, 1000), Enumerable.Range(0, 1000).Select(data.GetImageId));

        int[] perDigit = new int[10];
        foreach (byte label in data.Labels)
        {
            perDigit[label]++;
        }

        Assert.Equal(new[] { 97, 116, 99, 93, 105, 92, 94, 117, 87, 100 }, perDigit);
    }

    [Fact]
    public void TrainFile_SamplesMatchDataset()
    {
        string path = TestFiles.Data("train-1000.csv");

        List<MnistSample> samples = [.. MnistCsvReader.ReadSamples(path)];
        MnistDataset data = MnistCsvReader.ReadDataset(path);

        Assert.Equal(1000, samples.Count);
        for (int i = 0; i < samples.Count; i++)
        {
            Assert.Equal(i + 1, samples[i].ImageId);
            Assert.Equal(data.GetLabel(i), samples[i].Label);
            Assert.True(data.GetPixels(i).SequenceEqual(samples[i].Pixels), $"pixels of image {i + 1} differ");
        }
    }

    [Fact]
    public void TrainFile_MatchesTheMnistIdxImagesItWasMadeFrom()
    {
        MnistDataset csv = MnistCsvReader.ReadDataset(TestFiles.Data("train-1000.csv"));
        MnistDataset idx = IdxReader.ReadDataset(
            TestFiles.Mnist("train-images-idx3-ubyte.gz"), TestFiles.Mnist("train-labels-idx1-ubyte.gz"));

        Assert.True(csv.Pixels.SequenceEqual(idx.Pixels[..csv.Pixels.Length]));
        Assert.True(csv.Labels.SequenceEqual(idx.Labels[..csv.Count]));
    }

    [Fact]
    public void TestFile_IsReadAsUnlabelledWithKaggleIds()
    {
        string path = TestFiles.Data("test-200.csv");

        MnistDataset data = MnistCsvReader.ReadDataset(path);
        List<MnistSample> samples = [.. MnistCsvReader.ReadSamples(path)];

        Assert.Equal(MnistCsvLayout.Test, MnistCsvReader.DetectLayout(path));
        Assert.Equal(200, data.Count);
        Assert.False(data.HasLabels);
        Assert.True(data.Labels.IsEmpty);
        Assert.Null(data.GetLabel(0));
        Assert.Equal(FirstTestPixelSum, Sum(data.GetPixels(0)));
        Assert.Equal(new byte[] { 0, 84, 185, 159, 151 }, data.GetPixels(0)[201..206].ToArray());
        Assert.Equal(LastTestPixelSum, Sum(data.GetPixels(199)));
        Assert.Equal(Enumerable.Range(1, 200), Enumerable.Range(0, 200).Select(data.GetImageId));
        Assert.Equal(Enumerable.Range(1, 200), samples.Select(s => s.ImageId));
        Assert.All(samples, s => Assert.Null(s.Label));
    }

    [Fact]
    public void HeaderlessFile_IsLabelledAndStartsAtTheFirstLine()
    {
        string path = TestFiles.Data("headerless-50.csv");

        MnistDataset data = MnistCsvReader.ReadDataset(path);
        MnistDataset train = MnistCsvReader.ReadDataset(TestFiles.Data("train-1000.csv")).Slice(0, 50);

        Assert.Equal(MnistCsvLayout.Headerless, MnistCsvReader.DetectLayout(path));
        Assert.Equal(50, data.Count);
        Assert.Equal(FirstTrainLabel, data.GetLabel(0));
        Assert.Equal(FirstTrainPixelSum, Sum(data.GetPixels(0)));
        Assert.True(train.Pixels.SequenceEqual(data.Pixels));
        Assert.True(train.Labels.SequenceEqual(data.Labels));
        Assert.Equal(Enumerable.Range(1, 50), MnistCsvReader.ReadSamples(path).Select(s => s.ImageId));
    }

    [Theory]
    [InlineData("train-20-bom-crlf.csv", 20)]
    [InlineData("train-5-no-final-newline.csv", 5)]
    public void WindowsAndUnterminatedFiles_ReadLikeThePlainOne(string name, int count)
    {
        MnistDataset plain = MnistCsvReader.ReadDataset(TestFiles.Data("train-1000.csv")).Slice(0, count);

        MnistDataset data = MnistCsvReader.ReadDataset(TestFiles.Data(name));
        List<MnistSample> samples = [.. MnistCsvReader.ReadSamples(TestFiles.Data(name))];

        Assert.Equal(MnistCsvLayout.Train, MnistCsvReader.DetectLayout(TestFiles.Data(name)));
        Assert.Equal(count, data.Count);
        Assert.True(plain.Pixels.SequenceEqual(data.Pixels));
        Assert.True(plain.Labels.SequenceEqual(data.Labels));
        Assert.Equal(count, samples.Count);
        Assert.Equal(plain.GetPixels(count - 1).ToArray(), samples[^1].Pixels);
    }

    [Fact]
    public void Parsing_DoesNotDependOnTheCurrentCulture()
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        MnistDataset invariant = MnistCsvReader.ReadDataset(TestFiles.Data("train-1000.csv"));
        try
        {
            // Both use other group and decimal separators than the invariant culture.
            foreach (string name in new[] { "de-DE", "ar-SA" })
            {
                CultureInfo.CurrentCulture = new CultureInfo(name);

                MnistDataset local = MnistCsvReader.ReadDataset(TestFiles.Data("train-1000.csv"));
                var error = Assert.Throws<MnistDataException>(
                    () => MnistCsvReader.ReadDataset(TestFiles.Bad("non-integer.csv")));

                Assert.True(invariant.Pixels.SequenceEqual(local.Pixels));
                Assert.True(invariant.Labels.SequenceEqual(local.Labels));
                Assert.Equal("pixel5", error.Column);
            }
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void MissingFile_ThrowsFileNotFoundNamingThePath()
    {
        string path = TestFiles.Data("no-such-file.csv");

        var fromDataset = Assert.Throws<FileNotFoundException>(() => MnistCsvReader.ReadDataset(path));
        var fromSamples = Assert.Throws<FileNotFoundException>(() => MnistCsvReader.ReadSamples(path));

        Assert.Equal(path, fromDataset.FileName);
        Assert.Equal(path, fromSamples.FileName);
        Assert.Contains(path, fromDataset.Message);
    }

    [Fact]
    public void GzippedFile_IsNamedAsCompressedRatherThanParsed()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mnistnet-{Guid.NewGuid():N}.csv.gz");
        try
        {
            using (var file = File.Create(path))
            using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
            {
                using FileStream csv = File.OpenRead(TestFiles.Data("train-20-bom-crlf.csv"));
                csv.CopyTo(gzip);
            }

            var error = Assert.Throws<MnistDataException>(() => MnistCsvReader.ReadDataset(path));
            var fromSamples = Assert.Throws<MnistDataException>(() => MnistCsvReader.ReadSamples(path).ToList());

            Assert.Contains("gzip-compressed", error.Message);
            Assert.Equal(path, error.Path);
            Assert.Null(error.Line);
            Assert.Equal(error.Message, fromSamples.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("empty.csv")]
    [InlineData("blank-lines.csv")]
    public void EmptyFile_AlwaysThrows(string name)
    {
        string path = TestFiles.Bad(name);
        var reported = new List<MnistDataException>();

        var error = Assert.Throws<MnistDataException>(() => MnistCsvReader.ReadDataset(path, reported.Add));
        var fromSamples = Assert.Throws<MnistDataException>(
            () => MnistCsvReader.ReadSamples(path, reported.Add).ToList());

        Assert.Contains("is empty", error.Message);
        Assert.Contains(name, error.Message);
        Assert.Null(error.Line);
        Assert.Equal(error.Message, fromSamples.Message);
        Assert.Empty(reported);
    }

    [Fact]
    public void HeaderOnly_AlwaysThrows()
    {
        string path = TestFiles.Bad("header-only.csv");

        var error = Assert.Throws<MnistDataException>(() => MnistCsvReader.ReadDataset(path, _ => { }));

        Assert.Contains("no data lines", error.Message);
        Assert.Equal(path, error.Path);
    }

    [Theory]
    [InlineData("unknown-header-name.csv", "pixel12", "'pixel_12'")]
    [InlineData("unknown-header-first.csv", "label", "'ImageId'")]
    [InlineData("test-header-short.csv", "pixel783", "found 783")]
    [InlineData("headerless-short.csv", "pixel783", "found 784")]
    public void UnknownHeader_ThrowsNamingTheColumn(string name, string column, string found)
    {
        string path = TestFiles.Bad(name);

        var error = Assert.Throws<MnistDataException>(() => MnistCsvReader.ReadDataset(path, _ => { }));
        var fromDetect = Assert.Throws<MnistDataException>(() => MnistCsvReader.DetectLayout(path));

        Assert.Equal(1, error.Line);
        Assert.Equal(column, error.Column);
        Assert.Contains("unknown header", error.Problem);
        Assert.Contains(found, error.Problem);
        Assert.Contains($"{name}, line 1, column {column}", error.Message);
        Assert.Equal(error.Message, fromDetect.Message);
    }

    [Theory]
    [InlineData("short-record.csv", 3, "pixel783", "expected 785 columns, found 784")]
    [InlineData("long-record.csv", 4, "after pixel783", "expected 785 columns, found 786")]
    [InlineData("empty-field.csv", 3, "pixel12", "expected a pixel from 0 to 255, found an empty field")]
    [InlineData("non-integer.csv", 2, "pixel5", "found '12.5', not an integer")]
    [InlineData("pixel-range.csv", 3, "pixel783", "expected a pixel from 0 to 255, found '256', out of range")]
    [InlineData("label-range.csv", 2, "label", "expected a label from 0 to 9, found '10', out of range")]
    [InlineData("test-record.csv", 3, "pixel783", "expected a pixel from 0 to 255, found '300'")]
    public void BadRecord_WithoutCallback_Throws(string name, long line, string column, string problem)
    {
        string path = TestFiles.Bad(name);

        var error = Assert.Throws<MnistDataException>(() => MnistCsvReader.ReadDataset(path));
        var fromSamples = Assert.Throws<MnistDataException>(() => MnistCsvReader.ReadSamples(path).ToList());

        Assert.Equal(line, error.Line);
        Assert.Equal(column, error.Column);
        Assert.Contains(problem, error.Problem);
        Assert.Contains($"{name}, line {line}, column {column}: ", error.Message);
        Assert.Equal(error.Message, fromSamples.Message);
    }

    [Fact]
    public void BrokenQuoting_IsABadRecordWithItsLine()
    {
        string path = TestFiles.Bad("broken-quote.csv");
        var reported = new List<MnistDataException>();

        var error = Assert.Throws<MnistDataException>(() => MnistCsvReader.ReadDataset(path));
        MnistDataset data = MnistCsvReader.ReadDataset(path, reported.Add);

        Assert.Equal(3, error.Line);
        Assert.Equal("pixel299", error.Column);
        Assert.Contains("expected an integer, found broken quoting", error.Problem);
        Assert.Contains("in '\"7'", error.Problem);
        Assert.Equal([3L], reported.Select(e => e.Line!.Value));
        Assert.Equal([1, 3], Enumerable.Range(0, data.Count).Select(data.GetImageId));
    }

    [Theory]
    [InlineData("short-record.csv", new long[] { 3 }, new[] { 1, 3 })]
    [InlineData("long-record.csv", new long[] { 4 }, new[] { 1, 2, 4 })]
    [InlineData("empty-field.csv", new long[] { 3 }, new[] { 1, 3 })]
    [InlineData("non-integer.csv", new long[] { 2, 4, 5 }, new[] { 2, 5 })]
    [InlineData("pixel-range.csv", new long[] { 3, 4 }, new[] { 1, 4 })]
    [InlineData("label-range.csv", new long[] { 2 }, new[] { 2, 3 })]
    [InlineData("test-record.csv", new long[] { 3 }, new[] { 1, 3 })]
    public void BadRecords_WithCallback_AreReportedAndTheGoodOnesKept(string name, long[] badLines, int[] keptIds)
    {
        string path = TestFiles.Bad(name);
        var fromDataset = new List<MnistDataException>();
        var fromSamples = new List<MnistDataException>();

        MnistDataset data = MnistCsvReader.ReadDataset(path, fromDataset.Add);
        List<MnistSample> samples = [.. MnistCsvReader.ReadSamples(path, fromSamples.Add)];

        Assert.Equal(badLines, fromDataset.Select(e => e.Line!.Value));
        Assert.Equal(fromDataset.Select(e => e.Message), fromSamples.Select(e => e.Message));
        Assert.All(fromDataset, e => Assert.Equal(path, e.Path));
        Assert.Equal(keptIds, Enumerable.Range(0, data.Count).Select(data.GetImageId));
        Assert.Equal(keptIds, samples.Select(s => s.ImageId));
    }

    [Fact]
    public void NonIntegerFile_ReportsEachKindOfText()
    {
        var reported = new List<MnistDataException>();

        MnistCsvReader.ReadDataset(TestFiles.Bad("non-integer.csv"), reported.Add);

        Assert.Equal(["pixel5", "pixel100", "label"], reported.Select(e => e.Column));
        Assert.Contains("found '12.5', not an integer", reported[0].Problem);
        Assert.Contains("found 'abc', not an integer", reported[1].Problem);
        Assert.Contains("expected a label from 0 to 9, found '-', not an integer", reported[2].Problem);
    }

    [Fact]
    public void MixedFile_KeepsGoodRecordsWithTheirLineNumbersAsIds()
    {
        // CRLF lines: 1 header, 2 good, 3 short, 4 empty pixel12, 5 blank, 6 'x' in pixel5, 7 good, 8 label 11,
        // 9 pixel199 = 999, 10 broken quote, 11 good, 12 good.
        string path = TestFiles.Bad("mixed.csv");
        MnistDataset train = MnistCsvReader.ReadDataset(TestFiles.Data("train-1000.csv"));
        var reported = new List<MnistDataException>();

        MnistDataset data = MnistCsvReader.ReadDataset(path, reported.Add);

        Assert.Equal([3L, 4, 6, 8, 9, 10], reported.Select(e => e.Line!.Value));
        Assert.Equal(["pixel783", "pixel12", "pixel5", "label", "pixel199", "pixel49"], reported.Select(e => e.Column));
        Assert.Equal(4, data.Count);
        Assert.Equal([1, 5, 9, 10], Enumerable.Range(0, data.Count).Select(data.GetImageId));
        Assert.True(data.GetPixels(1).SequenceEqual(train.GetPixels(4)));
        Assert.Equal(train.GetLabel(9), data.GetLabel(3));
    }

    [Fact]
    public void StreamingSamples_StopsAtTheFirstBadRecordAfterYieldingTheGoodOnes()
    {
        var seen = new List<int>();

        var error = Assert.Throws<MnistDataException>(() =>
        {
            foreach (MnistSample sample in MnistCsvReader.ReadSamples(TestFiles.Bad("long-record.csv")))
            {
                seen.Add(sample.ImageId);
            }
        });

        Assert.Equal([1, 2], seen);
        Assert.Equal(4, error.Line);
    }
}

using System.Buffers.Binary;
using System.IO.Compression;
using MnistNet.Data;

namespace MnistNet.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    // Computed with python3's gzip module from data/mnist/*.gz.
    private const long TrainPixelTotal = 1_567_298_545;
    private const long TestPixelTotal = 264_923_200;
    private const int FirstTrainImageSum = 27525;
    private const int FirstTestImageSum = 18454;

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static long Sum(ReadOnlySpan<byte> bytes)
    {
        long sum = 0;
        foreach (byte value in bytes)
        {
            sum += value;
        }

        return sum;
    }

    private static byte[] ImagesFile(int count, int rows = 28, int columns = 28, int magic = IdxReader.ImagesMagic,
        int? pixelBytes = null)
    {
        byte[] file = new byte[16 + (pixelBytes ?? count * rows * columns)];
        BinaryPrimitives.WriteInt32BigEndian(file, magic);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(12), columns);
        for (int i = 16; i < file.Length; i++)
        {
            file[i] = (byte)(i * 7);
        }

        return file;
    }

    private static byte[] LabelsFile(byte[] labels, int? count = null, int magic = IdxReader.LabelsMagic)
    {
        byte[] file = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(file, magic);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4), count ?? labels.Length);
        labels.CopyTo(file, 8);
        return file;
    }

    private static byte[] Gzip(byte[] content)
    {
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.Fastest))
        {
            gzip.Write(content);
        }

        return packed.ToArray();
    }

    /// <summary>Writes the file raw or gzipped, under a name that does not tell which.</summary>
    private string Write(string name, byte[] content, bool gzip)
    {
        string path = _temp.File(name);
        File.WriteAllBytes(path, gzip ? Gzip(content) : content);
        return path;
    }

    [Fact]
    public void RealTrainingSet_HasSixtyThousandImagesStartingWithAFive()
    {
        MnistDataset data = IdxReader.ReadDataset(
            TestFiles.Mnist("train-images-idx3-ubyte.gz"), TestFiles.Mnist("train-labels-idx1-ubyte.gz"));

        Assert.Equal(60000, data.Count);
        Assert.True(data.HasLabels);
        Assert.Equal(5, data.GetLabel(0));
        Assert.Equal(8, data.GetLabel(59999));
        Assert.Equal(FirstTrainImageSum, Sum(data.GetPixels(0)));
        Assert.Equal(new byte[] { 0, 3, 18, 18, 18, 126 }, data.GetPixels(0)[151..157].ToArray());
        Assert.Equal(TrainPixelTotal, Sum(data.Pixels));
        Assert.Equal(60000, data.GetImageId(59999));

        int[] perDigit = new int[10];
        foreach (byte label in data.Labels)
        {
            perDigit[label]++;
        }

        Assert.Equal(new[] { 5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949 }, perDigit);
    }

    [Fact]
    public void RealTestSet_HasTenThousandImagesStartingWithASeven()
    {
        MnistDataset data = IdxReader.ReadDataset(
            TestFiles.Mnist("t10k-images-idx3-ubyte.gz"), TestFiles.Mnist("t10k-labels-idx1-ubyte.gz"));

        Assert.Equal(10000, data.Count);
        Assert.Equal(7, data.GetLabel(0));
        Assert.Equal(6, data.GetLabel(9999));
        Assert.Equal(FirstTestImageSum, Sum(data.GetPixels(0)));
        Assert.Equal(TestPixelTotal, Sum(data.Pixels));
    }

    [Fact]
    public void RawFiles_ReadTheSameAsGzipped_WhateverTheirNames()
    {
        byte[] images = ReadGzip(TestFiles.Mnist("t10k-images-idx3-ubyte.gz"));
        byte[] labels = ReadGzip(TestFiles.Mnist("t10k-labels-idx1-ubyte.gz"));
        string rawImages = Write("images.gz", images, gzip: false);
        string rawLabels = Write("labels.gz", labels, gzip: false);
        string packedLabels = Write("labels.idx1-ubyte", labels, gzip: true);

        MnistDataset raw = IdxReader.ReadDataset(rawImages, rawLabels);
        byte[] fromPacked = IdxReader.ReadLabels(packedLabels);

        Assert.Equal(10000, raw.Count);
        Assert.Equal(TestPixelTotal, Sum(raw.Pixels));
        Assert.True(labels.AsSpan(8).SequenceEqual(raw.Labels));
        Assert.Equal(raw.Labels.ToArray(), fromPacked);
        Assert.Equal(images.AsSpan(16).ToArray(), IdxReader.ReadImages(rawImages));
    }

    private static byte[] ReadGzip(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var content = new MemoryStream();
        gzip.CopyTo(content);
        return content.ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SmallFiles_RoundTrip(bool gzip)
    {
        byte[] imagesFile = ImagesFile(3);
        string images = Write("i", imagesFile, gzip);
        string labels = Write("l", LabelsFile([9, 0, 4]), gzip);

        MnistDataset data = IdxReader.ReadDataset(images, labels);

        Assert.Equal(3, data.Count);
        Assert.Equal([9, 0, 4], data.Labels.ToArray());
        Assert.True(imagesFile.AsSpan(16).SequenceEqual(data.Pixels));
        Assert.Equal(images, data.Source);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedImages_NameExpectedAndFoundSizes(bool gzip)
    {
        // Two and a half of the three images the header announces.
        string path = Write("images", ImagesFile(3, pixelBytes: 2 * 784 + 392), gzip);

        var error = Assert.Throws<MnistDataException>(() => IdxReader.ReadImages(path));

        Assert.Equal(path, error.Path);
        Assert.Equal(3, error.Line);
        Assert.Equal("image count", error.Column);
        Assert.Contains("expected 3 images (2352 bytes after the header), found 1960 bytes (2 whole images)",
            error.Problem);
        Assert.Contains("images, line 3, column image count", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedLabels_NameExpectedAndFoundCounts(bool gzip)
    {
        string path = Write("labels", LabelsFile([1, 2, 3], count: 5), gzip);

        var error = Assert.Throws<MnistDataException>(() => IdxReader.ReadLabels(path));

        Assert.Equal(4, error.Line);
        Assert.Equal("label count", error.Column);
        Assert.Contains("expected 5 labels (5 bytes after the header), found 3 bytes", error.Problem);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedHeader_IsReported(bool gzip)
    {
        string path = Write("images", ImagesFile(1)[..10], gzip);

        var error = Assert.Throws<MnistDataException>(() => IdxReader.ReadImages(path));

        Assert.Equal("header", error.Column);
        Assert.Contains("expected a 16-byte IDX images header, found only 10 bytes", error.Problem);
    }

    [Fact]
    public void EmptyFile_IsReportedAtTheMagicNumber()
    {
        string path = Write("empty", [], gzip: false);

        var error = Assert.Throws<MnistDataException>(() => IdxReader.ReadLabels(path));

        Assert.Equal("magic number", error.Column);
        Assert.Contains("found only 0 bytes", error.Problem);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrailingBytes_AreAnError(bool gzip)
    {
        byte[] content = [.. ImagesFile(2), 1, 2, 3, 4, 5];
        string path = Write("images", content, gzip);

        var error = Assert.Throws<MnistDataException>(() => IdxReader.ReadImages(path));

        Assert.Equal(3, error.Line);
        Assert.Equal("image count", error.Column);
        Assert.Contains("expected 2 images (1568 bytes after the header), found 5 more bytes after them",
            error.Problem);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WrongMagic_IsAnError_AndSwappedFilesAreNamed(bool gzip)
    {
        string labels = Write("labels", LabelsFile([1, 2]), gzip);
        string junk = Write("junk", LabelsFile([1, 2], magic: 0x12345678), gzip);

        var swapped = Assert.Throws<MnistDataException>(() => IdxReader.ReadImages(labels));
        var other = Assert.Throws<MnistDataException>(() => IdxReader.ReadLabels(junk));

        Assert.Equal("magic number", swapped.Column);
        Assert.Null(swapped.Line);
        Assert.Contains("expected 0x00000803 (IDX images), found 0x00000801 (an IDX labels file)", swapped.Problem);
        Assert.Equal("magic number", other.Column);
        Assert.Contains("expected 0x00000801 (IDX labels), found 0x12345678", other.Problem);
    }

    [Theory]
    [InlineData(28, 27)]
    [InlineData(32, 32)]
    public void OtherImageSizes_AreRejected(int rows, int columns)
    {
        string path = Write("images", ImagesFile(2, rows, columns), gzip: false);

        var error = Assert.Throws<MnistDataException>(() => IdxReader.ReadImages(path));

        Assert.Equal("image size", error.Column);
        Assert.Contains($"expected 28 x 28 pixel images, found {rows} x {columns}", error.Problem);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LabelOutOfRange_NamesTheRecord(bool gzip)
    {
        string path = Write("labels", LabelsFile([1, 2, 10, 3, 200]), gzip);

        var error = Assert.Throws<MnistDataException>(() => IdxReader.ReadLabels(path));

        Assert.Equal(3, error.Line);
        Assert.Equal("label", error.Column);
        Assert.Contains("expected a digit from 0 to 9, found 10", error.Problem);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ImageAndLabelCountsMustAgree(bool gzip)
    {
        string images = Write("images", ImagesFile(3), gzip);
        string labels = Write("labels", LabelsFile([1, 2]), gzip);

        var error = Assert.Throws<MnistDataException>(() => IdxReader.ReadDataset(images, labels));

        Assert.Equal(labels, error.Path);
        Assert.Equal("label count", error.Column);
        Assert.Contains("expected 3 labels, one per image of images, found 2", error.Problem);
    }

    [Fact]
    public void AbsurdCount_IsRejectedBeforeAllocating()
    {
        string path = Write("images", ImagesFile(0, pixelBytes: 0), gzip: false);
        byte[] content = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32BigEndian(content.AsSpan(4), int.MaxValue);
        File.WriteAllBytes(path, content);

        var error = Assert.Throws<MnistDataException>(() => IdxReader.ReadImages(path));

        Assert.Equal("image count", error.Column);
        Assert.Contains($"found {int.MaxValue}", error.Problem);
    }

    [Fact]
    public void DamagedGzip_IsAMnistDataException()
    {
        byte[] packed = Gzip(ImagesFile(50));
        packed.AsSpan(packed.Length / 2, 64).Fill(0xFF);
        string path = _temp.File("damaged.gz");
        File.WriteAllBytes(path, packed);

        var error = Assert.Throws<MnistDataException>(() => IdxReader.ReadImages(path));

        Assert.Equal(path, error.Path);
        Assert.Contains("found compressed data that does not decompress (the file is damaged)", error.Message);
    }

    [Fact]
    public void GzipWithABadChecksum_IsCalledDamaged()
    {
        byte[] packed = Gzip(LabelsFile([1, 2, 3]));
        packed[^8] ^= 0xFF;
        string path = _temp.File("bad-crc.gz");
        File.WriteAllBytes(path, packed);

        var error = Assert.Throws<MnistDataException>(() => IdxReader.ReadLabels(path));

        Assert.Contains("does not decompress (the file is damaged)", error.Message);
        Assert.DoesNotContain("unsupported compression method", error.Message);
    }

    [Fact]
    public void MissingFile_ThrowsFileNotFoundNamingThePath()
    {
        string missing = _temp.File("missing-images");
        string labels = Write("labels", LabelsFile([1]), gzip: false);

        var error = Assert.Throws<FileNotFoundException>(() => IdxReader.ReadDataset(missing, labels));

        Assert.Equal(missing, error.FileName);
        Assert.Contains(missing, error.Message);
    }
}

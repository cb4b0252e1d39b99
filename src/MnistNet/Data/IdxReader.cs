using System.Buffers.Binary;
using System.IO.Compression;

namespace MnistNet.Data;

/// <summary>
/// Reads the IDX files of the original MNIST distribution (train-images-idx3-ubyte and the like), raw or
/// gzip-compressed; compression is told from the first two bytes, not from the file name.
/// </summary>
/// <remarks>
/// Images: big-endian magic 0x00000803, image count, 28 rows, 28 columns, then count · 784 bytes. Labels: magic
/// 0x00000801, label count, then one byte 0..9 per label. The data must be exactly as long as the header says.
/// Every problem throws a <see cref="MnistDataException"/> whose Line is the 1-based record (image or label)
/// number where one applies.
/// </remarks>
public static class IdxReader
{
    /// <summary>Magic number of an IDX file of unsigned bytes in three dimensions (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned bytes in one dimension (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    private const int ImagesHeaderBytes = 16;
    private const int LabelsHeaderBytes = 8;

    // Buffers for gzip data grow from here towards the size the header claims, so a lying header costs no memory.
    private const int FirstChunkBytes = 1 << 22;

    /// <summary>Reads images and their labels into one labelled dataset.</summary>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="MnistDataException">A file is not valid, or the two hold different counts.</exception>
    public static MnistDataset ReadDataset(string imagesPath, string labelsPath)
    {
        byte[] pixels = ReadImages(imagesPath);
        byte[] labels = ReadLabels(labelsPath);

        int images = pixels.Length / MnistSample.PixelCount;
        if (labels.Length != images)
        {
            throw Error(labelsPath, null, "label count",
                $"expected {images} labels, one per image of {Path.GetFileName(imagesPath)}, found {labels.Length}");
        }

        return new MnistDataset(pixels, labels, source: imagesPath);
    }

    /// <summary>Reads an images file: count · 784 grey levels, image after image, row by row.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="MnistDataException">The file is not a valid IDX images file of 28 x 28 images.</exception>
    public static byte[] ReadImages(string path)
    {
        using Stream stream = Open(path);
        Span<byte> header = stackalloc byte[ImagesHeaderBytes];
        ReadHeader(stream, path, header, ImagesMagic, "images");

        int count = ReadCount(path, header[4..], "image count");
        int rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        int columns = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        if (rows != MnistSample.Height || columns != MnistSample.Width)
        {
            throw Error(path, null, "image size",
                $"expected {MnistSample.Height} x {MnistSample.Width} pixel images, found {rows} x {columns}");
        }

        if ((long)count * MnistSample.PixelCount > Array.MaxLength)
        {
            throw Error(path, null, "image count",
                $"expected at most {Array.MaxLength / MnistSample.PixelCount} images, found {count}");
        }

        return ReadBody(stream, path, count, MnistSample.PixelCount, "image");
    }

    /// <summary>Reads a labels file: one digit 0..9 per image.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="MnistDataException">The file is not a valid IDX labels file of digits.</exception>
    public static byte[] ReadLabels(string path)
    {
        using Stream stream = Open(path);
        Span<byte> header = stackalloc byte[LabelsHeaderBytes];
        ReadHeader(stream, path, header, LabelsMagic, "labels");

        int count = ReadCount(path, header[4..], "label count");
        byte[] labels = ReadBody(stream, path, count, 1, "label");

        int bad = labels.AsSpan().IndexOfAnyExceptInRange((byte)0, (byte)(MnistSample.ClassCount - 1));
        if (bad >= 0)
        {
            throw Error(path, bad + 1L, "label", $"expected a digit from 0 to 9, found {labels[bad]}");
        }

        return labels;
    }

    private static MnistDataException Error(
        string path, long? record, string? column, string problem, Exception? inner = null) =>
        new(path, record, column, problem, inner);

    private static Stream Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The IDX file '{path}' does not exist.", path);
        }

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16,
            FileOptions.SequentialScan);
        Span<byte> start = stackalloc byte[2];
        int read = file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        file.Position = 0;

        bool gzip = read == 2 && start[0] == 0x1F && start[1] == 0x8B;
        return gzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: false) : file;
    }

    /// <summary>Fills as much of <paramref name="buffer"/> as the stream holds; a damaged gzip stream throws.</summary>
    private static int ReadFully(Stream stream, string path, Span<byte> buffer)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            // .NET's own message here can name an "unsupported compression method" for what is a bad checksum or
            // a damaged block, so the message says what is known: the compressed data does not decompress.
            throw Error(path, null, null,
                "expected valid gzip data, found compressed data that does not decompress (the file is damaged)", e);
        }
    }

    private static void ReadHeader(Stream stream, string path, Span<byte> header, int magic, string kind)
    {
        int read = ReadFully(stream, path, header);
        if (read >= 4)
        {
            int found = BinaryPrimitives.ReadInt32BigEndian(header);
            if (found != magic)
            {
                int other = magic == ImagesMagic ? LabelsMagic : ImagesMagic;
                string hint = found == other ? $" (an IDX {(kind == "images" ? "labels" : "images")} file)" : "";
                throw Error(path, null, "magic number",
                    $"expected 0x{magic:X8} (IDX {kind}), found 0x{found:X8}{hint}");
            }
        }

        if (read < header.Length)
        {
            throw Error(path, null, read < 4 ? "magic number" : "header",
                $"expected a {header.Length}-byte IDX {kind} header, found only {read} bytes");
        }
    }

    private static int ReadCount(string path, ReadOnlySpan<byte> field, string column)
    {
        int count = BinaryPrimitives.ReadInt32BigEndian(field);
        if (count < 0)
        {
            throw Error(path, null, column, $"expected a count from 0 to {int.MaxValue}, found {(uint)count}");
        }

        return count;
    }

    /// <summary>Reads exactly count records after the header, and checks that nothing follows them.</summary>
    private static byte[] ReadBody(Stream stream, string path, int count, int recordBytes, string record)
    {
        int expected = count * recordBytes;
        byte[] body = new byte[Math.Min(expected, FirstChunkBytes)];
        int filled = 0;
        while (true)
        {
            filled += ReadFully(stream, path, body.AsSpan(filled));
            if (filled < body.Length || body.Length == expected)
            {
                break;
            }

            Array.Resize(ref body, (int)Math.Min(expected, 2L * body.Length));
        }

        if (filled < expected)
        {
            int whole = filled / recordBytes;
            throw Error(path, whole + 1L, $"{record} count",
                $"expected {count} {record}s ({expected} bytes after the header), found {filled} bytes " +
                $"({whole} whole {record}s): the file is cut short");
        }

        long trailing = CountRest(stream, path);
        if (trailing > 0)
        {
            throw Error(path, count + 1L, $"{record} count",
                $"expected {count} {record}s ({expected} bytes after the header), found {trailing} more bytes " +
                "after them");
        }

        return body;
    }

    private static long CountRest(Stream stream, string path)
    {
        Span<byte> scratch = stackalloc byte[4096];
        long total = 0;
        int read;
        while ((read = ReadFully(stream, path, scratch)) > 0)
        {
            total += read;
        }

        return total;
    }
}

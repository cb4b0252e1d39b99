namespace MnistNet.Data;

/// <summary>
/// One handwritten digit: a 28 x 28 grey image stored row by row as 784 bytes (0 = background, 255 = ink), the
/// digit it shows when known, and its 1-based position in the file it came from (the ImageId of Kaggle's test
/// layout).
/// </summary>
public sealed class MnistSample
{
    public const int Width = 28;
    public const int Height = 28;
    public const int PixelCount = Width * Height;
    public const int ClassCount = 10;

    public MnistSample(int imageId, int? label, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length != PixelCount)
        {
            throw new ArgumentException($"A sample has {PixelCount} pixels; {pixels.Length} were given.",
                nameof(pixels));
        }

        if (label is < 0 or >= ClassCount)
        {
            throw new ArgumentOutOfRangeException(nameof(label), label, "A label is a digit from 0 to 9.");
        }

        ImageId = imageId;
        Label = label;
        Pixels = pixels;
    }

    /// <summary>1-based position of the image in its source file.</summary>
    public int ImageId { get; }

    /// <summary>The digit shown, or null for unlabelled data such as Kaggle's test.csv.</summary>
    public int? Label { get; }

    /// <summary>784 grey levels, row by row from the top left.</summary>
    public byte[] Pixels { get; }

    public override string ToString() =>
        Label is { } label ? $"Image {ImageId}: {label}" : $"Image {ImageId}: unlabelled";
}

using MnistNet.Data;
using MnistNet.Network;

namespace MnistNet.Tests;

/// <summary>Small synthetic datasets and networks for tests that must not depend on the real files.</summary>
internal static class TestData
{
    /// <summary>
    /// Images whose label is readable from the pixels: digit d lights a block of rows in band d, with noise. A
    /// network can learn these quickly, so a training test can demand a real rise in accuracy.
    /// </summary>
    public static MnistDataset Synthetic(int count, int seed)
    {
        var random = new SeededRandom(seed);
        byte[] pixels = new byte[count * MnistSample.PixelCount];
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            int digit = random.NextInt(10);
            labels[i] = (byte)digit;
            Span<byte> image = pixels.AsSpan(i * MnistSample.PixelCount, MnistSample.PixelCount);
            for (int p = 0; p < image.Length; p++)
            {
                int row = p / MnistSample.Width;
                bool lit = row >= digit * 2 + 4 && row < digit * 2 + 6;
                image[p] = (byte)(lit ? 200 + random.NextInt(56) : random.NextInt(40));
            }
        }

        return new MnistDataset(pixels, labels, source: "synthetic");
    }

    /// <summary>Reads a file copied next to the test assembly (see the project file).</summary>
    public static string PathOf(params string[] parts) =>
        Path.Combine([AppContext.BaseDirectory, .. parts]);
}

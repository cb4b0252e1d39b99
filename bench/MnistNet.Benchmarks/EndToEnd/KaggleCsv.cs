using System.Text;
using MnistNet.Data;

namespace MnistNet.Benchmarks.EndToEnd;

/// <summary>Writes MNIST images in the layout of Kaggle's train.csv: a header, then label,pixel0..pixel783.</summary>
public static class KaggleCsv
{
    public static void WriteTrain(MnistDataset source, int rows, string path)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, source.Count);

        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        IEnumerable<string> pixelNames = Enumerable.Range(0, MnistSample.PixelCount).Select(i => $"pixel{i}");
        string header = "label," + string.Join(',', pixelNames);
        file.Write(Encoding.ASCII.GetBytes(header + "\n"));

        // Four bytes per pixel at most ("255,") plus the label: one line is built in place and written whole.
        var line = new byte[4 * (MnistSample.PixelCount + 1)];
        for (int image = 0; image < rows; image++)
        {
            int length = AppendNumber(line, 0, source.GetLabel(image)!.Value);
            foreach (byte pixel in source.GetPixels(image))
            {
                line[length++] = (byte)',';
                length = AppendNumber(line, length, pixel);
            }

            line[length++] = (byte)'\n';
            file.Write(line, 0, length);
        }
    }

    private static int AppendNumber(byte[] buffer, int position, int value)
    {
        if (value >= 100)
        {
            buffer[position++] = (byte)('0' + value / 100);
        }

        if (value >= 10)
        {
            buffer[position++] = (byte)('0' + value / 10 % 10);
        }

        buffer[position++] = (byte)('0' + value % 10);
        return position;
    }
}

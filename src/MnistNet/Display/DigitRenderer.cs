using System.Text;
using MnistNet.Data;

namespace MnistNet.Display;

/// <summary>
/// Draws a 28 x 28 grey image as text: five grey levels from the Unicode block characters, two characters per
/// pixel so the digit keeps its proportions in a terminal whose cells are about twice as tall as wide.
/// </summary>
public static class DigitRenderer
{
    // Background, then light, medium, dark shade, full block: evenly spaced over 0..255.
    private static readonly char[] Shades = [' ', '░', '▒', '▓', '█'];

    /// <summary>The image as 28 lines of 56 characters, joined by newlines.</summary>
    public static string Render(ReadOnlySpan<byte> pixels)
    {
        if (pixels.Length != MnistSample.PixelCount)
        {
            throw new ArgumentException($"An image has {MnistSample.PixelCount} pixels; {pixels.Length} given.",
                nameof(pixels));
        }

        var text = new StringBuilder(MnistSample.Height * (MnistSample.Width * 2 + 1));
        for (int row = 0; row < MnistSample.Height; row++)
        {
            if (row > 0)
            {
                text.Append('\n');
            }

            for (int column = 0; column < MnistSample.Width; column++)
            {
                char shade = ShadeOf(pixels[row * MnistSample.Width + column]);
                text.Append(shade).Append(shade);
            }
        }

        return text.ToString();
    }

    /// <summary>The block character for a grey level 0..255.</summary>
    public static char ShadeOf(byte level) => Shades[(level * Shades.Length) >> 8];
}

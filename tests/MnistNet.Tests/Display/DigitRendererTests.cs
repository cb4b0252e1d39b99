using MnistNet.Display;

namespace MnistNet.Tests.Display;

public class DigitRendererTests
{
    [Theory]
    [InlineData(0, ' ')]
    [InlineData(51, ' ')]
    [InlineData(52, '░')]
    [InlineData(128, '▒')]
    [InlineData(200, '▓')]
    [InlineData(255, '█')]
    public void GreyLevelsMapToFiveShades(byte level, char expected) =>
        Assert.Equal(expected, DigitRenderer.ShadeOf(level));

    [Fact]
    public void ImageBecomes28LinesOf56Characters()
    {
        byte[] pixels = new byte[784];
        pixels[0] = 255;
        pixels[783] = 128;

        string[] lines = DigitRenderer.Render(pixels).Split('\n');

        Assert.Equal(28, lines.Length);
        Assert.All(lines, line => Assert.Equal(56, line.Length));
        Assert.StartsWith("██  ", lines[0]);
        Assert.EndsWith("  ▒▒", lines[27]);
    }

    [Fact]
    public void WrongPixelCountIsRefused() =>
        Assert.Throws<ArgumentException>(() => DigitRenderer.Render(new byte[100]));
}

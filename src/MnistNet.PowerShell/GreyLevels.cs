using System.Collections;
using System.Globalization;
using System.Management.Automation;
using MnistNet.Data;

namespace MnistNet.PowerShell;

/// <summary>
/// Turns what a script passes as an image's pixels into bytes, refusing anything that is not 784 whole grey levels
/// from 0 to 255. PowerShell's own conversion to byte[] would round 0.5 to 0 without a word, so a script that
/// had scaled its pixels to 0..1 would get confident nonsense back instead of an error. The conversion runs in the
/// cmdlet rather than in parameter binding, so that a refused image is a non-terminating error of the module's own
/// and still counts towards the ImageIds of the images after it.
/// </summary>
internal static class GreyLevels
{
    // A thousandth, plus a little for the binary representation of the decimal the user typed: 255.001 as a double
    // is 0.0010000000000048 away from 255, while 1.001 is 0.00099999999999989 away from 1, and both should pass.
    private const double WholeNumberTolerance = 1e-3 + 1e-12;

    /// <exception cref="ArgumentException">The value is not 784 numbers, or one of them is no grey level.</exception>
    public static byte[] From(object? pixels)
    {
        object? input = pixels is PSObject wrapped ? wrapped.BaseObject : pixels;
        if (input is byte[] bytes)
        {
            return RequireImageSize(bytes, bytes.Length);
        }

        if (input is string || input is not IEnumerable values)
        {
            throw new ArgumentException(
                $"-Pixels takes {MnistSample.PixelCount} grey levels; it was given {Describe(input)}.");
        }

        var levels = new List<byte>(MnistSample.PixelCount);
        foreach (object? item in values)
        {
            levels.Add(ToGreyLevel(item is PSObject element ? element.BaseObject : item, levels.Count));
        }

        return RequireImageSize([.. levels], levels.Count);
    }

    private static byte[] RequireImageSize(byte[] levels, int count) => count == MnistSample.PixelCount
        ? levels
        : throw new ArgumentException(
            $"-Pixels takes {MnistSample.PixelCount} grey levels, one image; it was given {count}.");

    private static byte ToGreyLevel(object? value, int index)
    {
        double number = value switch
        {
            byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal =>
                Convert.ToDouble(value, CultureInfo.InvariantCulture),
            string text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed)
                => parsed,
            _ => throw Refuse(index, value, "not a number"),
        };

        // Pixels scaled to 0..1 in single precision and multiplied back by 255 land a few millionths off the
        // whole number; that is rounding, not a fraction the user meant. NaN fails every comparison, so the test
        // is written as what a grey level is rather than what it is not.
        double nearest = Math.Round(number);
        bool isGreyLevel = Math.Abs(number - nearest) <= WholeNumberTolerance && nearest is >= 0 and <= 255;
        if (!isGreyLevel)
        {
            throw Refuse(index, value, number is > 0 and < 1
                ? "a fraction; grey levels are whole numbers from 0 to 255 (multiply pixels scaled to 0..1 by 255)"
                : "not a whole number from 0 to 255");
        }

        return (byte)nearest;
    }

    private static ArgumentException Refuse(int index, object? value, string problem) =>
        new($"Pixel {index} is {Describe(value)}: {problem}.");

    private static string Describe(object? value) => value switch
    {
        null => "null",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => $"'{value}'",
    };
}

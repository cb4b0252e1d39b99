using System.Collections;
using System.Globalization;
using System.Management.Automation;

namespace MnistNet.PowerShell;

/// <summary>
/// Turns what a script passes as an image's pixels into bytes, refusing anything that is not a whole grey level
/// from 0 to 255. PowerShell's own conversion to byte[] would round 0.5 to 0 without a word, so a script that
/// had scaled its pixels to 0..1 would get confident nonsense back instead of an error.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class GreyLevelsAttribute : ArgumentTransformationAttribute
{
    // A thousandth, plus a little for the binary representation of the decimal the user typed: 255.001 as a double
    // is 0.0010000000000048 away from 255, while 1.001 is 0.00099999999999989 away from 1, and both should pass.
    private const double WholeNumberTolerance = 1e-3 + 1e-12;

    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object input = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (input is byte[] || input is string || input is not IEnumerable values)
        {
            return inputData;
        }

        var levels = new List<byte>(784);
        foreach (object? item in values)
        {
            levels.Add(ToGreyLevel(item is PSObject element ? element.BaseObject : item, levels.Count));
        }

        return levels.ToArray();
    }

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

    private static ArgumentTransformationMetadataException Refuse(int index, object? value, string problem)
    {
        string shown = value switch
        {
            null => "null",
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => $"'{value}'",
        };
        return new ArgumentTransformationMetadataException($"Pixel {index} is {shown}: {problem}.");
    }
}

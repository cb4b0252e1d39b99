using System.Globalization;
using System.Management.Automation;
using MnistNet.Data;
using MnistNet.Display;
using MnistNet.Evaluation;

namespace MnistNet.PowerShell.Commands;

/// <summary>
/// Show-Digit: draws a sample, or a prediction that kept its image, as text with a caption naming the label and
/// the prediction, so a person can see what the network saw.
/// </summary>
[Cmdlet(VerbsCommon.Show, "Digit")]
[OutputType(typeof(string))]
public sealed class ShowDigitCommand : MnistCmdlet
{
    /// <summary>A sample (Import-MnistCsv, Import-MnistIdx) or a prediction (Invoke-DigitPrediction).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public PSObject InputObject { get; set; } = null!;

    protected override void ProcessRecord()
    {
        (byte[]? pixels, string caption) = InputObject.BaseObject switch
        {
            MnistSample sample => (sample.Pixels, Caption(sample.ImageId, sample.Label, null)),
            DigitPrediction prediction =>
                (prediction.Pixels, Caption(prediction.ImageId, prediction.Label, prediction)),
            _ => (null, ""),
        };

        if (pixels is null)
        {
            WriteError(Errors.InvalidArgument(new ArgumentException(
                "Show-Digit draws samples and predictions that carry their image; " +
                $"got {InputObject.BaseObject.GetType().Name}."),
                Errors.InvalidPixels, InputObject));
            return;
        }

        WriteObject(caption + "\n" + DigitRenderer.Render(pixels));
    }

    private static string Caption(int imageId, int? label, DigitPrediction? prediction)
    {
        string text = $"Image {imageId}";
        if (label is { } known)
        {
            text += $", label {known}";
        }

        if (prediction is not null)
        {
            string verdict = prediction.IsCorrect switch { true => " (correct)", false => " (wrong)", null => "" };
            text += string.Create(CultureInfo.InvariantCulture,
                $", predicted {prediction.Digit} at {prediction.Confidence:P1}{verdict}");
        }

        return text;
    }
}

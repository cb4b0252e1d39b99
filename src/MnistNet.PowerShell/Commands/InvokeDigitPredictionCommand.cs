using System.Management.Automation;
using MnistNet.Data;
using MnistNet.Evaluation;
using MnistNet.Network;

namespace MnistNet.PowerShell.Commands;

/// <summary>
/// Invoke-DigitPrediction: reads digits with a trained network. Samples are gathered into batches internally, so
/// piping thousands of them costs little more than predicting a dataset at once.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "DigitPrediction", DefaultParameterSetName = SampleSet)]
[OutputType(typeof(DigitPrediction))]
public sealed class InvokeDigitPredictionCommand : MnistCmdlet
{
    private const string SampleSet = "Sample";
    private const string DatasetSet = "Dataset";
    private const string PixelsSet = "Pixels";

    private readonly List<MnistSample> _pending = [];
    private Predictor? _predictor;
    private int _pixelArrays;

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public NeuralNetwork Network { get; set; } = null!;

    /// <summary>Samples from Import-MnistCsv or Import-MnistIdx.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SampleSet, ValueFromPipeline = true)]
    public MnistSample? InputObject { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = DatasetSet, ValueFromPipeline = true)]
    public MnistDataset? Dataset { get; set; }

    /// <summary>
    /// One image as 784 grey levels 0..255, row by row (bytes, or any numbers that are whole); ImageId counts such
    /// images from 1, refused ones included.
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = PixelsSet, ValueFromPipelineByPropertyName = true)]
    public object? Pixels { get; set; }

    protected override void BeginProcessing()
    {
        RequireUsable(Network);
        _predictor = new Predictor(Network);
    }

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case DatasetSet:
                Flush();
                WriteObject(_predictor!.Predict(Dataset!, keepPixels: true), enumerateCollection: true);
                return;
            case PixelsSet:
                int imageId = ++_pixelArrays;
                byte[] levels;
                try
                {
                    levels = GreyLevels.From(Pixels);
                }
                catch (ArgumentException error)
                {
                    WriteError(Errors.InvalidArgument(new ArgumentException($"Image {imageId}: {error.Message}",
                        error), Errors.InvalidPixels, Pixels));
                    return;
                }

                _pending.Add(new MnistSample(imageId, null, levels));
                break;
            default:
                _pending.Add(InputObject!);
                break;
        }

        if (_pending.Count >= _predictor!.BatchSize)
        {
            Flush();
        }
    }

    protected override void EndProcessing()
    {
        Flush();
        _predictor?.Dispose();
    }

    private void Flush()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        WriteObject(_predictor!.Predict(_pending, keepPixels: true), enumerateCollection: true);
        _pending.Clear();
    }
}

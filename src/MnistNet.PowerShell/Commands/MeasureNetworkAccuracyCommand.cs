using System.Management.Automation;
using MnistNet.Data;
using MnistNet.Evaluation;
using MnistNet.Network;

namespace MnistNet.PowerShell.Commands;

/// <summary>Measure-NetworkAccuracy: scores a network on labelled images (accuracy, mean loss, confusion).</summary>
[Cmdlet(VerbsDiagnostic.Measure, "NetworkAccuracy", DefaultParameterSetName = SamplesSet)]
[OutputType(typeof(EvaluationResult))]
public sealed class MeasureNetworkAccuracyCommand : MnistCmdlet
{
    private const string SamplesSet = "Samples";
    private const string DatasetSet = "Dataset";

    private readonly MnistDatasetBuilder _samples = new("pipeline");
    private readonly List<MnistDataset> _datasets = [];

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public NeuralNetwork Network { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = SamplesSet, ValueFromPipeline = true)]
    public MnistSample? InputObject { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = DatasetSet, ValueFromPipeline = true)]
    public MnistDataset? Dataset { get; set; }

    protected override void BeginProcessing() => RequireUsable(Network);

    protected override void ProcessRecord()
    {
        try
        {
            if (ParameterSetName == DatasetSet)
            {
                _datasets.Add(Dataset!);
                return;
            }

            if (InputObject!.Label is null)
            {
                throw new ArgumentException(
                    $"Image {InputObject.ImageId} has no label, so it cannot be scored; use labelled images.");
            }

            _samples.Add(InputObject);
        }
        catch (ArgumentException error)
        {
            WriteError(Errors.InvalidArgument(error, Errors.UnlabelledData, InputObject ?? (object?)Dataset));
        }
    }

    protected override void EndProcessing()
    {
        if (_samples.Count > 0)
        {
            _datasets.Add(_samples.Build());
        }

        using var predictor = new Predictor(Network);
        foreach (MnistDataset data in _datasets)
        {
            try
            {
                WriteObject(predictor.Evaluate(data));
            }
            catch (ArgumentException error)
            {
                string errorId = data.Count == 0 ? Errors.NoData : Errors.UnlabelledData;
                WriteError(Errors.InvalidArgument(error, errorId, data));
            }
        }
    }
}

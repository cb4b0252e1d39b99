namespace MnistNet.Benchmarks.EndToEnd;

/// <summary>Everything one end-to-end run measured; a job that failed leaves its entry empty.</summary>
public sealed class Outcome
{
    public List<ProtocolResult> TwoThreads { get; } = [];

    public List<ProtocolResult> OneThread { get; } = [];

    /// <summary>The protocol on two threads with the standard augmentation of the training images.</summary>
    public List<ProtocolResult> Augmented { get; } = [];

    public PredictResult? Predict { get; set; }

    public CsvResult? Csv { get; set; }

    public FullBatchResult? FullBatch { get; set; }

    public PipelineResult? Pipeline { get; set; }

    public List<string> Errors { get; } = [];

    /// <summary>The raw figures behind the table, rounded so the JSON file stays small and readable.</summary>
    public object Details() => new
    {
        protocolTwoThreads = TwoThreads.Select(Describe),
        protocolOneThread = OneThread.Select(Describe),
        protocolAugmented = Augmented.Select(Describe),
        predict = Predict is null ? null : new
        {
            testSetMilliseconds = Round(Predict.TestSetMilliseconds, 2),
            oneImageMedianMicroseconds = Math.Round(Predict.OneImageMedianMicroseconds, 2),
            Predict.OneImageCalls,
        },
        csv = Csv is null ? null : new { readSeconds = Round(Csv.ReadSeconds, 3), Csv.Rows },
        fullBatch = FullBatch is null ? null : new
        {
            totalSeconds = Math.Round(FullBatch.TotalSeconds, 2),
            FullBatch.Epochs,
            finalLoss = Math.Round(FullBatch.FinalLoss, 4),
        },
        pipelineSeconds = Pipeline is null ? null : new
        {
            trainingFromSamples = Round(Pipeline.TrainingFromSamples, 3),
            trainingFromDataset = Round(Pipeline.TrainingFromDataset, 3),
            prediction = Round(Pipeline.Prediction, 3),
        },
        errors = Errors,
    };

    private static object Describe(ProtocolResult result) => new
    {
        epochSeconds = Round(result.EpochSeconds, 3),
        testAccuracy = Math.Round(result.TestAccuracy, 4),
        peakWorkingSetMegabytes = Math.Round(result.PeakWorkingSetBytes / 1e6, 1),
        workerShare = Round(result.WorkerShare, 2),
        otherProcessesCores = Round(result.OtherCores.Select(cores => double.IsNaN(cores) ? -1 : cores), 2),
        machineTwoCoreScalingBeforeAfter = Round(result.CoreScaling, 2),
        cacheLineRoundTripNanosecondsBeforeAfter = Round(result.RoundTripNanoseconds, 0),
    };

    private static double[] Round(IEnumerable<double> values, int digits) =>
        [.. values.Select(value => Math.Round(value, digits))];
}

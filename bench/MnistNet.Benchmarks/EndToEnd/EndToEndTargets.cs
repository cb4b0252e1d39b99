using MnistNet.Benchmarks.Reporting;

namespace MnistNet.Benchmarks.EndToEnd;

/// <summary>Holds one end-to-end run to the project's targets, one table row per figure.</summary>
public static class EndToEndTargets
{
    private const string NotMeasured = "not measured (job failed)";

    public static IReadOnlyList<ResultRow> Evaluate(Outcome outcome)
    {
        var rows = new List<ResultRow>();
        double? twoThreadEpoch = MedianEpoch(outcome.TwoThreads);
        double? oneThreadEpoch = MedianEpoch(outcome.OneThread);

        rows.Add(twoThreadEpoch is { } two
            ? ResultRow.AtMost("Protocol epoch, 60k images, 2 threads", two, "s", 0.25, "F3")
            : ResultRow.Missing("Protocol epoch, 60k images, 2 threads", NotMeasured, "<= 0.250 s"));
        rows.Add(oneThreadEpoch is { } one
            ? ResultRow.Context("Protocol epoch, 60k images, 1 thread", one, "s", "F3")
            : ResultRow.Missing("Protocol epoch, 60k images, 1 thread", NotMeasured, ResultRow.NoTarget));
        rows.Add(twoThreadEpoch is { } fast && oneThreadEpoch is { } slow
            ? ResultRow.AtLeast("Speed-up, 2 threads over 1", slow / fast, "x", 1.7, "F2")
            : ResultRow.Missing("Speed-up, 2 threads over 1", NotMeasured, ">= 1.70x"));

        double? augmentedEpoch = MedianEpoch(outcome.Augmented);
        rows.Add(augmentedEpoch is { } distorted
            ? ResultRow.Context("Protocol epoch with augmentation, 2 threads", distorted, "s", "F3")
            : ResultRow.Missing("Protocol epoch with augmentation, 2 threads", NotMeasured, ResultRow.NoTarget));
        rows.Add(augmentedEpoch is { } withAugmentation && twoThreadEpoch is { } without
            ? ResultRow.AtMost("Augmentation cost, epoch with over without", withAugmentation / without, "x", 1.3,
                "F2")
            : ResultRow.Missing("Augmentation cost, epoch with over without", NotMeasured, "<= 1.30x"));

        ProtocolResult? first = outcome.TwoThreads.FirstOrDefault();
        rows.Add(first is null
            ? ResultRow.Missing("Test accuracy after 5 epochs", NotMeasured, ">= 97.00%")
            : ResultRow.AtLeast("Test accuracy after 5 epochs", first.TestAccuracy * 100, "%", 97.0, "F2"));
        rows.Add(outcome.TwoThreads.Count == 0
            ? ResultRow.Missing("Peak working set, protocol", NotMeasured, "<= 250 MB")
            : ResultRow.AtMost("Peak working set, protocol",
                Statistics.Median(outcome.TwoThreads.Select(r => r.PeakWorkingSetBytes / 1e6)), "MB", 250, "F0"));

        PredictResult? predict = outcome.Predict;
        rows.Add(predict is null
            ? ResultRow.Missing("Predict 10,000 test images", NotMeasured, "<= 15.0 ms")
            : ResultRow.AtMost("Predict 10,000 test images", Statistics.Median(predict.TestSetMilliseconds), "ms",
                15, "F1"));
        rows.Add(predict is null
            ? ResultRow.Missing("Predict one image (Predictor)", NotMeasured, "<= 10.0 µs")
            : ResultRow.AtMost("Predict one image (Predictor)", predict.OneImageMedianMicroseconds, "µs", 10, "F1"));

        rows.Add(outcome.Csv is { } csv
            ? ResultRow.AtMost("Read 42,000-row CSV", Statistics.Median(csv.ReadSeconds), "s", 0.6, "F3")
            : ResultRow.Missing("Read 42,000-row CSV", NotMeasured, "<= 0.600 s"));
        rows.Add(outcome.FullBatch is { } fullBatch
            ? ResultRow.AtMost("Full batch, 100 epochs x 42,000", fullBatch.TotalSeconds, "s", 15, "F1")
            : ResultRow.Missing("Full batch, 100 epochs x 42,000", NotMeasured, "<= 15.0 s"));

        PipelineResult? pipeline = outcome.Pipeline;
        rows.Add(pipeline is null
            ? ResultRow.Missing("Pipeline training overhead, 42k samples", NotMeasured, "<= 2.00 s")
            : ResultRow.AtMost("Pipeline training overhead, 42k samples",
                Statistics.Median(pipeline.TrainingFromSamples) - Statistics.Median(pipeline.TrainingFromDataset),
                "s", 2, "F2"));
        rows.Add(pipeline is null
            ? ResultRow.Missing("Pipeline, 10,000 predictions", NotMeasured, "<= 1.00 s")
            : ResultRow.AtMost("Pipeline, 10,000 predictions", Statistics.Median(pipeline.Prediction), "s", 1,
                "F2"));
        return rows;
    }

    // The protocol's figure for one process is the median of its five epochs, which leaves out the first (the
    // runtime still compiles framework code in it); the row is the median of those figures over the rounds. Pooling
    // all 25 epochs instead let two processes that the host slowed from start to end, together with the first
    // epochs, decide the median: on a virtual machine the exchanges between the two processors at times cost two
    // to four times as much for seconds on end, which a two-thread step, full of such exchanges, feels throughout.
    private static double? MedianEpoch(List<ProtocolResult> runs) =>
        runs.Count == 0 ? null : Statistics.Median(runs.Select(run => Statistics.Median(run.EpochSeconds)));
}

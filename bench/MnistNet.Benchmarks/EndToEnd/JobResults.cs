namespace MnistNet.Benchmarks.EndToEnd;

/// <summary>
/// What a protocol child reports: 5 epochs of training on 60,000 images, then the test score; per epoch also the
/// share of kernel parts the worker thread ran and the cores other processes used (see <see cref="LoadProbe"/>),
/// and, just before and just after training, the machine's two-core FMA scaling (see <see cref="CoreScaling"/>)
/// and the round trip of a cache line between two threads (see <see cref="CoreExchange"/>).
/// </summary>
public sealed record ProtocolResult(double[] EpochSeconds, double TestAccuracy, long PeakWorkingSetBytes,
    double[] WorkerShare, double[] OtherCores, double[] CoreScaling, double[] RoundTripNanoseconds);

/// <summary>What a prediction child reports: whole test-set predictions and single-image predictions.</summary>
public sealed record PredictResult(double[] TestSetMilliseconds, double OneImageMedianMicroseconds, int OneImageCalls);

/// <summary>What a CSV child reports: the timed reads of the 42,000-row file.</summary>
public sealed record CsvResult(double[] ReadSeconds, int Rows);

/// <summary>What a full-batch child reports: 100 epochs of gradient descent over all 42,000 rows at once.</summary>
public sealed record FullBatchResult(double TotalSeconds, int Epochs, double FinalLoss);

/// <summary>What the PowerShell child prints, in seconds, one entry per timed run.</summary>
public sealed record PipelineResult(double[] TrainingFromSamples, double[] TrainingFromDataset, double[] Prediction);

using System.Diagnostics;
using MnistNet.Data;
using MnistNet.Evaluation;
using MnistNet.Native;
using MnistNet.Network;
using MnistNet.Storage;
using MnistNet.Training;

namespace MnistNet.Benchmarks.EndToEnd;

/// <summary>
/// The jobs the end-to-end runner starts in child processes, one job per process, so that each starts from the
/// same cold state, its thread setting holds from the first kernel call, and its peak working set is its own.
/// </summary>
public static class ChildJobs
{
    public const int ProtocolEpochs = 5;
    public const int FullBatchEpochs = 100;
    private const int Seed = 1;

    /// <summary>
    /// 784-128-64-10, ReLU, Adam at 0.001, batches of 128 reshuffled each epoch, data in memory; with
    /// <paramref name="augment"/> the training images are distorted afresh each epoch with the standard settings.
    /// </summary>
    public static ProtocolResult Protocol(RepositoryPaths paths, string? saveModelTo, bool augment = false)
    {
        MnistDataset training = IdxReader.ReadDataset(paths.TrainImages, paths.TrainLabels);
        MnistDataset test = IdxReader.ReadDataset(paths.TestImages, paths.TestLabels);
        var options = new TrainingOptions
        {
            HiddenLayers = [128, 64],
            Activation = Activation.ReLU,
            Optimizer = OptimizerKind.Adam,
            LearningRate = 0.001,
            BatchSize = 128,
            Epochs = ProtocolEpochs,
            Seed = Seed,
            Augmentation = augment ? MnistNet.Augmentation.AugmentationOptions.Standard : null,
        };

        double scalingBefore = CoreScaling.Measure();
        double roundTripBefore = CoreExchange.MeasureNanoseconds();
        var probe = new LoadProbe();
        using NeuralNetwork network = NetworkTrainer.Train(training, validation: null, options, probe);
        using var predictor = new Predictor(network);
        double scalingAfter = CoreScaling.Measure();
        double roundTripAfter = CoreExchange.MeasureNanoseconds();
        double accuracy = predictor.Evaluate(test).Accuracy;
        if (saveModelTo is not null)
        {
            NetworkFile.Save(network, saveModelTo);
        }

        using Process self = Process.GetCurrentProcess();
        self.Refresh();
        return new ProtocolResult([.. network.History.Select(epoch => epoch.Seconds)], accuracy,
            self.PeakWorkingSet64, probe.WorkerShare, probe.OtherCores, [scalingBefore, scalingAfter],
            [roundTripBefore, roundTripAfter]);
    }

    /// <summary>Predicts the 10,000 test images at once, then one image at a time, through Predictor.</summary>
    public static PredictResult Predict(RepositoryPaths paths, string modelPath)
    {
        const int warmups = 3;
        const int testSetRuns = 15;
        const int singleCalls = 20_000;
        const int distinctImages = 1_000;

        MnistDataset test = IdxReader.ReadDataset(paths.TestImages, paths.TestLabels);
        using NeuralNetwork network = NetworkFile.Load(modelPath);
        using var predictor = new Predictor(network);

        for (int i = 0; i < warmups; i++)
        {
            predictor.Predict(test);
        }

        var testSet = new double[testSetRuns];
        for (int run = 0; run < testSetRuns; run++)
        {
            long start = Stopwatch.GetTimestamp();
            predictor.Predict(test);
            testSet[run] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        MnistSample[][] singles = [.. Enumerable.Range(0, distinctImages).Select(i => new[] { test.GetSample(i) })];
        foreach (MnistSample[] single in singles)
        {
            predictor.Predict(single);
        }

        var calls = new double[singleCalls];
        for (int call = 0; call < singleCalls; call++)
        {
            long start = Stopwatch.GetTimestamp();
            predictor.Predict(singles[call % distinctImages]);
            calls[call] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        return new PredictResult(testSet, Reporting.Statistics.Median(calls), singleCalls);
    }

    /// <summary>Reads the Kaggle-layout file into a dataset: once to warm up, then three timed reads.</summary>
    public static CsvResult ReadCsv(string csvPath)
    {
        const int timedReads = 3;
        int rows = MnistCsvReader.ReadDataset(csvPath).Count;
        var seconds = new double[timedReads];
        for (int read = 0; read < timedReads; read++)
        {
            // Collect the previous read's arrays first, so no read pays for another's garbage.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long start = Stopwatch.GetTimestamp();
            MnistCsvReader.ReadDataset(csvPath);
            seconds[read] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        return new CsvResult(seconds, rows);
    }

    /// <summary>The learner's original job: plain gradient descent on every row at once, 100 times.</summary>
    public static FullBatchResult FullBatch(string csvPath)
    {
        MnistDataset training = MnistCsvReader.ReadDataset(csvPath);
        var options = new TrainingOptions
        {
            HiddenLayers = [128, 64],
            Activation = Activation.ReLU,
            Optimizer = OptimizerKind.Sgd,
            BatchSize = 0,
            Epochs = FullBatchEpochs,
            Seed = Seed,
        };

        long start = Stopwatch.GetTimestamp();
        using NeuralNetwork network = NetworkTrainer.Train(training, validation: null, options);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new FullBatchResult(seconds, network.EpochsTrained, network.History[^1].Loss);
    }
}

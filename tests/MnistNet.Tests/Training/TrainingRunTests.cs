using MnistNet.Augmentation;
using MnistNet.Data;
using MnistNet.Native;
using MnistNet.Network;
using MnistNet.Storage;
using MnistNet.Training;

namespace MnistNet.Tests.Training;

/// <summary>Early stopping, the divergence guard, cancellation and checkpoints, through the public trainer.</summary>
public sealed class TrainingRunTests : IDisposable
{
    private static readonly TrainingOptions Small =
        new() { HiddenLayers = [32, 16], BatchSize = 32, Epochs = 4, Seed = 9 };

    private readonly string _folder = Directory.CreateTempSubdirectory("mnistnet-run-").FullName;
    private readonly MnistDataset _data = TestData.Synthetic(400, seed: 21);

    [Fact]
    public void EarlyStoppingEndsWithTheBestEpochsWeightsAndHistory()
    {
        // Random labels: the network can only memorise them, so the validation loss soon rises.
        MnistDataset images = TestData.Synthetic(120, seed: 22);
        var random = new SeededRandom(23);
        byte[] labels = Enumerable.Range(0, images.Count).Select(_ => (byte)random.NextInt(10)).ToArray();
        var noisy = new MnistDataset(images.Pixels.ToArray(), labels, source: "random labels");
        TrainingOptions options = Small with
        {
            Epochs = 40, ValidationSplit = 0.5, EarlyStoppingPatience = 3, LearningRate = 0.01,
        };
        var observer = new Recorder();

        using NeuralNetwork stopped = NetworkTrainer.Train(noisy, null, options, observer);

        int best = stopped.History.Count;
        Assert.True(best < 37, $"training ran {best} epochs; early stopping should have ended it sooner");
        Assert.Equal(stopped.History.Min(record => record.ValidationLoss), stopped.History[^1].ValidationLoss);
        Assert.Equal(best + 3, observer.Epochs.Count);
        Assert.Contains(observer.Messages, message => message.Contains("Stopping early"));

        // The same run cut at the best epoch by its epoch count has the very same weights.
        using NeuralNetwork reference = NetworkTrainer.Train(noisy, null,
            options with { Epochs = best, EarlyStoppingPatience = 0 });
        AssertSameParameters(reference, stopped);
    }

    [Fact]
    public void EarlyStoppingNeedsValidationData()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            NetworkTrainer.Train(_data, null, Small with { EarlyStoppingPatience = 2 }));

        Assert.Contains("validation", error.Message);
    }

    [Fact]
    public void DivergenceStopsWithEpochAndBatchAndKeepsFiniteWeights()
    {
        using var network = NeuralNetwork.ForMnist([32, 16], Activation.ReLU, seed: 1);
        NetworkTrainer.Train(network, _data, null, Small with { Epochs = 1 });
        float[] afterFirstEpoch = network.Layers[0].GetWeights();

        var error = Assert.Throws<TrainingDivergedException>(() => NetworkTrainer.Train(network, _data, null,
            Small with { Optimizer = OptimizerKind.Sgd, LearningRate = 100, Epochs = 3 }));

        Assert.Equal(2, error.Epoch);
        Assert.InRange(error.Batch, 1, 13);
        Assert.Contains($"epoch 2, batch {error.Batch} of 13", error.Message);
        Assert.Contains("The network keeps the weights it had after epoch 1. Try a smaller learning rate, such as " +
            "10, or clip the gradients (GradientClip).", error.Message);
        Assert.True(!(error.Loss <= 88), $"loss {error.Loss} is not a blow-up");
        Assert.Equal(afterFirstEpoch, network.Layers[0].GetWeights());
        Assert.Single(network.History);
        Assert.True(network.Layers.All(layer => layer.GetWeights().All(float.IsFinite)));
    }

    [Fact]
    public void DivergenceInTheFirstEpochSaysTheNetworkKeepsItsStartingWeights()
    {
        using var network = NeuralNetwork.ForMnist([32, 16], Activation.ReLU, seed: 1);
        float[] initial = network.Layers[0].GetWeights();

        var error = Assert.Throws<TrainingDivergedException>(() => NetworkTrainer.Train(network, _data, null,
            Small with { Optimizer = OptimizerKind.Sgd, LearningRate = 100, Epochs = 2 }));

        Assert.Equal(1, error.Epoch);
        Assert.Contains("The network keeps the weights it had before its first epoch.", error.Message);
        Assert.DoesNotContain("epoch 0", error.Message);
        Assert.Equal(initial, network.Layers[0].GetWeights());
    }

    [Fact]
    public void DivergenceDespiteClippingSuggestsASmallerLimitRatherThanClipping()
    {
        using var network = NeuralNetwork.ForMnist([32, 16], Activation.ReLU, seed: 1);

        var error = Assert.Throws<TrainingDivergedException>(() => NetworkTrainer.Train(network, _data, null,
            Small with { Optimizer = OptimizerKind.Sgd, LearningRate = 100, GradientClip = 5, Epochs = 2 }));

        Assert.Equal(5, error.GradientClip);
        Assert.EndsWith("Try a smaller learning rate, such as 10; the gradients were already clipped to a norm of 5 " +
            "(GradientClip), so a smaller limit may help too.", error.Message);
        Assert.DoesNotContain("or clip the gradients", error.Message);
    }

    [Fact]
    public void CancellingInMidEpochGoesBackToTheLastCompletedEpoch()
    {
        using var network = NeuralNetwork.ForMnist([16], Activation.ReLU, seed: 2);
        NetworkTrainer.Train(network, _data, null, Small with { Epochs = 1 });
        float[] afterFirstEpoch = network.Layers[0].GetWeights();
        using var stop = new CancellationTokenSource();
        var observer = new Recorder { StopAtBatch = (1, 5, stop) };

        Assert.ThrowsAny<OperationCanceledException>(() =>
            NetworkTrainer.Train(network, _data, null, Small, observer, stop.Token));

        Assert.Single(network.History);
        Assert.Equal(afterFirstEpoch, network.Layers[0].GetWeights());
    }

    [Fact]
    public void EpochRecordsTheMeanScheduledRate()
    {
        // 400 images in batches of 100: 4 batches per epoch, 8 in all; cosine over steps 0..7.
        TrainingOptions options = Small with
        {
            Schedule = LearningRateScheduleKind.Cosine, LearningRate = 0.1, BatchSize = 100, Epochs = 2,
        };

        using NeuralNetwork network = NetworkTrainer.Train(_data, null, options);

        var schedule = new LearningRateSchedule(LearningRateScheduleKind.Cosine, 0.1, totalSteps: 8);
        double firstEpoch = Enumerable.Range(0, 4).Average(step => schedule.RateAt(step));
        Assert.Equal(firstEpoch, network.History[0].LearningRate, 1e-15);
        Assert.True(network.History[1].LearningRate < network.History[0].LearningRate / 2);
        Assert.Equal(0.001, NetworkTrainer.Train(_data, null, Small with { Epochs = 1 }).History[0].LearningRate);
    }

    [Fact]
    public void CheckpointsKeepTheLatestAndTheBest()
    {
        string path = Path.Combine(_folder, "run.mnn");

        using NeuralNetwork network = NetworkTrainer.Train(_data, null,
            Small with { ValidationSplit = 0.25, CheckpointPath = path });

        using NeuralNetwork latest = NetworkFile.Load(Path.Combine(_folder, "run.latest.mnn"));
        using NeuralNetwork best = NetworkFile.Load(Path.Combine(_folder, "run.best.mnn"));
        AssertSameParameters(network, latest);
        Assert.Equal(4, latest.History.Count);
        int bestEpoch = network.History.MinBy(record => record.ValidationLoss)!.Epoch;
        Assert.Equal(bestEpoch, best.History.Count);
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Theory]
    [InlineData(OptimizerKind.Adam, false)]
    [InlineData(OptimizerKind.Nesterov, false)]
    [InlineData(OptimizerKind.AdamW, true)]
    public void ResumedRunEndsWithBitIdenticalWeights(OptimizerKind optimizer, bool augment)
    {
        TrainingOptions options = Small with
        {
            Optimizer = optimizer, Epochs = 5, ValidationSplit = 0.2, Dropout = 0.3, WeightDecay = 1e-3,
            GradientClip = 5, Schedule = LearningRateScheduleKind.OneCycle, WarmupEpochs = 1,
            EarlyStoppingPatience = 10, CheckpointPath = Path.Combine(_folder, $"{optimizer}.mnn"),
            Augmentation = augment ? AugmentationOptions.Standard : null,
        };
        using NeuralNetwork uninterrupted = NetworkTrainer.Train(_data, null, options with { CheckpointPath = null });

        using var stop = new CancellationTokenSource();
        var observer = new Recorder { StopAfterEpoch = (2, stop) };
        Assert.ThrowsAny<OperationCanceledException>(() =>
            NetworkTrainer.Train(_data, null, options, observer, stop.Token));
        using NeuralNetwork resumed = NetworkTrainer.Resume(options.CheckpointPath!, _data, null);

        AssertSameParameters(uninterrupted, resumed);
        Assert.Equal(uninterrupted.History.Select(r => (r.Loss, r.ValidationLoss, r.LearningRate)),
            resumed.History.Select(r => (r.Loss, r.ValidationLoss, r.LearningRate)));
    }

    [Fact]
    public void ResumeIntoAGivenNetworkReplacesItsState()
    {
        TrainingOptions options = Small with { CheckpointPath = Path.Combine(_folder, "into.mnn") };
        using NeuralNetwork uninterrupted = NetworkTrainer.Train(_data, null, options with { CheckpointPath = null });
        using var stop = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => NetworkTrainer.Train(_data, null, options,
            new Recorder { StopAfterEpoch = (1, stop) }, stop.Token));
        using var held = NeuralNetwork.ForMnist([32, 16], Activation.ReLU, seed: 77);

        NetworkTrainer.Resume(held, Path.Combine(_folder, "into.latest.mnn"), _data, null);

        AssertSameParameters(uninterrupted, held);
        Assert.Equal(4, held.History.Count);
        using var wrongShape = NeuralNetwork.ForMnist([8], Activation.ReLU, seed: 1);
        Assert.Throws<ArgumentException>(() =>
            NetworkTrainer.Resume(wrongShape, options.CheckpointPath!, _data, null));
    }

    [Fact]
    public void ResumeWithOtherDataIsRefused()
    {
        TrainingOptions options = Small with { Epochs = 1, CheckpointPath = Path.Combine(_folder, "data.mnn") };
        NetworkTrainer.Train(_data, null, options).Dispose();

        var error = Assert.Throws<ArgumentException>(() =>
            NetworkTrainer.Resume(options.CheckpointPath!, TestData.Synthetic(100, seed: 1), null, epochs: 2));

        Assert.Contains("400 images", error.Message);
    }

    [Fact]
    public void ResumeWithOtherImagesOfTheSameCountIsRefused()
    {
        TrainingOptions options = Small with { Epochs = 1, CheckpointPath = Path.Combine(_folder, "same.mnn") };
        NetworkTrainer.Train(_data, null, options).Dispose();

        var error = Assert.Throws<ArgumentException>(() =>
            NetworkTrainer.Resume(options.CheckpointPath!, TestData.Synthetic(400, seed: 99), null, epochs: 2));

        Assert.Contains("other images", error.Message);
    }

    [Fact]
    public void ResumingARunThatStoppedEarlyTrainsNoFurther()
    {
        MnistDataset images = TestData.Synthetic(120, seed: 22);
        var random = new SeededRandom(23);
        byte[] labels = Enumerable.Range(0, images.Count).Select(_ => (byte)random.NextInt(10)).ToArray();
        var noisy = new MnistDataset(images.Pixels.ToArray(), labels, source: "random labels");
        TrainingOptions options = Small with
        {
            Epochs = 40, ValidationSplit = 0.5, EarlyStoppingPatience = 3, LearningRate = 0.01,
            CheckpointPath = Path.Combine(_folder, "early.mnn"),
        };
        using NeuralNetwork stopped = NetworkTrainer.Train(noisy, null, options);
        var observer = new Recorder();

        using NeuralNetwork resumed = NetworkTrainer.Resume(options.CheckpointPath!, noisy, null, observer: observer);

        Assert.Empty(observer.Epochs);
        Assert.Equal(stopped.History.Count, resumed.History.Count);
        AssertSameParameters(stopped, resumed);
        (NeuralNetwork latest, TrainingCheckpoint checkpoint) =
            NetworkFile.LoadCheckpoint(CheckpointPaths.Latest(options.CheckpointPath!));
        latest.Dispose();
        Assert.True(checkpoint.EpochsCompleted < options.Epochs);
        Assert.Equal([$"Nothing was trained: the run had stopped early after epoch {checkpoint.EpochsCompleted}, " +
            "and a resumed run stops there too."], observer.Warnings);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(2)]
    public void ResumingAFinishedRunWarnsThatNothingWasTrained(int? epochs)
    {
        TrainingOptions options = Small with { CheckpointPath = Path.Combine(_folder, "done.mnn") };
        using NeuralNetwork finished = NetworkTrainer.Train(_data, null, options);
        var observer = new Recorder();

        using NeuralNetwork resumed = NetworkTrainer.Resume(options.CheckpointPath!, _data, null, epochs, observer);

        Assert.Empty(observer.Epochs);
        AssertSameParameters(finished, resumed);
        Assert.Equal([$"Nothing was trained: the run had completed 4 epochs, and {epochs ?? 4} in all were asked " +
            "for. Ask for more than 4 epochs in all to train further."], observer.Warnings);
    }

    [Fact]
    public void ResumingWithMoreEpochsTrainsOnWithoutAWarning()
    {
        TrainingOptions options = Small with { CheckpointPath = Path.Combine(_folder, "more.mnn") };
        using NeuralNetwork finished = NetworkTrainer.Train(_data, null, options);
        var observer = new Recorder();

        using NeuralNetwork resumed = NetworkTrainer.Resume(options.CheckpointPath!, _data, null, 5, observer);

        Assert.Equal([5], observer.Epochs.Select(record => record.Epoch));
        Assert.Empty(observer.Warnings);
    }

    [Fact]
    public void MissingCheckpointFolderIsReportedBeforeTraining()
    {
        string path = Path.Combine(_folder, "missing", "run.mnn");

        Assert.Throws<DirectoryNotFoundException>(() =>
            NetworkTrainer.Train(_data, null, Small with { CheckpointPath = path }));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static void AssertSameParameters(NeuralNetwork expected, NeuralNetwork actual)
    {
        for (int l = 0; l < expected.Layers.Count; l++)
        {
            Assert.Equal(expected.Layers[l].GetWeights(), actual.Layers[l].GetWeights());
            Assert.Equal(expected.Layers[l].GetBiases(), actual.Layers[l].GetBiases());
        }
    }

    private sealed class Recorder : ITrainingObserver
    {
        public List<EpochRecord> Epochs { get; } = [];

        public List<string> Messages { get; } = [];

        public (int Epoch, CancellationTokenSource Stop)? StopAfterEpoch { get; init; }

        public (int Epoch, int Batch, CancellationTokenSource Stop)? StopAtBatch { get; init; }

        public void OnBatch(BatchProgress progress)
        {
            if (StopAtBatch is { } at && progress.Epoch == at.Epoch && progress.Batch == at.Batch)
            {
                at.Stop.Cancel();
            }
        }

        public void OnEpoch(EpochRecord record)
        {
            Epochs.Add(record);
            if (StopAfterEpoch is { } after && Epochs.Count == after.Epoch)
            {
                after.Stop.Cancel();
            }
        }

        public List<string> Warnings { get; } = [];

        public void OnMessage(string message) => Messages.Add(message);

        public void OnWarning(string message) => Warnings.Add(message);
    }
}

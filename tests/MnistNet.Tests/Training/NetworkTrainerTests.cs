using MnistNet.Augmentation;
using MnistNet.Data;
using MnistNet.Evaluation;
using MnistNet.Native;
using MnistNet.Network;
using MnistNet.Training;

namespace MnistNet.Tests.Training;

public class NetworkTrainerTests
{
    private static readonly TrainingOptions Small =
        new() { HiddenLayers = [32, 16], BatchSize = 32, Epochs = 3, Seed = 9 };

    [Fact]
    public void LossFallsAndAccuracyRisesOnLearnableData()
    {
        MnistDataset data = TestData.Synthetic(600, seed: 1);

        using NeuralNetwork network = NetworkTrainer.Train(data, null, Small);

        Assert.Equal(3, network.History.Count);
        Assert.Equal([1, 2, 3], network.History.Select(record => record.Epoch));
        Assert.True(network.History[2].Loss < network.History[0].Loss / 2,
            $"loss went from {network.History[0].Loss} to {network.History[2].Loss}");
        using var predictor = new Predictor(network);
        Assert.True(predictor.Evaluate(TestData.Synthetic(200, seed: 2)).Accuracy > 0.95);
    }

    [Fact]
    public void SameSeedGivesIdenticalWeights()
    {
        MnistDataset data = TestData.Synthetic(300, seed: 3);

        using NeuralNetwork first = NetworkTrainer.Train(data, null, Small with { ValidationSplit = 0.2 });
        using NeuralNetwork second = NetworkTrainer.Train(data, null, Small with { ValidationSplit = 0.2 });
        using NeuralNetwork other = NetworkTrainer.Train(data, null, Small with { Seed = 10 });

        for (int l = 0; l < first.Layers.Count; l++)
        {
            Assert.Equal(first.Layers[l].GetWeights(), second.Layers[l].GetWeights());
            Assert.Equal(first.Layers[l].GetBiases(), second.Layers[l].GetBiases());
        }

        Assert.NotEqual(first.Layers[0].GetWeights(), other.Layers[0].GetWeights());
        Assert.Equal(first.History.Select(r => r.Loss), second.History.Select(r => r.Loss));
    }

    [Fact]
    public void AugmentedTrainingIsSeededAndSeesOtherImages()
    {
        MnistDataset data = TestData.Synthetic(300, seed: 3);
        TrainingOptions augmented = Small with { Augmentation = AugmentationOptions.Standard };

        using NeuralNetwork first = NetworkTrainer.Train(data, null, augmented);
        using NeuralNetwork second = NetworkTrainer.Train(data, null, augmented);
        using NeuralNetwork plain = NetworkTrainer.Train(data, null, Small);

        Assert.Equal(first.Layers[0].GetWeights(), second.Layers[0].GetWeights());
        Assert.NotEqual(first.History[^1].Loss, plain.History[^1].Loss);
        Assert.Equal(AugmentationOptions.Standard, first.TrainedWith!.Augmentation);
    }

    [Fact]
    public void ValidationSplitHoldsOutTheRequestedShare()
    {
        MnistDataset data = TestData.Synthetic(500, seed: 4);

        (MnistDataset training, MnistDataset validation) =
            NetworkTrainer.SplitForValidation(data, 0.2, new SeededRandom(1));

        Assert.Equal(400, training.Count);
        Assert.Equal(100, validation.Count);
        int[] ids = [.. Enumerable.Range(0, 400).Select(training.GetImageId),
            .. Enumerable.Range(0, 100).Select(validation.GetImageId)];
        Assert.Equal(Enumerable.Range(1, 500), ids.Order());
    }

    [Fact]
    public void EpochsReportValidationWhenAsked()
    {
        MnistDataset data = TestData.Synthetic(300, seed: 5);

        using NeuralNetwork network = NetworkTrainer.Train(data, null, Small with { ValidationSplit = 0.25 });

        Assert.All(network.History, record =>
        {
            Assert.NotNull(record.ValidationLoss);
            Assert.InRange(record.ValidationAccuracy!.Value, 0.0, 1.0);
        });
        Assert.Equal(9, network.TrainedWith!.Seed);
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Momentum)]
    [InlineData(OptimizerKind.Adam)]
    public void EveryOptimizerLowersTheLossWithFullBatches(OptimizerKind optimizer)
    {
        MnistDataset data = TestData.Synthetic(200, seed: 6);
        TrainingOptions options = Small with { Optimizer = optimizer, BatchSize = 0, Epochs = 15 };

        using NeuralNetwork network = NetworkTrainer.Train(data, null, options);

        Assert.True(network.History[^1].Loss < network.History[0].Loss * 0.9,
            $"{optimizer}: loss {network.History[0].Loss} -> {network.History[^1].Loss}");
    }

    [Fact]
    public void UnlabelledDataIsRefusedWithAReason()
    {
        var unlabelled = new MnistDataset(new byte[784 * 3], null, source: "test.csv");

        var error = Assert.Throws<ArgumentException>(() => NetworkTrainer.Train(unlabelled, null, Small));

        Assert.Contains("test.csv has no labels", error.Message);
    }

    [Fact]
    public void CancellationStopsBetweenBatchesAndKeepsCompletedEpochs()
    {
        MnistDataset data = TestData.Synthetic(300, seed: 7);
        using var network = NeuralNetwork.ForMnist([16], Activation.ReLU, seed: 1);
        using var stop = new CancellationTokenSource();
        var observer = new StopAfterEpochs(stop, epochs: 1);

        Assert.ThrowsAny<OperationCanceledException>(() =>
            NetworkTrainer.Train(network, data, null, Small with { Epochs = 5 }, observer, stop.Token));

        Assert.Single(network.History);
    }

    private sealed class StopAfterEpochs(CancellationTokenSource stop, int epochs) : ITrainingObserver
    {
        public void OnBatch(BatchProgress progress)
        {
        }

        public void OnEpoch(EpochRecord record)
        {
            if (record.Epoch >= epochs)
            {
                stop.Cancel();
            }
        }
    }
}

using System.Diagnostics;
using MnistNet.Data;
using MnistNet.Evaluation;
using MnistNet.Network;

namespace MnistNet.Training;

/// <summary>
/// Mini-batch training with softmax cross-entropy. Each epoch reshuffles the training images with the run's seed,
/// so a seed fixes the whole run: initial weights, validation split, batch order, and therefore the final weights.
/// </summary>
public static class NetworkTrainer
{
    /// <summary>
    /// Creates a network as the options describe and trains it. With no validation data and a validation split,
    /// a seeded random fraction of <paramref name="training"/> is held out.
    /// </summary>
    public static NeuralNetwork Train(MnistDataset training, MnistDataset? validation, TrainingOptions options,
        ITrainingObserver? observer = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        int seed = options.Seed ?? SeededRandom.NewSeed();
        options = options with { Seed = seed };
        var network = NeuralNetwork.ForMnist(options.HiddenLayers, options.Activation, seed);
        try
        {
            Train(network, training, validation, options, observer, cancellation);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Trains an existing network further, adding to its history. Cancellation stops after the current batch;
    /// the network then holds the weights reached so far, and its history the epochs completed.
    /// </summary>
    public static void Train(NeuralNetwork network, MnistDataset training, MnistDataset? validation,
        TrainingOptions options, ITrainingObserver? observer = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        RequireLabels(training);
        if (validation is not null)
        {
            RequireLabels(validation);
        }

        int seed = options.Seed ?? SeededRandom.NewSeed();
        var random = new SeededRandom(seed ^ 0x5EED);
        if (validation is null && options.ValidationSplit > 0)
        {
            (training, validation) = SplitForValidation(training, options.ValidationSplit, random);
        }

        if (training.Count == 0)
        {
            throw new ArgumentException("There are no training images left to train on.", nameof(training));
        }

        int batchSize = options.BatchSize == 0 ? training.Count : Math.Min(options.BatchSize, training.Count);
        network.TrainedWith = options with { Seed = seed };

        using var workspace = new NetworkWorkspace(network, batchSize, forTraining: true);
        using var optimizer = new Optimizer(network, options.Optimizer, options.EffectiveLearningRate);
        using Predictor? validator = validation is null ? null : new Predictor(network);
        int[] order = Enumerable.Range(0, training.Count).ToArray();
        int batches = (training.Count + batchSize - 1) / batchSize;

        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            random.Shuffle(order);

            double totalLoss = 0;
            int correct = 0;
            int seen = 0;
            for (int batch = 0; batch < batches; batch++)
            {
                cancellation.ThrowIfCancellationRequested();

                int first = batch * batchSize;
                ReadOnlySpan<int> indices = order.AsSpan(first, Math.Min(batchSize, order.Length - first));
                workspace.LoadBatch(training, indices);

                totalLoss += workspace.Forward(indices.Length, withLoss: true);
                correct += CountCorrect(workspace, indices.Length, network.OutputSize);
                seen += indices.Length;
                workspace.Backward(indices.Length);
                optimizer.Apply(workspace);

                observer?.OnBatch(new BatchProgress(epoch, options.Epochs, batch + 1, batches, totalLoss / seen));
            }

            EvaluationResult? check = validator?.Evaluate(validation!);
            var record = new EpochRecord(network.EpochsTrained + 1, totalLoss / seen, (double)correct / seen,
                check?.MeanLoss, check?.Accuracy, optimizer.LearningRate, clock.Elapsed.TotalSeconds);
            network.AddEpoch(record);
            observer?.OnEpoch(record);
        }
    }

    /// <summary>Holds out a seeded random fraction of the data; the rest keeps its original order.</summary>
    internal static (MnistDataset Training, MnistDataset Validation) SplitForValidation(MnistDataset data,
        double fraction, SeededRandom random)
    {
        int validationCount = (int)Math.Round(data.Count * fraction);
        int[] order = Enumerable.Range(0, data.Count).ToArray();
        random.Shuffle(order);

        int[] held = order[..validationCount];
        int[] kept = order[validationCount..];
        Array.Sort(held);
        Array.Sort(kept);
        return (data.Select(kept), data.Select(held));
    }

    private static int CountCorrect(NetworkWorkspace workspace, int batchSize, int classes)
    {
        ReadOnlySpan<float> probabilities = workspace.Probabilities(batchSize);
        ReadOnlySpan<byte> labels = workspace.Labels(batchSize);
        int correct = 0;
        for (int i = 0; i < batchSize; i++)
        {
            if (Predictor.ArgMax(probabilities.Slice(i * classes, classes)) == labels[i])
            {
                correct++;
            }
        }

        return correct;
    }

    private static void RequireLabels(MnistDataset data)
    {
        if (!data.HasLabels)
        {
            throw new ArgumentException(
                $"{data.Source} has no labels; training and validation need labelled images (Kaggle's train " +
                "layout or MNIST IDX files), not Kaggle's unlabelled test layout.");
        }
    }
}

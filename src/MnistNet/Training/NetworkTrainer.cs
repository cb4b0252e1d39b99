using MnistNet.Data;
using MnistNet.Evaluation;
using MnistNet.Network;
using MnistNet.Storage;

namespace MnistNet.Training;

/// <summary>
/// Mini-batch training with softmax cross-entropy. Each epoch reshuffles the training images with the run's seed,
/// so a seed fixes the whole run: initial weights, validation split, batch order, dropout masks, and therefore the
/// final weights. The options add weight decay, gradient clipping, a learning-rate schedule, dropout, early
/// stopping and checkpoints (see <see cref="TrainingOptions"/>).
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
    /// Trains an existing network further, adding to its history. Cancellation stops after the current batch; the
    /// network then goes back to the weights of its last completed epoch (its best, with early stopping), so its
    /// weights and history agree. A <see cref="TrainingDivergedException"/> leaves the weights of the last
    /// completed epoch too.
    /// </summary>
    public static void Train(NeuralNetwork network, MnistDataset training, MnistDataset? validation,
        TrainingOptions options, ITrainingObserver? observer = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        network.ThrowIfDisposed();
        options.Validate();
        RequireData(training, validation);

        options = options with { Seed = options.Seed ?? SeededRandom.NewSeed() };
        network.TrainedWith = options;
        using var run = new TrainingRun(network, training, validation, options, observer, cancellation);
        run.Run();
    }

    /// <summary>
    /// Continues the run whose latest checkpoint belongs to <paramref name="checkpointPath"/> (see
    /// <see cref="CheckpointPaths"/>) with the settings it was started with, and returns its network. Given the same
    /// data, the result is identical to a run that was never interrupted.
    /// </summary>
    /// <param name="epochs">A new total number of epochs for the run; null keeps the original.</param>
    public static NeuralNetwork Resume(string checkpointPath, MnistDataset training, MnistDataset? validation,
        int? epochs = null, ITrainingObserver? observer = null, CancellationToken cancellation = default)
    {
        RequireData(training, validation);
        (NeuralNetwork network, TrainingCheckpoint checkpoint) =
            NetworkFile.LoadCheckpoint(CheckpointPaths.Latest(checkpointPath));
        try
        {
            Continue(network, checkpoint, checkpointPath, training, validation, epochs, observer, cancellation);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// As the other overload, but into a network the caller holds, which must have the checkpoint's layers and
    /// activation: its weights, history and seed are replaced by the checkpoint's before training continues. A
    /// caller that keeps the network keeps the progress when the run is cancelled.
    /// </summary>
    public static void Resume(NeuralNetwork network, string checkpointPath, MnistDataset training,
        MnistDataset? validation, int? epochs = null, ITrainingObserver? observer = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        network.ThrowIfDisposed();
        RequireData(training, validation);
        (NeuralNetwork saved, TrainingCheckpoint checkpoint) =
            NetworkFile.LoadCheckpoint(CheckpointPaths.Latest(checkpointPath));
        using (saved)
        {
            if (saved.Architecture != network.Architecture || saved.Activation != network.Activation)
            {
                throw new ArgumentException(
                    $"The checkpoint holds a {saved.Architecture} {saved.Activation} network; the network given is " +
                    $"{network.Architecture} {network.Activation}.", nameof(network));
            }

            new ParameterSnapshot(saved).RestoreTo(network);
            network.ReplaceHistory(saved.History);
            network.Seed = saved.Seed;
        }

        Continue(network, checkpoint, checkpointPath, training, validation, epochs, observer, cancellation);
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

    private static void Continue(NeuralNetwork network, TrainingCheckpoint checkpoint, string checkpointPath,
        MnistDataset training, MnistDataset? validation, int? epochs, ITrainingObserver? observer,
        CancellationToken cancellation)
    {
        // The files may have moved since they were written; later checkpoints go where they were found.
        TrainingOptions options = checkpoint.Options with
        {
            CheckpointPath = checkpointPath,
            Epochs = epochs ?? checkpoint.Options.Epochs,
        };
        options.Validate();

        network.TrainedWith = options;
        using var run = new TrainingRun(network, training, validation, options, observer, cancellation);
        run.ResumeFrom(checkpoint);
        run.Run();
    }

    private static void RequireData(MnistDataset training, MnistDataset? validation)
    {
        ArgumentNullException.ThrowIfNull(training);
        RequireLabels(training, "training");
        if (validation is not null)
        {
            RequireLabels(validation, "validation");
        }
    }

    private static void RequireLabels(MnistDataset data, string role)
    {
        if (data.Count == 0)
        {
            throw new ArgumentException($"The {role} data ({data.Source}) holds no images.");
        }

        if (!data.HasLabels)
        {
            throw new ArgumentException(
                $"{data.Source} has no labels; training and validation need labelled images (Kaggle's train " +
                "layout or MNIST IDX files), not Kaggle's unlabelled test layout.");
        }
    }
}

using System.IO.Hashing;
using MnistNet.Augmentation;
using System.Globalization;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using MnistNet.Data;
using MnistNet.Evaluation;
using MnistNet.Network;
using MnistNet.Storage;

namespace MnistNet.Training;

/// <summary>
/// One training run over a network: the loop over epochs and batches, and what it keeps between them (batch order,
/// generator, optimizer, schedule, the best epoch, the last good weights), which is also what a checkpoint saves.
/// </summary>
internal sealed class TrainingRun : IDisposable
{
    private const int RandomSalt = 0x5EED;

    /// <summary>
    /// The mean loss per image beyond which training has blown up. The softmax is computed stably, so exploding
    /// weights give huge finite losses rather than NaN; above 88 nats the true digit's probability, e^-loss, is
    /// below the smallest normal float, which no sensible network comes near (guessing gives 2.3).
    /// </summary>
    internal const double DivergedLoss = 88;

    private readonly NeuralNetwork _network;
    private readonly MnistDataset _training;
    private readonly MnistDataset? _validation;
    private readonly TrainingOptions _options;
    private readonly ITrainingObserver? _observer;
    private readonly CancellationToken _cancellation;

    private readonly SeededRandom _random;
    private readonly int[] _order;
    private readonly int _batchSize;
    private readonly int _batches;
    private readonly LearningRateSchedule _schedule;
    private readonly BestEpochTracker? _tracker;
    private readonly ParameterSnapshot _lastGood;
    private readonly NetworkWorkspace _workspace;
    private readonly Optimizer _optimizer;
    private readonly Dropout? _dropout;
    private readonly Predictor? _validator;
    private readonly AugmentedBatchLoader? _augmented;
    private readonly string _dataFingerprint;
    private ParameterSnapshot? _best;
    private int _epochsCompleted;
    private bool _fullBatchLoaded;

    /// <param name="options">Validated settings with a seed.</param>
    public TrainingRun(NeuralNetwork network, MnistDataset training, MnistDataset? validation, TrainingOptions options,
        ITrainingObserver? observer, CancellationToken cancellation)
    {
        int seed = options.Seed ?? throw new ArgumentException("A training run needs a seed.", nameof(options));
        _random = new SeededRandom(seed ^ RandomSalt);
        if (validation is null && options.ValidationSplit > 0)
        {
            (training, validation) = NetworkTrainer.SplitForValidation(training, options.ValidationSplit, _random);
            if (validation.Count == 0)
            {
                string split = options.ValidationSplit.ToString(CultureInfo.InvariantCulture);
                throw new ArgumentException($"A validation split of {split} holds out none of the " +
                    $"{training.Count} training images; use a larger split or give validation data.");
            }
        }

        if (training.Count == 0)
        {
            throw new ArgumentException("There are no training images left to train on.", nameof(training));
        }

        if (options.EarlyStoppingPatience > 0 && validation is null)
        {
            throw new ArgumentException(
                "Early stopping watches the validation results, so it needs validation data or a validation split.",
                nameof(validation));
        }

        if (options.CheckpointPath is { } checkpointPath)
        {
            CheckpointPaths.RequireWritable(checkpointPath);
        }

        // Checked here as well as by the workspace, so that the error names the batch size and comes before the
        // data is fingerprinted and the parameters copied.
        _batchSize = options.BatchSize == 0 ? training.Count : Math.Min(options.BatchSize, training.Count);
        if (NetworkWorkspace.CapacityProblem(network, _batchSize) is string tooLarge)
        {
            throw new ArgumentOutOfRangeException(nameof(options.BatchSize), tooLarge);
        }

        (_network, _training, _validation, _options) = (network, training, validation, options);
        _dataFingerprint = Fingerprint(training, validation);
        (_observer, _cancellation) = (observer, cancellation);

        _batches = (training.Count + _batchSize - 1) / _batchSize;
        _order = Enumerable.Range(0, training.Count).ToArray();
        _schedule = new LearningRateSchedule(options.Schedule, options.EffectiveLearningRate,
            (long)options.Epochs * _batches, (int)Math.Min(int.MaxValue, (long)options.WarmupEpochs * _batches),
            (long)options.StepSize * _batches, options.StepFactor);
        _tracker = validation is null ? null : new BestEpochTracker(options.StopOn);
        _lastGood = new ParameterSnapshot(network);

        _workspace = new NetworkWorkspace(network, _batchSize, forTraining: true);
        _optimizer = new Optimizer(network, options.Optimizer, options.EffectiveLearningRate, options.WeightDecay,
            options.GradientClip);
        if (options.Dropout > 0)
        {
            _dropout = new Dropout(network, _batchSize, options.Dropout, _random);
            _workspace.Dropout = _dropout;
        }

        _validator = validation is null ? null : new Predictor(network);
        if (options.Augmentation is { IsNone: false } augmentation)
        {
            _augmented = new AugmentedBatchLoader(training, augmentation, seed);
        }
    }

    /// <summary>Takes up a run from a checkpoint of it, written after one of its epochs.</summary>
    public void ResumeFrom(TrainingCheckpoint checkpoint)
    {
        if (checkpoint.Order.Length != _order.Length)
        {
            throw new ArgumentException(
                $"The checkpoint was written while training on {checkpoint.Order.Length} images, but " +
                $"{_order.Length} are given now; resume with the same training data and validation settings.",
                nameof(checkpoint));
        }

        if (checkpoint.DataFingerprint is { } saved && saved != _dataFingerprint)
        {
            throw new ArgumentException(
                "The checkpoint was written while training on other images or with other validation data than " +
                "those given now; resume with the same training data and the same -ValidationData.");
        }

        checkpoint.Order.CopyTo(_order);
        _random.RestoreState(checkpoint.Random);
        _optimizer.RestoreState(checkpoint.OptimizerStep, checkpoint.OptimizerState);
        _epochsCompleted = checkpoint.EpochsCompleted;
        if (_tracker is not null && checkpoint.BestEpoch is not null)
        {
            _tracker.Restore(checkpoint.BestEpoch, checkpoint.BestValue, checkpoint.EpochsSinceBest);
            _best = new ParameterSnapshot(_network, checkpoint.BestParameters);
        }
    }

    /// <summary>
    /// Trains the remaining epochs. Cancellation is checked before every batch; the network then goes back to the
    /// weights of its last completed epoch (or its best, with early stopping), so weights and history agree.
    /// </summary>
    public void Run()
    {
        // A run resumed from a checkpoint written when it stopped early has nothing left to train.
        bool stoppedEarly = ShouldStopEarly();
        int firstEpoch = stoppedEarly ? _options.Epochs + 1 : _epochsCompleted + 1;
        if (firstEpoch > _options.Epochs)
        {
            _observer?.OnWarning(stoppedEarly
                ? $"Nothing was trained: the run had stopped early after epoch {_epochsCompleted}, and a resumed " +
                    "run stops there too."
                : $"Nothing was trained: the run had completed {_epochsCompleted} epochs, and {_options.Epochs} " +
                    $"in all were asked for. Ask for more than {_epochsCompleted} epochs in all to train further.");
        }

        for (int epoch = firstEpoch; epoch <= _options.Epochs; epoch++)
        {
            _lastGood.Capture(_network);
            EpochRecord record;
            try
            {
                record = RunEpoch(epoch);
            }
            catch (OperationCanceledException)
            {
                GoBackAfterStop();
                throw;
            }

            _network.AddEpoch(record);
            _epochsCompleted = epoch;
            if (_tracker?.Offer(record) == true)
            {
                _best ??= new ParameterSnapshot(_network);
                _best.Capture(_network);
                SaveBestCheckpoint();
            }

            SaveLatestCheckpoint();
            _observer?.OnEpoch(record);
            if (ShouldStopEarly())
            {
                _observer?.OnMessage(
                    $"Stopping early after epoch {record.Epoch}: the best {_tracker!.Describe()} (epoch " +
                    $"{_tracker.BestEpoch}) has not improved for {_tracker.EpochsSinceBest} epochs.");
                break;
            }
        }

        if (_options.EarlyStoppingPatience > 0)
        {
            RestoreBest();
        }
    }

    public void Dispose()
    {
        _workspace.Dispose();
        _optimizer.Dispose();
        _dropout?.Dispose();
        _validator?.Dispose();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private EpochRecord RunEpoch(int epoch)
    {
        var clock = Stopwatch.StartNew();

        // A full batch sums over every image whatever their order, so it is loaded once and never reshuffled, as
        // plain full-batch gradient descent does; only augmentation needs the images afresh each epoch.
        bool keepFullBatch = _batches == 1 && _augmented is null;
        if (!keepFullBatch)
        {
            _random.Shuffle(_order);
        }


        double totalLoss = 0;
        int correct = 0;
        int seen = 0;
        long firstStep = (long)(epoch - 1) * _batches;
        double firstRate = _schedule.RateAt(firstStep);
        double rateDrift = 0;
        for (int batch = 0; batch < _batches; batch++)
        {
            _cancellation.ThrowIfCancellationRequested();

            int first = batch * _batchSize;
            ReadOnlySpan<int> indices = _order.AsSpan(first, Math.Min(_batchSize, _order.Length - first));
            if (!keepFullBatch || !_fullBatchLoaded)
            {
                LoadTrainingBatch(indices, first);
                _fullBatchLoaded = keepFullBatch;
            }

            double loss = _workspace.Forward(indices.Length, withLoss: true);
            if (!(loss / indices.Length <= DivergedLoss))
            {
                throw Diverged(batch + 1, loss / indices.Length);
            }

            totalLoss += loss;
            correct += CountCorrect(indices.Length);
            seen += indices.Length;
            _optimizer.LearningRate = _schedule.RateAt(firstStep + batch);
            rateDrift += _optimizer.LearningRate - firstRate;
            _workspace.Backward(indices.Length);
            _optimizer.Apply(_workspace);

            _observer?.OnBatch(new BatchProgress(epoch, _options.Epochs, batch + 1, _batches, totalLoss / seen));
        }

        // The last update of the epoch has no next loss to reveal a blow-up, so the weights are checked directly.
        if (!ParameterSnapshot.AllFinite(_network))
        {
            throw Diverged(_batches, double.NaN);
        }

        EvaluationResult? check = _validator?.Evaluate(_validation!);

        // The mean as first + mean drift, so a constant rate is recorded exactly rather than as a rounded sum.
        double meanRate = firstRate + rateDrift / _batches;
        return new EpochRecord(_network.EpochsTrained + 1, totalLoss / seen, (double)correct / seen,
            check?.MeanLoss, check?.Accuracy, meanRate, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Puts the training images of one batch into the workspace: the one place they are read, so that a step
    /// between data and network (augmentation) has a single point to plug into.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LoadTrainingBatch(ReadOnlySpan<int> indices, int firstPosition)
    {
        if (_augmented is null)
        {
            _workspace.LoadBatch(_training, indices);
            return;
        }

        // Distortions are keyed to the network's epoch count, so a continued or resumed run draws new ones.
        Span<float> inputs = _workspace.InputsToFill(indices.Length, out Span<byte> labels);
        _augmented.Fill(inputs, labels, indices, _network.EpochsTrained + 1, firstPosition);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int CountCorrect(int batchSize)
    {
        int classes = _network.OutputSize;
        ReadOnlySpan<float> probabilities = _workspace.Probabilities(batchSize);
        ReadOnlySpan<byte> labels = _workspace.Labels(batchSize);
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

    private TrainingDivergedException Diverged(int batch, double loss)
    {
        _lastGood.RestoreTo(_network);
        return new TrainingDivergedException(_network.EpochsTrained + 1, batch, _batches, loss,
            _optimizer.LearningRate, _options.GradientClip);
    }

    private bool ShouldStopEarly() =>
        _options.EarlyStoppingPatience > 0 && _tracker!.EpochsSinceBest >= _options.EarlyStoppingPatience;

    private void GoBackAfterStop()
    {
        if (_options.EarlyStoppingPatience > 0 && _tracker?.BestEpoch is not null)
        {
            RestoreBest();
        }
        else
        {
            _lastGood.RestoreTo(_network);
        }
    }

    /// <summary>Returns the network to its best epoch; the history then ends there too, to match the weights.</summary>
    private void RestoreBest()
    {
        if (_tracker?.BestEpoch is not int best || _best is null)
        {
            return;
        }

        // Restored even when the best epoch is the last one: a stop in mid-epoch has moved the weights since.
        _best.RestoreTo(_network);
        if (best == _network.EpochsTrained)
        {
            return;
        }

        _network.ReplaceHistory(_network.History.Where(record => record.Epoch <= best).ToList());
        _observer?.OnMessage($"The network has the weights of epoch {best}, its best {_tracker.Describe()}.");
    }

    private void SaveBestCheckpoint()
    {
        if (_options.CheckpointPath is { } path)
        {
            NetworkFile.Save(_network, CheckpointPaths.Best(path));
        }
    }

    private void SaveLatestCheckpoint()
    {
        if (_options.CheckpointPath is not { } path)
        {
            return;
        }

        (long step, float[][] state) = _optimizer.SaveState();
        var checkpoint = new TrainingCheckpoint
        {
            Options = _options,
            EpochsCompleted = _epochsCompleted,
            Random = _random.SaveState(),
            OptimizerStep = step,
            BestEpoch = _tracker?.BestEpoch,
            BestValue = _tracker?.BestValue ?? 0,
            EpochsSinceBest = _tracker?.EpochsSinceBest ?? 0,
            DataFingerprint = _dataFingerprint,
            Order = _order,
            OptimizerState = state,
            BestParameters = _best is null ? [] : [.. _best.Values],
        };
        NetworkFile.SaveCheckpoint(_network, checkpoint, CheckpointPaths.Latest(path));
    }

    private static string Fingerprint(MnistDataset training, MnistDataset? validation)
    {
        var hash = new XxHash64();
        hash.Append(training.Pixels);
        hash.Append(training.Labels);
        if (validation is not null)
        {
            hash.Append(validation.Pixels);
            hash.Append(validation.Labels);
        }

        return Convert.ToHexString(hash.GetCurrentHash());
    }
}

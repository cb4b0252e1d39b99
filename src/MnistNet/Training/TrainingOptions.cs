using MnistNet.Augmentation;
using MnistNet.Native;

namespace MnistNet.Training;

/// <summary>The settings of one training run. Defaults train the seed network 784-128-64-10 with Adam.</summary>
public sealed record TrainingOptions
{
    /// <summary>Sizes of the hidden layers, input side first.</summary>
    public int[] HiddenLayers { get; init; } = [128, 64];

    public Activation Activation { get; init; } = Activation.ReLU;

    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>Step size; null takes the optimizer's default (see Optimizer.DefaultLearningRate).</summary>
    public double? LearningRate { get; init; }

    /// <summary>Images per gradient step; 0 means the whole training set in one batch (full-batch descent).</summary>
    public int BatchSize { get; init; } = 128;

    public int Epochs { get; init; } = 10;

    /// <summary>Fraction of the training data held out for validation when no validation data is given.</summary>
    public double ValidationSplit { get; init; }

    /// <summary>Seeds weight initialisation, the validation split and batch shuffling; null draws one.</summary>
    public int? Seed { get; init; }

    /// <summary>λ, on weights (not biases): L2 for Sgd, Momentum, Nesterov and Adam, decoupled for AdamW.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Largest global L2 norm of all gradients together; larger gradients are scaled down. 0: none.</summary>
    public double GradientClip { get; init; }

    /// <summary>How the learning rate changes; evaluated before every batch (see LearningRateSchedule).</summary>
    public LearningRateScheduleKind Schedule { get; init; } = LearningRateScheduleKind.Constant;

    /// <summary>Epochs of linear warm-up before the schedule, counted in batches; 0 for none.</summary>
    public int WarmupEpochs { get; init; }

    /// <summary>For the Step schedule: epochs between reductions of the learning rate.</summary>
    public int StepSize { get; init; } = 5;

    /// <summary>For the Step schedule: what each reduction multiplies the learning rate by.</summary>
    public double StepFactor { get; init; } = 0.5;

    /// <summary>Probability of dropping each hidden output during training (inverted dropout); 0 for none.</summary>
    public double Dropout { get; init; }

    /// <summary>
    /// Random distortions of the training images (shift, rotation, scale, elastic), drawn afresh every epoch by the
    /// kernel threads as each batch is loaded; null or <see cref="AugmentationOptions.None"/> trains on the images
    /// as they are.
    /// </summary>
    public AugmentationOptions? Augmentation { get; init; }

    /// <summary>
    /// Epochs without improvement of <see cref="StopOn"/> after which training stops and the best epoch's weights
    /// are restored; 0 trains every epoch. Needs validation data.
    /// </summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>The validation result that decides the best epoch, for early stopping and checkpoints.</summary>
    public EarlyStoppingMetric StopOn { get; init; } = EarlyStoppingMetric.ValidationLoss;

    /// <summary>
    /// Where to save checkpoints after every epoch, e.g. "run.mnn" for run.latest.mnn (with the state to resume
    /// from) and run.best.mnn (the best epoch so far, with validation data); null for none.
    /// </summary>
    public string? CheckpointPath { get; init; }

    public double EffectiveLearningRate => LearningRate ?? Training.Optimizer.DefaultLearningRate(Optimizer);

    /// <summary>Throws when a setting is out of range, naming it.</summary>
    public void Validate()
    {
        if (HiddenLayers is null || HiddenLayers.Any(size => size < 1))
        {
            throw new ArgumentException("Every hidden layer needs at least 1 unit.", nameof(HiddenLayers));
        }

        if (LearningRate is { } rate && (!(rate > 0) || double.IsInfinity(rate)))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), rate, "The learning rate must be positive.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(BatchSize, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfNegative(Epochs, nameof(Epochs));
        if (ValidationSplit is < 0 or >= 1 || double.IsNaN(ValidationSplit))
        {
            throw new ArgumentOutOfRangeException(nameof(ValidationSplit), ValidationSplit,
                "The validation split is a fraction from 0 up to (not including) 1.");
        }

        RequireNonNegative(WeightDecay, nameof(WeightDecay));
        RequireNonNegative(GradientClip, nameof(GradientClip));
        ArgumentOutOfRangeException.ThrowIfNegative(WarmupEpochs, nameof(WarmupEpochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(StepSize, 1, nameof(StepSize));
        if (!(StepFactor > 0) || double.IsInfinity(StepFactor))
        {
            throw new ArgumentOutOfRangeException(nameof(StepFactor), StepFactor, "The step factor must be positive.");
        }

        Augmentation?.Validate();
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout))
        {
            throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout,
                "The dropout rate is a probability from 0 up to (not including) 1.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(EarlyStoppingPatience, nameof(EarlyStoppingPatience));
    }

    private static void RequireNonNegative(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be zero or a positive number.");
        }
    }
}

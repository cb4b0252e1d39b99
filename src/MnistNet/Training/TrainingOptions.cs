using MnistNet.Native;

namespace MnistNet.Training;

/// <summary>The settings of one training run. Defaults train the seed network 784-128-64-10 with Adam.</summary>
public sealed record TrainingOptions
{
    /// <summary>Sizes of the hidden layers, input side first.</summary>
    public int[] HiddenLayers { get; init; } = [128, 64];

    public Activation Activation { get; init; } = Activation.ReLU;

    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>Step size; null takes the optimizer's default (Adam 0.001, momentum 0.01, SGD 0.1).</summary>
    public double? LearningRate { get; init; }

    /// <summary>Images per gradient step; 0 means the whole training set in one batch (full-batch descent).</summary>
    public int BatchSize { get; init; } = 128;

    public int Epochs { get; init; } = 10;

    /// <summary>Fraction of the training data held out for validation when no validation data is given.</summary>
    public double ValidationSplit { get; init; }

    /// <summary>Seeds weight initialisation, the validation split and batch shuffling; null draws one.</summary>
    public int? Seed { get; init; }

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
    }
}

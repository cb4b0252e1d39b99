using System.Text.Json.Serialization;
using MnistNet.Network;

namespace MnistNet.Training;

/// <summary>
/// Everything besides the network itself that a training run needs to carry on exactly where it stopped: with it,
/// a resumed run ends with the same weights, bit for bit, as one that was never interrupted. The scalar parts are
/// stored in the checkpoint file's JSON metadata, the arrays as binary blocks after the parameters.
/// </summary>
public sealed record TrainingCheckpoint
{
    /// <summary>The run's settings, with its seed.</summary>
    public required TrainingOptions Options { get; init; }

    /// <summary>Epochs of this run completed when the checkpoint was written.</summary>
    public int EpochsCompleted { get; init; }

    /// <summary>The generator behind batch order and dropout masks, as it stood after the last epoch.</summary>
    public SeededRandomState Random { get; init; }

    /// <summary>Updates the optimizer had applied (Adam's t).</summary>
    public long OptimizerStep { get; init; }

    /// <summary>The network epoch number of the best epoch so far, or null without validation.</summary>
    public int? BestEpoch { get; init; }

    public double BestValue { get; init; }

    public int EpochsSinceBest { get; init; }

    /// <summary>
    /// A hash of the training and validation images and labels the run saw, so that resuming on other data of
    /// the same size is refused rather than silently breaking the promise of identical weights.
    /// </summary>
    public string? DataFingerprint { get; init; }

    /// <summary>The training images' order after the last shuffle (each epoch shuffles the previous one).</summary>
    [JsonIgnore]
    public int[] Order { get; init; } = [];

    /// <summary>The optimizer's state buffers (velocities or moments), numbered as the parameters are.</summary>
    [JsonIgnore]
    public float[][] OptimizerState { get; init; } = [];

    /// <summary>The weights and biases of the best epoch, to restore at the end; empty without validation.</summary>
    [JsonIgnore]
    public float[][] BestParameters { get; init; } = [];
}

using System.Globalization;

namespace MnistNet.Training;

/// <summary>
/// The loss became NaN, infinite or impossibly large: the weights have blown up, almost always because the learning
/// rate is too large. The network has been put back to the weights it had at the start of the epoch.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <param name="gradientClip">The run's limit on the gradients' norm; 0 when they were not clipped.</param>
    public TrainingDivergedException(int epoch, int batch, int batches, double loss, double learningRate,
        double gradientClip = 0)
        : base(Explain(epoch, batch, batches, loss, learningRate, gradientClip))
    {
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
        LearningRate = learningRate;
        GradientClip = gradientClip;
    }

    /// <summary>The network's epoch number (1-based, across runs) in which the loss stopped being finite.</summary>
    public int Epoch { get; }

    /// <summary>The 1-based batch of that epoch.</summary>
    public int Batch { get; }

    public double Loss { get; }

    public double LearningRate { get; }

    /// <summary>The limit the gradients were clipped to; 0 when they were not clipped.</summary>
    public double GradientClip { get; }

    private static string Explain(int epoch, int batch, int batches, double loss, double rate, double clip)
    {
        string what = string.Format(CultureInfo.InvariantCulture,
            "Training diverged in epoch {0}, batch {1} of {2}: the loss {3} at learning rate {4:G4}.",
            epoch, batch, batches, Describe(loss), rate);

        // Epoch numbers count the network's whole history, so the first epoch has no earlier one to go back to.
        string kept = epoch == 1
            ? "The network keeps the weights it had before its first epoch."
            : $"The network keeps the weights it had after epoch {epoch - 1}.";

        // Suggesting clipping to a run that already clips would send the user after a setting they have.
        string advice = clip > 0
            ? string.Format(CultureInfo.InvariantCulture,
                "Try a smaller learning rate, such as {0:G4}; the gradients were already clipped to a norm of {1:G4} " +
                "(GradientClip), so a smaller limit may help too.", rate / 10, clip)
            : string.Format(CultureInfo.InvariantCulture,
                "Try a smaller learning rate, such as {0:G4}, or clip the gradients (GradientClip).", rate / 10);
        return $"{what} {kept} {advice}";
    }

    private static string Describe(double loss) => loss switch
    {
        double.NaN => "became NaN",
        double.PositiveInfinity or double.NegativeInfinity => "became infinite",
        _ => string.Create(CultureInfo.InvariantCulture, $"rose to {loss:G4} per image"),
    };
}

using System.Globalization;

namespace MnistNet.Training;

/// <summary>
/// The loss became NaN, infinite or impossibly large: the weights have blown up, almost always because the learning
/// rate is too large. The network has been put back to the weights it had at the start of the epoch.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    public TrainingDivergedException(int epoch, int batch, int batches, double loss, double learningRate)
        : base(Explain(epoch, batch, batches, loss, learningRate))
    {
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
        LearningRate = learningRate;
    }

    /// <summary>The network's epoch number (1-based, across runs) in which the loss stopped being finite.</summary>
    public int Epoch { get; }

    /// <summary>The 1-based batch of that epoch.</summary>
    public int Batch { get; }

    public double Loss { get; }

    public double LearningRate { get; }

    private static string Explain(int epoch, int batch, int batches, double loss, double rate) =>
        string.Format(CultureInfo.InvariantCulture,
            "Training diverged in epoch {0}, batch {1} of {2}: the loss {3} at learning rate {4:G4}. " +
            "The network keeps the weights it had after epoch {5}. Try a smaller learning rate, such as {6:G4}, " +
            "or clip the gradients (GradientClip).",
            epoch, batch, batches, Describe(loss), rate, epoch - 1, rate / 10);

    private static string Describe(double loss) => loss switch
    {
        double.NaN => "became NaN",
        double.PositiveInfinity or double.NegativeInfinity => "became infinite",
        _ => string.Create(CultureInfo.InvariantCulture, $"rose to {loss:G4} per image"),
    };
}

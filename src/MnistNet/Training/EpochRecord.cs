namespace MnistNet.Training;

/// <summary>What one epoch of training achieved. Loss is the mean cross-entropy per image.</summary>
/// <param name="Epoch">1-based epoch number, counted across all training runs of the network.</param>
/// <param name="Loss">Mean training loss over the epoch's batches, as measured while the weights moved.</param>
/// <param name="Accuracy">Fraction of training images classified correctly during the epoch.</param>
/// <param name="ValidationLoss">Mean loss on the validation data after the epoch, or null without validation.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation data after the epoch, or null.</param>
/// <param name="LearningRate">
/// The step size used: the mean over the epoch's batches, since a schedule changes it before every batch.
/// </param>
/// <param name="Seconds">Wall time of the epoch, validation included.</param>
public sealed record EpochRecord(
    int Epoch,
    double Loss,
    double Accuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    double LearningRate,
    double Seconds);

/// <summary>Where training stands inside an epoch.</summary>
public readonly record struct BatchProgress(int Epoch, int Epochs, int Batch, int Batches, double RunningLoss);

/// <summary>
/// Receives training progress on the training thread, between batches. Implementations must be quick: they run
/// inside the training loop.
/// </summary>
public interface ITrainingObserver
{
    void OnBatch(BatchProgress progress);

    void OnEpoch(EpochRecord record);

    /// <summary>A remark on the run worth telling the user, such as why it stopped early.</summary>
    void OnMessage(string message)
    {
    }

    /// <summary>
    /// Something the user probably did not mean, such as resuming a run that has nothing left to train.
    /// </summary>
    void OnWarning(string message) => OnMessage(message);
}

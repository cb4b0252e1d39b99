namespace MnistNet.Training;

/// <summary>The validation result that decides which epoch was best.</summary>
public enum EarlyStoppingMetric
{
    /// <summary>Lower validation loss is better.</summary>
    ValidationLoss,

    /// <summary>Higher validation accuracy is better.</summary>
    ValidationAccuracy,
}

/// <summary>
/// Follows the validation results epoch by epoch and remembers the best one. Ties do not count as improvement, so
/// the earliest of equally good epochs stays the best.
/// </summary>
internal sealed class BestEpochTracker(EarlyStoppingMetric metric)
{
    public EarlyStoppingMetric Metric { get; } = metric;

    /// <summary>The network epoch number of the best epoch, or null before any epoch with validation.</summary>
    public int? BestEpoch { get; private set; }

    public double BestValue { get; private set; }

    public int EpochsSinceBest { get; private set; }

    /// <summary>Takes an epoch's results; true when it is the best so far.</summary>
    public bool Offer(EpochRecord record)
    {
        double? result = Metric == EarlyStoppingMetric.ValidationLoss
            ? record.ValidationLoss
            : record.ValidationAccuracy;
        double value = result
            ?? throw new InvalidOperationException("The best epoch is judged on validation results; there are none.");
        bool improved = BestEpoch is null ||
            (Metric == EarlyStoppingMetric.ValidationLoss ? value < BestValue : value > BestValue);
        if (improved)
        {
            (BestEpoch, BestValue, EpochsSinceBest) = (record.Epoch, value, 0);
        }
        else
        {
            EpochsSinceBest++;
        }

        return improved;
    }

    /// <summary>Continues from a checkpoint's record of the best epoch.</summary>
    public void Restore(int? bestEpoch, double bestValue, int epochsSinceBest) =>
        (BestEpoch, BestValue, EpochsSinceBest) = (bestEpoch, bestValue, epochsSinceBest);

    public string Describe() => Metric == EarlyStoppingMetric.ValidationLoss
        ? FormattableString.Invariant($"validation loss {BestValue:F4}")
        : FormattableString.Invariant($"validation accuracy {BestValue:P2}");
}

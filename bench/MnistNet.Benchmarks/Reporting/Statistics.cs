namespace MnistNet.Benchmarks.Reporting;

public static class Statistics
{
    /// <summary>The middle value (mean of the middle two for an even count): robust to a noisy neighbour.</summary>
    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        if (sorted.Length == 0)
        {
            throw new ArgumentException("The median of nothing is undefined.", nameof(values));
        }

        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}

using System.Diagnostics;

namespace MnistNet.Benchmarks.EndToEnd;

/// <summary>
/// How long one cache line takes to go from one thread to another and back, right now: the cost of every exchange
/// between the kernel threads of a training step (a product's inputs written on the other core, the claim and
/// completion words of each job). Two cores that share a cache pass a line in well under 100 ns; on a virtual
/// machine the host may place the two processors farther apart for a while, and the round trip then takes several
/// times as long while the FMA scaling of <see cref="CoreScaling"/> stays near 2. Takes about 0.05 s.
/// </summary>
public static class CoreExchange
{
    private const int RoundTrips = 100_000;

    // The counter sits in the middle of the array, on a cache line of its own.
    private static readonly long[] Line = new long[32];

    /// <summary>The median round trip, in nanoseconds, over five batches of <see cref="RoundTrips"/>.</summary>
    public static double MeasureNanoseconds()
    {
        var batches = new double[5];
        for (int batch = 0; batch < batches.Length; batch++)
        {
            Volatile.Write(ref Line[16], 0);
            var other = new Thread(Answer) { IsBackground = true };
            other.Start();

            long start = Stopwatch.GetTimestamp();
            for (long value = 1; value < 2 * RoundTrips; value += 2)
            {
                Volatile.Write(ref Line[16], value);
                while (Volatile.Read(ref Line[16]) != value + 1)
                {
                }
            }

            batches[batch] = Stopwatch.GetElapsedTime(start).TotalMilliseconds * 1e6 / RoundTrips;
            other.Join();
        }

        return Reporting.Statistics.Median(batches);
    }

    // Waits for each odd value and answers with the next even one.
    private static void Answer()
    {
        for (long value = 1; value < 2 * RoundTrips; value += 2)
        {
            while (Volatile.Read(ref Line[16]) != value)
            {
            }

            Volatile.Write(ref Line[16], value + 1);
        }
    }
}

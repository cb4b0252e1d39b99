using System.Diagnostics;
using MnistNet.Benchmarks.Kernels;

namespace MnistNet.Benchmarks.EndToEnd;

/// <summary>
/// How much faster two threads of pure FMA arithmetic run than one, right now. On a quiet machine with two real
/// cores it is close to 2; on a virtual machine whose two processors the host has placed on one physical core, or
/// given to another guest for a while, it drops towards 1, and so does every two-thread figure measured then.
/// Each measurement takes about 0.1 s.
/// </summary>
public static class CoreScaling
{
    private const int Steps = 15_000_000;

    public static double Measure()
    {
        FmaPeakBenchmarks.Chains256(10_000);

        long start = Stopwatch.GetTimestamp();
        FmaPeakBenchmarks.Chains256(Steps);
        double oneThread = Stopwatch.GetElapsedTime(start).TotalSeconds;

        start = Stopwatch.GetTimestamp();
        var other = new Thread(() => FmaPeakBenchmarks.Chains256(Steps));
        other.Start();
        FmaPeakBenchmarks.Chains256(Steps);
        other.Join();
        double twoThreads = Stopwatch.GetElapsedTime(start).TotalSeconds;

        // Two threads did twice the work.
        return 2 * oneThread / twoThreads;
    }
}

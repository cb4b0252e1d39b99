using System.Diagnostics;
using System.Globalization;
using MnistNet.Native;
using MnistNet.Training;

namespace MnistNet.Benchmarks.EndToEnd;

/// <summary>
/// Watches a training run epoch by epoch for the two things that make a two-thread epoch slow without any fault
/// in the code: other processes taking a core (read from the machine's CPU counters in /proc/stat, minus this
/// process's own time) and the kernel worker not taking its share of the parts. A slow epoch with other load near
/// one core is the machine; one with a worker share near zero is ours.
/// </summary>
public sealed class LoadProbe : ITrainingObserver
{
    private static readonly double ClockTicksPerSecond = 100;

    private readonly List<double> _workerShare = [];
    private readonly List<double> _otherCores = [];
    private readonly Process _self = Process.GetCurrentProcess();
    private Snapshot _last;

    public LoadProbe() => _last = Take();

    /// <summary>Per epoch: the share of kernel parts the worker threads ran (0 to 1).</summary>
    public double[] WorkerShare => [.. _workerShare];

    /// <summary>Per epoch: cores' worth of CPU time used by everything but this process; NaN off Linux.</summary>
    public double[] OtherCores => [.. _otherCores];

    public void OnBatch(BatchProgress progress)
    {
    }

    public void OnEpoch(EpochRecord record)
    {
        Snapshot now = Take();
        long parts = now.PartsRun - _last.PartsRun;
        _workerShare.Add(parts == 0 ? 0 : (double)(now.PartsRunByWorkers - _last.PartsRunByWorkers) / parts);

        double wall = (now.Timestamp - _last.Timestamp) / (double)Stopwatch.Frequency;
        double machineBusy = (now.MachineBusyTicks - _last.MachineBusyTicks) / ClockTicksPerSecond;
        double own = (now.OwnCpu - _last.OwnCpu).TotalSeconds;
        _otherCores.Add(now.MachineBusyTicks < 0 || wall <= 0 ? double.NaN : Math.Max(0, machineBusy - own) / wall);
        _last = now;
    }

    private Snapshot Take()
    {
        _self.Refresh();
        (long partsRun, long byWorkers, _) = KernelThreads.Counters;
        return new Snapshot(Stopwatch.GetTimestamp(), _self.TotalProcessorTime, MachineBusyTicks(), partsRun,
            byWorkers);
    }

    // The first line of /proc/stat sums every CPU: user, nice, system, idle, iowait, irq, softirq, steal, ...
    // in clock ticks (100 per second on Linux); busy is everything but idle and iowait.
    private static long MachineBusyTicks()
    {
        try
        {
            string[] fields = File.ReadLines("/proc/stat").First()
                .Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long busy = 0;
            for (int i = 1; i < Math.Min(fields.Length, 9); i++)
            {
                if (i is not 4 and not 5)
                {
                    busy += long.Parse(fields[i], CultureInfo.InvariantCulture);
                }
            }

            return busy;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException)
        {
            return -1;
        }
    }

    private readonly record struct Snapshot(long Timestamp, TimeSpan OwnCpu, long MachineBusyTicks, long PartsRun,
        long PartsRunByWorkers);
}

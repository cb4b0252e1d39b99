using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MnistNet.Native;

/// <summary>
/// The threads the kernels may use: the calling thread plus a small pool of persistent workers that spin briefly
/// after each job (so the next multiply of a training step finds them awake) and then sleep on an event; with more
/// threads than processors they sleep at once.
/// Kernels split their output into fixed parts and never split a sum, so every element is computed by the same
/// instructions whatever the thread count, and results are bit-identical for 1, 2 or more threads.
/// </summary>
public static unsafe class KernelThreads
{
    public const string OverrideVariable = "MNISTNET_THREADS";

    private const int MaxThreads = 256;

    // Long enough to bridge the gaps between the kernels of one training step (bias, activation, loading the next
    // batch): with 0.5 ms the worker fell asleep inside most steps and waking it cost more than it saved (an epoch
    // on two threads took 0.25 s instead of 0.17 s). Short enough that an idle process stops burning a core soon.
    private static readonly long SpinTicks = Stopwatch.Frequency / 200;

    private static readonly Lock Gate = new();
    private static readonly List<Worker> Workers = [];
    private static int _threadCount;

    // Written only by the thread that holds the gate, so a plain add will do.
    private static long _partsRun;

    /// <summary>
    /// How many threads kernels use, the caller included: at least 1. Defaults to MNISTNET_THREADS when set,
    /// else <see cref="Environment.ProcessorCount"/>. Changing it never changes a result, only the speed.
    /// </summary>
    public static int ThreadCount
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get
        {
            if (_threadCount == 0)
            {
                _threadCount = Choose(Environment.GetEnvironmentVariable(OverrideVariable));
            }

            return _threadCount;
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxThreads);
            _threadCount = value;
        }
    }

    /// <summary>
    /// Counters for diagnosing speed, since the process started: parts of shared jobs run by any thread, the share
    /// of them run by workers, and how often a worker fell asleep. With two threads a healthy training run has
    /// workers running close to half the parts; a share near zero means the caller worked alone.
    /// </summary>
    public static (long PartsRun, long PartsRunByWorkers, long WorkerSleeps) Counters
    {
        get
        {
            lock (Gate)
            {
                return (_partsRun, Workers.Sum(worker => Volatile.Read(ref worker.Tally.PartsRun)),
                    Workers.Sum(worker => Volatile.Read(ref worker.Tally.Sleeps)));
            }
        }
    }

    internal static int Choose(string? requested)
    {
        if (string.IsNullOrWhiteSpace(requested))
        {
            return Math.Max(1, Environment.ProcessorCount);
        }

        if (!int.TryParse(requested.Trim(), out int count) || count < 1 || count > MaxThreads)
        {
            throw new InvalidOperationException(
                $"{OverrideVariable}='{requested}' is not a thread count; expected a whole number from 1 to 256.");
        }

        return count;
    }

    /// <summary>
    /// Runs work(context, part, parts) for part = 0 .. parts-1 on the kernel threads, where parts is
    /// <paramref name="maxParts"/> or <see cref="ThreadCount"/>, whichever is smaller, and returns when all are
    /// done. It is for work outside the kernels that should share the cores the way they do, such as distorting
    /// a batch of training images between two multiplies. No two threads run the same part, so a caller may give
    /// each part index scratch state of its own. An exception in a part is rethrown here as it was thrown.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunParts(delegate*<void*, int, int, void> work, void* context, int maxParts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxParts, 1);
        try
        {
            Run(work, context, maxParts);
        }
        catch (AggregateException wrapped) when (wrapped.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(wrapped.InnerExceptions[0]);
        }
    }

    /// <summary>
    /// Runs work(context, part, parts) once for each part = 0 .. parts-1 and returns when all are done. Thread t
    /// of the job (the caller is 0, worker w is w) first claims its own parts t, t + threads, t + 2·threads, ...,
    /// then any part another thread has not claimed yet. The first rule keeps each thread on the same parts from one
    /// call to the next, so the data a part writes stays in its core's cache for the next product or update that
    /// splits the same way; the second means a worker the operating system has not scheduled yet costs nothing: the
    /// caller simply does its parts too. Callers must therefore give the same result whichever thread runs a part.
    /// parts is at most <paramref name="maxParts"/> and <paramref name="partsPerThread"/> times
    /// <see cref="ThreadCount"/>: more parts than threads let a thread that starts late still take its share. The
    /// context must stay valid until the call returns (a stack variable does).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Run(delegate*<void*, int, int, void> work, void* context, int maxParts,
        int partsPerThread = 1)
    {
        int threads = Math.Min(maxParts, ThreadCount);
        int parts = threads <= 1 ? Math.Min(maxParts, 1) : Math.Min(maxParts, threads * partsPerThread);

        // A kernel called from inside a part (on the caller's thread, which holds the reentrant gate, or on a
        // worker, which cannot take it) runs on its own thread rather than overwrite the job in progress.
        if (threads <= 1 || Gate.IsHeldByCurrentThread || !Gate.TryEnter())
        {
            parts = Math.Max(parts, 1);
            for (int part = 0; part < parts; part++)
            {
                work(context, part, parts);
            }

            return;
        }

        try
        {
            while (Workers.Count < threads - 1)
            {
                Workers.Add(new Worker(Workers.Count + 1));
            }

            _work = work;
            _context = context;
            _parts = parts;
            _owners = threads;
            _completed = 0;
            _failure = null;

            // Each owner's claim word is reset to the new generation with none of its parts claimed, and only then
            // is the generation announced. A thread still holding an older word fails its compare-exchange.
            _generation++;
            for (int owner = 0; owner < threads; owner++)
            {
                int count = (parts - owner + threads - 1) / threads;
                Volatile.Write(ref ClaimWord(owner), _generation << 32 | (long)count << 16);
            }

            Volatile.Write(ref _published, _generation);
            for (int w = 0; w < threads - 1; w++)
            {
                Workers[w].Wake();
            }

            ClaimParts(0);
            _partsRun += parts;
            var spinner = new SpinWait();
            while (Volatile.Read(ref _completed) != parts)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }

            if (_failure is { } failure)
            {
                throw new AggregateException("A kernel worker failed.", failure);
            }
        }
        finally
        {
            Gate.Exit();
        }
    }

    // One claim word per thread of a job, each on a cache line of its own: the generation in the high 32 bits,
    // the number of parts the thread owns in the next 16 and how many of them are claimed in the low 16.
    private const int WordStride = 8;
    private static readonly long[] ClaimWords = new long[(MaxThreads + 1) * WordStride];

    private static delegate*<void*, int, int, void> _work;
    private static void* _context;
    private static int _parts;
    private static int _owners;
    private static int _completed;
    private static long _generation;
    private static long _published;
    private static Exception? _failure;

    private static ref long ClaimWord(int owner) => ref ClaimWords[(owner + 1) * WordStride];

    /// <summary>
    /// Claims and runs parts of the current job, its own first and then other threads', until none is left;
    /// returns how many it ran.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ClaimParts(int self)
    {
        int ran = 0;
        int owners = Volatile.Read(ref _owners);
        for (int step = 0; step < owners; step++)
        {
            int owner = (self + step) % owners;
            ref long word = ref ClaimWord(owner);
            while (true)
            {
                // A successful compare-exchange proves the job read here was still open when the part was
                // claimed, and a job cannot close while one of its parts is claimed but not completed.
                long claims = Volatile.Read(ref word);
                int claimed = (int)(claims & 0xFFFF);
                if (claimed >= (int)((claims >> 16) & 0xFFFF))
                {
                    break;
                }

                int parts = _parts;
                int threads = _owners;
                delegate*<void*, int, int, void> work = _work;
                void* context = _context;
                if (Interlocked.CompareExchange(ref word, claims + 1, claims) != claims)
                {
                    continue;
                }

                ran++;
                try
                {
                    work(context, owner + claimed * threads, parts);
                }
                catch (Exception failure)
                {
                    _failure = failure;
                }

                Interlocked.Increment(ref _completed);
            }
        }

        return ran;
    }

    /// <summary>
    /// A worker's own counts, written by it alone. They sit 64 bytes clear of anything else, so that counting
    /// never shares a cache line with the fields the caller touches on every job.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct WorkerTally
    {
        [FieldOffset(64)]
        public long PartsRun;

        [FieldOffset(72)]
        public long Sleeps;
    }

    /// <summary>One background thread that spins, then sleeps, between jobs.</summary>
    private sealed class Worker
    {
        public WorkerTally Tally;

        private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
        private long _seen;
        private int _sleeping;

        private readonly int _index;

        public Worker(int index)
        {
            _index = index;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"MnistNet kernel worker {index}" };
            thread.Start();
        }

        public void Wake()
        {
            // The caller's write of the generation and the worker's write of _sleeping are both followed by full
            // fences: either the worker sees the new job before it sleeps, or the caller sees it asleep.
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref _sleeping) != 0)
            {
                _wake.Set();
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Loop()
        {
            while (true)
            {
                // With more threads than processors a spinning worker takes the processor from a thread that has
                // work, so then workers sleep at once.
                long spinTicks = ThreadCount <= Environment.ProcessorCount ? SpinTicks : 0;
                long start = Stopwatch.GetTimestamp();
                while (Volatile.Read(ref _published) == _seen)
                {
                    if (Stopwatch.GetTimestamp() - start < spinTicks)
                    {
                        Thread.SpinWait(20);
                        continue;
                    }

                    _wake.Reset();
                    Interlocked.Exchange(ref _sleeping, 1);
                    if (Volatile.Read(ref _published) == _seen)
                    {
                        Volatile.Write(ref Tally.Sleeps, Tally.Sleeps + 1);
                        _wake.Wait();
                    }

                    Interlocked.Exchange(ref _sleeping, 0);
                    start = Stopwatch.GetTimestamp();
                }

                _seen = Volatile.Read(ref _published);
                int ran = ClaimParts(_index);
                if (ran > 0)
                {
                    Volatile.Write(ref Tally.PartsRun, Tally.PartsRun + ran);
                }
            }
        }
    }
}

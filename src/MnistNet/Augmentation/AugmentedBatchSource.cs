using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using MnistNet.Data;
using MnistNet.Native;
using MnistNet.Network;

namespace MnistNet.Augmentation;

/// <summary>
/// Serves the training batches of an epoch as freshly distorted images, prepared ahead on background threads
/// while the trainer works on the batch before, so that augmentation costs little wall-clock time.
/// <para>
/// Use: <see cref="StartEpoch"/> with the epoch's shuffled order of image indices; then, until it returns false,
/// <see cref="TryTake"/> the next batch (B x 784 floats in [0, 1] and B labels, the last batch of an epoch may be
/// shorter), copy or use it, and <see cref="Release"/> it so its buffer can be refilled. Batch b holds the images
/// <c>order[b·BatchSize ..]</c>, in that order, like the un-augmented loop over the same order.
/// </para>
/// <para>
/// Determinism: the image at position p of epoch e is distorted with a generator seeded from (seed, e, p) alone,
/// so the batches do not depend on thread timing or the number of workers, and <see cref="Fill"/> (the
/// synchronous path, which runs on the calling thread) produces exactly the same images.
/// </para>
/// <para>
/// Buffers: WorkerCount + 2 batch buffers are allocated once. Workers fill batches strictly in order, batch b into
/// buffer b mod buffers, and wait while that buffer is still held; nothing is allocated per image except the
/// small generator each image is seeded with. With no workers, TryTake distorts each batch on the calling thread.
/// </para>
/// <para>
/// Errors: an exception on a worker stops the workers and is rethrown, with its original stack, by the next
/// TryTake or StartEpoch. Dispose stops and joins the workers. The consumer methods (StartEpoch, TryTake, Release,
/// Fill) are meant for one consumer thread. This class does not shuffle (the trainer owns the order), does not
/// read unlabelled data, and does not copy batches into a network's workspace.
/// </para>
/// </summary>
public sealed class AugmentedBatchSource : IDisposable
{
    /// <summary>More workers than this cannot help: each batch is one worker's job and few are buffered.</summary>
    public const int MaxWorkers = 8;

    private const int PixelCount = MnistSample.PixelCount;

    // Beyond this many kernel threads a batch of 128 images is split too finely to be worth it.
    private const int MaxFillParts = 16;

    // Keeps the pool's generator apart from the per-image generators made from the same run seed.
    private const long FieldPoolSeedSalt = 0x3C6EF372FE94F82BL;

    private readonly MnistDataset _data;
    private readonly long _seed;
    private readonly ElasticFieldBank? _fields;
    private readonly List<Distorter> _partDistorters = [];
    private readonly Distorter _callerDistorter;
    private readonly BatchBuffer[] _buffers;
    private readonly Thread[] _workers;
    private readonly object _gate = new();

    // Everything below is guarded by _gate.
    private EpochPlan? _plan;
    private int _nextToFill;
    private int _nextToTake;
    private int _heldBuffer = -1;
    private ExceptionDispatchInfo? _failure;
    private bool _disposed;

    /// <param name="data">Labelled training images.</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="options">The distortions; validated here.</param>
    /// <param name="seed">Fixes every distortion together with the epoch and position of the image.</param>
    /// <param name="workerCount">Background threads; 0 distorts on the thread that calls TryTake.</param>
    public AugmentedBatchSource(MnistDataset data, int batchSize, AugmentationOptions options, long seed,
        int workerCount = 1)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(workerCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(workerCount, MaxWorkers);
        if (!data.HasLabels)
        {
            throw new ArgumentException($"{data.Source} has no labels; augmented batches are for training.",
                nameof(data));
        }

        options.Validate();
        _data = data;
        _seed = seed;
        Options = options;
        BatchSize = batchSize;

        // One pool of elastic fields for the whole run, seeded from the run's seed, shared by every thread.
        _fields = options.ElasticAlpha > 0
            ? new ElasticFieldBank(options.ElasticSigma, unchecked(seed ^ FieldPoolSeedSalt))
            : null;
        _callerDistorter = new Distorter(options, _fields);

        _buffers = new BatchBuffer[workerCount + 2];
        for (int i = 0; i < _buffers.Length; i++)
        {
            _buffers[i] = new BatchBuffer(batchSize);
        }

        _workers = new Thread[workerCount];
        for (int i = 0; i < workerCount; i++)
        {
            var distorter = new Distorter(options, _fields);
            _workers[i] = new Thread(() => RunWorker(distorter))
            {
                IsBackground = true,
                Name = $"MnistNet augmentation {i + 1}",
            };
        }

        foreach (Thread worker in _workers)
        {
            worker.Start();
        }
    }

    public AugmentationOptions Options { get; }

    public int BatchSize { get; }

    public int WorkerCount => _workers.Length;

    /// <summary>Batches in the current epoch; 0 before the first <see cref="StartEpoch"/>.</summary>
    public int BatchCount
    {
        get
        {
            lock (_gate)
            {
                return _plan?.BatchCount ?? 0;
            }
        }
    }

    /// <summary>Runs from a test on the worker thread before each batch it fills, with the batch number.</summary>
    internal Action<int>? BeforeWorkerBatch { get; set; }

    internal bool AnyWorkerAlive => _workers.Any(worker => worker.IsAlive);

    /// <summary>
    /// Begins serving epoch <paramref name="epoch"/> in the given order (copied, so the caller may reshuffle its
    /// array at once). Batches of the previous epoch not yet taken are dropped, and a held batch is released.
    /// </summary>
    public void StartEpoch(int epoch, int[] order)
    {
        ArgumentNullException.ThrowIfNull(order);
        int bad = Array.FindIndex(order, index => (uint)index >= (uint)_data.Count);
        if (bad >= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(order), order[bad],
                $"Position {bad} of the order names image {order[bad]}, but the data has images 0 to " +
                $"{_data.Count - 1}.");
        }

        int batchCount = (order.Length + BatchSize - 1) / BatchSize;
        lock (_gate)
        {
            ThrowIfUnusable();

            // Buffers still being filled for the old epoch are freed by their worker when it sees the new plan.
            _plan = new EpochPlan(epoch, (int[])order.Clone(), batchCount);
            foreach (BatchBuffer buffer in _buffers)
            {
                if (buffer.State is BufferState.Ready or BufferState.Held)
                {
                    buffer.State = BufferState.Free;
                }
            }

            _heldBuffer = -1;
            _nextToFill = 0;
            _nextToTake = 0;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Waits for the next batch of the epoch and hands it out: <paramref name="images"/> holds labels.Length
    /// images of 784 floats. The spans stay valid until <see cref="Release"/>, StartEpoch or Dispose. Returns
    /// false, with empty spans, when the epoch has no batches left.
    /// </summary>
    public bool TryTake(out ReadOnlySpan<float> images, out ReadOnlySpan<byte> labels)
    {
        images = default;
        labels = default;
        BatchBuffer buffer;
        lock (_gate)
        {
            ThrowIfUnusable();
            if (_plan is null)
            {
                throw new InvalidOperationException("Call StartEpoch before taking batches.");
            }

            if (_heldBuffer >= 0)
            {
                throw new InvalidOperationException("Release the batch you hold before taking the next one.");
            }

            if (_nextToTake >= _plan.BatchCount)
            {
                return false;
            }

            int batch = _nextToTake;
            int index = batch % _buffers.Length;
            buffer = _buffers[index];
            if (_workers.Length == 0)
            {
                FillBuffer(buffer, _plan, batch, _callerDistorter);
            }
            else
            {
                while (!(buffer.State == BufferState.Ready && buffer.Plan == _plan && buffer.Batch == batch))
                {
                    Monitor.Wait(_gate);
                    ThrowIfUnusable();
                }
            }

            buffer.State = BufferState.Held;
            _heldBuffer = index;
            _nextToTake++;
        }

        images = buffer.Images.AsSpan(0, buffer.Count * PixelCount);
        labels = buffer.Labels.AsSpan(0, buffer.Count);
        return true;
    }

    /// <summary>Returns the batch from the last TryTake, so that its buffer can be refilled.</summary>
    public void Release()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_heldBuffer < 0)
            {
                throw new InvalidOperationException("No batch is held: TryTake one first.");
            }

            _buffers[_heldBuffer].State = BufferState.Free;
            _heldBuffer = -1;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Distorts images <c>data[indices[i]]</c> into <paramref name="destination"/> (row i at i·784) and copies
    /// their labels, shared out over the kernel threads (see <see cref="KernelThreads"/>), as if they stood at
    /// positions firstPosition + i of epoch <paramref name="epoch"/>: the same images TryTake serves for those
    /// positions. Use it from the consumer thread only.
    /// </summary>
    public void Fill(Span<float> destination, Span<byte> labels, ReadOnlySpan<int> indices, int epoch,
        int firstPosition)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (destination.Length < indices.Length * PixelCount)
        {
            throw new ArgumentException(
                $"{indices.Length} images need {indices.Length * PixelCount} floats; the destination has " +
                $"{destination.Length}.", nameof(destination));
        }

        if (labels.Length < indices.Length)
        {
            throw new ArgumentException($"{indices.Length} images need as many labels; there is room for " +
                $"{labels.Length}.", nameof(labels));
        }

        foreach (int index in indices)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index, nameof(indices));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _data.Count, nameof(indices));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(firstPosition);
        FillOnKernelThreads(destination, labels, indices, epoch, firstPosition);
    }

    private unsafe void FillOnKernelThreads(Span<float> destination, Span<byte> labels, ReadOnlySpan<int> indices,
        int epoch, int firstPosition)
    {
        // Each part owns a distorter; they are made here, on the one consumer thread, before any part runs.
        int parts = Math.Clamp(Math.Min(indices.Length, KernelThreads.ThreadCount), 1, MaxFillParts);
        while (_partDistorters.Count < parts)
        {
            _partDistorters.Add(new Distorter(Options, _fields));
        }

        GCHandle self = GCHandle.Alloc(this);
        try
        {
            fixed (float* images = destination)
            fixed (byte* labelBytes = labels)
            fixed (int* order = indices)
            {
                var job = new FillJob
                {
                    Source = GCHandle.ToIntPtr(self),
                    Destination = images,
                    Labels = labelBytes,
                    Indices = order,
                    Count = indices.Length,
                    Epoch = epoch,
                    FirstPosition = firstPosition,
                };
                KernelThreads.RunParts(&FillPart, &job, parts);
            }
        }
        finally
        {
            self.Free();
        }
    }

    /// <summary>Stops the workers and waits for them; a batch being filled is finished first.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Monitor.PulseAll(_gate);
        }

        foreach (Thread worker in _workers)
        {
            worker.Join();
        }
    }

    /// <summary>The seed of the generator for the image at <paramref name="position"/> of an epoch.</summary>
    internal static long ImageSeed(long seed, int epoch, int position)
    {
        // Each step is a full avalanche, so neighbouring epochs and positions get unrelated streams.
        ulong state = Mix(unchecked((ulong)seed) ^ 0x6A09E667F3BCC909UL);
        state = Mix(state + unchecked((ulong)epoch));
        state = Mix(state + unchecked((ulong)position));
        return unchecked((long)state);
    }

    private static ulong Mix(ulong value)
    {
        value += 0x9E3779B97F4A7C15UL;
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
    }

    private void RunWorker(Distorter distorter)
    {
        while (true)
        {
            BatchBuffer buffer;
            EpochPlan plan;
            int batch;
            lock (_gate)
            {
                while (true)
                {
                    if (_disposed || _failure is not null)
                    {
                        return;
                    }

                    if (_plan is not null && _nextToFill < _plan.BatchCount &&
                        _buffers[_nextToFill % _buffers.Length].State == BufferState.Free)
                    {
                        break;
                    }

                    Monitor.Wait(_gate);
                }

                plan = _plan;
                batch = _nextToFill++;
                buffer = _buffers[batch % _buffers.Length];
                buffer.State = BufferState.Filling;
            }

            try
            {
                BeforeWorkerBatch?.Invoke(batch);
                FillBuffer(buffer, plan, batch, distorter);
            }
            catch (Exception exception)
            {
                lock (_gate)
                {
                    _failure ??= ExceptionDispatchInfo.Capture(exception);
                    buffer.State = BufferState.Free;
                    Monitor.PulseAll(_gate);
                }

                return;
            }

            lock (_gate)
            {
                // A batch of an epoch that was abandoned meanwhile is of no use to anyone.
                buffer.State = buffer.Plan == _plan ? BufferState.Ready : BufferState.Free;
                Monitor.PulseAll(_gate);
            }
        }
    }

    private void FillBuffer(BatchBuffer buffer, EpochPlan plan, int batch, Distorter distorter)
    {
        int first = batch * BatchSize;
        int count = Math.Min(BatchSize, plan.Order.Length - first);
        Distort(distorter, buffer.Images, buffer.Labels, plan.Order.AsSpan(first, count), plan.Epoch, first);
        buffer.Plan = plan;
        buffer.Batch = batch;
        buffer.Count = count;
    }

    private void Distort(Distorter distorter, Span<float> destination, Span<byte> labels,
        ReadOnlySpan<int> indices, int epoch, int firstPosition)
    {
        ReadOnlySpan<byte> allLabels = _data.Labels;
        for (int i = 0; i < indices.Length; i++)
        {
            // Shuffled images lie far apart in memory, beyond the reach of the hardware's own prefetching; asking
            // for the next one now lets its cache misses overlap with the work on this one.
            if (i + 1 < indices.Length)
            {
                Prefetch(_data.GetPixels(indices[i + 1]));
            }

            distorter.Random.Reseed(ImageSeed(_seed, epoch, firstPosition + i));
            distorter.Augmenter.Augment(_data.GetPixels(indices[i]), destination.Slice(i * PixelCount, PixelCount),
                distorter.Random);
            labels[i] = allLabels[indices[i]];
        }
    }

    private static unsafe void Prefetch(ReadOnlySpan<byte> image)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            return;
        }

        fixed (byte* start = image)
        {
            for (int offset = 0; offset < image.Length; offset += 64)
            {
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(start + offset);
            }

            System.Runtime.Intrinsics.X86.Sse.Prefetch0(start + image.Length - 1);
        }
    }

    /// <summary>The part of a <see cref="Fill"/> that one kernel thread does: an even share of the images.</summary>
    private static unsafe void FillPart(void* context, int part, int parts)
    {
        ref FillJob job = ref *(FillJob*)context;
        var source = (AugmentedBatchSource)GCHandle.FromIntPtr(job.Source).Target!;
        int first = (int)((long)job.Count * part / parts);
        int end = (int)((long)job.Count * (part + 1) / parts);
        source.Distort(source._partDistorters[part],
            new Span<float>(job.Destination + (long)first * PixelCount, (end - first) * PixelCount),
            new Span<byte>(job.Labels + first, end - first),
            new ReadOnlySpan<int>(job.Indices + first, end - first), job.Epoch, job.FirstPosition + first);
    }

    /// <summary>What the kernel threads need to fill a batch; it lives on the stack of <see cref="Fill"/>.</summary>
    private unsafe struct FillJob
    {
        public IntPtr Source;
        public float* Destination;
        public byte* Labels;
        public int* Indices;
        public int Count;
        public int Epoch;
        public int FirstPosition;
    }

    /// <summary>An augmenter and the generator it is reseeded with for each image: one per thread.</summary>
    private sealed class Distorter(AugmentationOptions options, ElasticFieldBank? fields)
    {
        public ImageAugmenter Augmenter { get; } = new(options, fields);

        public SeededRandom Random { get; } = new(0);
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _failure?.Throw();
    }

    private enum BufferState
    {
        Free,
        Filling,
        Ready,
        Held,
    }

    /// <summary>One epoch's order; compared by reference to tell whether a filled batch still belongs to it.</summary>
    private sealed class EpochPlan(int epoch, int[] order, int batchCount)
    {
        public int Epoch { get; } = epoch;

        public int[] Order { get; } = order;

        public int BatchCount { get; } = batchCount;
    }

    /// <summary>Room for one batch, and which batch of which epoch it holds. State is guarded by the gate.</summary>
    private sealed class BatchBuffer(int capacity)
    {
        public float[] Images { get; } = new float[capacity * PixelCount];

        public byte[] Labels { get; } = new byte[capacity];

        public BufferState State { get; set; }

        public EpochPlan? Plan { get; set; }

        public int Batch { get; set; }

        public int Count { get; set; }
    }
}

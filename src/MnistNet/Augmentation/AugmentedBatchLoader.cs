using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using MnistNet.Data;
using MnistNet.Native;
using MnistNet.Network;

namespace MnistNet.Augmentation;

/// <summary>
/// Loads training batches as freshly distorted images, straight into the caller's input rows, with the work
/// shared out over the kernel threads (<see cref="KernelThreads"/>) like any other step of training.
/// <para>
/// Why not a background thread preparing batches ahead: on a machine whose cores the training step already keeps
/// busy, such a thread only competes with the training threads (and makes one of them late for every multiply),
/// and its batches would still have to be copied in. Distorting on the kernel threads costs the same arithmetic
/// and nothing else.
/// </para>
/// <para>
/// Determinism: the image at position p of epoch e is distorted with a generator seeded from (seed, e, p) alone,
/// and elastic fields come from one pool made from the seed, so a batch does not depend on how many threads fill
/// it or in which order. Nothing is allocated per batch once every thread has its scratch buffers.
/// </para>
/// Use it from one thread at a time. It does not shuffle (the trainer owns the order).
/// </summary>
public sealed class AugmentedBatchLoader
{
    private const int PixelCount = MnistSample.PixelCount;

    // Beyond this many kernel threads a batch of 128 images is split too finely to be worth it.
    private const int MaxParts = 16;

    // Keeps the pool's generator apart from the per-image generators made from the same run seed.
    private const long FieldPoolSeedSalt = 0x3C6EF372FE94F82BL;

    private readonly MnistDataset _data;
    private readonly long _seed;
    private readonly ElasticFieldBank? _fields;
    private readonly List<Distorter> _partDistorters = [];

    /// <param name="data">Labelled training images.</param>
    /// <param name="options">The distortions; validated here.</param>
    /// <param name="seed">Fixes every distortion together with the epoch and position of the image.</param>
    public AugmentedBatchLoader(MnistDataset data, AugmentationOptions options, long seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        if (!data.HasLabels)
        {
            throw new ArgumentException($"{data.Source} has no labels; augmented batches are for training.",
                nameof(data));
        }

        options.Validate();
        _data = data;
        _seed = seed;
        Options = options;
        _fields = options.ElasticAlpha > 0
            ? new ElasticFieldBank(options.ElasticSigma, unchecked(seed ^ FieldPoolSeedSalt))
            : null;
    }

    public AugmentationOptions Options { get; }

    /// <summary>
    /// Distorts images <c>data[indices[i]]</c> into <paramref name="destination"/> (row i at i·784, floats in
    /// [0, 1]) and copies their labels, as the images at positions firstPosition + i of epoch
    /// <paramref name="epoch"/>.
    /// </summary>
    public void Fill(Span<float> destination, Span<byte> labels, ReadOnlySpan<int> indices, int epoch,
        int firstPosition)
    {
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

        for (int i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)_data.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), indices[i],
                    $"Position {i} of the batch names image {indices[i]}, but the data has images 0 to " +
                    $"{_data.Count - 1}.");
            }
        }

        ArgumentOutOfRangeException.ThrowIfNegative(firstPosition);
        if (indices.IsEmpty)
        {
            return;
        }

        // Each part owns a distorter; they are made here, on the calling thread, before any part runs.
        int parts = Math.Clamp(Math.Min(indices.Length, KernelThreads.ThreadCount), 1, MaxParts);
        while (_partDistorters.Count < parts)
        {
            _partDistorters.Add(new Distorter(Options, _fields));
        }

        FillOnKernelThreads(destination, labels, indices, epoch, firstPosition, parts);
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

    private unsafe void FillOnKernelThreads(Span<float> destination, Span<byte> labels, ReadOnlySpan<int> indices,
        int epoch, int firstPosition, int parts)
    {
        GCHandle self = GCHandle.Alloc(this);
        try
        {
            fixed (float* images = destination)
            fixed (byte* labelBytes = labels)
            fixed (int* order = indices)
            {
                var job = new FillJob
                {
                    Loader = GCHandle.ToIntPtr(self),
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

    /// <summary>The part of a <see cref="Fill"/> that one kernel thread does: an even share of the images.</summary>
    private static unsafe void FillPart(void* context, int part, int parts)
    {
        ref FillJob job = ref *(FillJob*)context;
        var loader = (AugmentedBatchLoader)GCHandle.FromIntPtr(job.Loader).Target!;
        int first = (int)((long)job.Count * part / parts);
        int end = (int)((long)job.Count * (part + 1) / parts);
        loader.Distort(loader._partDistorters[part],
            new Span<float>(job.Destination + (long)first * PixelCount, (end - first) * PixelCount),
            new Span<byte>(job.Labels + first, end - first),
            new ReadOnlySpan<int>(job.Indices + first, end - first), job.Epoch, job.FirstPosition + first);
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
        if (!Sse.IsSupported)
        {
            return;
        }

        fixed (byte* start = image)
        {
            for (int offset = 0; offset < image.Length; offset += 64)
            {
                Sse.Prefetch0(start + offset);
            }

            Sse.Prefetch0(start + image.Length - 1);
        }
    }

    /// <summary>What the kernel threads need to fill a batch; it lives on the stack of the filling call.</summary>
    private unsafe struct FillJob
    {
        public IntPtr Loader;
        public float* Destination;
        public byte* Labels;
        public int* Indices;
        public int Count;
        public int Epoch;
        public int FirstPosition;
    }

    /// <summary>An augmenter and the generator it is reseeded with for each image: one per part.</summary>
    private sealed class Distorter(AugmentationOptions options, ElasticFieldBank? fields)
    {
        public ImageAugmenter Augmenter { get; } = new(options, fields);

        public SeededRandom Random { get; } = new(0);
    }
}

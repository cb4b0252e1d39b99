using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MnistNet.Native;

/// <summary>
/// Grey levels to network inputs: destination[i] = pixels[i] · (1/255), so 0..255 becomes 0..1. It runs once per
/// image per epoch and, for prediction and full-batch training, over tens of millions of pixels at a time, which
/// is why it has an AVX2 path and splits large inputs between the kernel threads; the other paths use the plain
/// loop, which the JIT vectorises well enough. Every path multiplies by the same float constant, so all give the
/// same bits.
/// </summary>
public static unsafe class PixelScaling
{
    public const float Scale = 1f / 255f;

    // Below this many pixels (about 80 images) waking a second thread costs more than it saves.
    private const int SplitThreshold = 1 << 16;

    /// <summary>destination[i] = pixels[i] / 255 for every i of pixels.</summary>
    public static void ToUnitRange(ReadOnlySpan<byte> pixels, Span<float> destination)
        => ToUnitRange(pixels, destination, KernelSelector.Active);

    /// <inheritdoc cref="ToUnitRange(ReadOnlySpan{byte}, Span{float})"/>
    public static void ToUnitRange(ReadOnlySpan<byte> pixels, Span<float> destination, KernelPath path)
    {
        if (destination.Length < pixels.Length)
        {
            throw new ArgumentException(
                $"The destination holds {destination.Length} values; {pixels.Length} pixels need converting.");
        }

        KernelSelector.Require(path);
        fixed (byte* source = pixels)
        fixed (float* target = destination)
        {
            var job = new Job { Source = source, Target = target, Length = pixels.Length, Path = path };
            int parts = pixels.Length < SplitThreshold ? 1 : KernelThreads.ThreadCount;
            KernelThreads.Run(&RunPart, &job, parts);
        }
    }

    /// <summary>
    /// Gathers whole images: destination row r = pixels of image rows[r] / 255, each image
    /// <paramref name="imageSize"/> bytes long. This is how a shuffled training batch is loaded; the rows are split
    /// between the kernel threads when there are enough of them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GatherToUnitRange(ReadOnlySpan<byte> images, ReadOnlySpan<int> rows, int imageSize,
        Span<float> destination)
        => GatherToUnitRange(images, rows, imageSize, destination, KernelSelector.Active);

    /// <inheritdoc cref="GatherToUnitRange(ReadOnlySpan{byte}, ReadOnlySpan{int}, int, Span{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GatherToUnitRange(ReadOnlySpan<byte> images, ReadOnlySpan<int> rows, int imageSize,
        Span<float> destination, KernelPath path)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 1);
        if (destination.Length < (long)rows.Length * imageSize)
        {
            throw new ArgumentException(
                $"The destination holds {destination.Length} values; {rows.Length} images of {imageSize} need more.");
        }

        int imageCount = images.Length / imageSize;
        foreach (int row in rows)
        {
            if ((uint)row >= (uint)imageCount)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), row, $"There are {imageCount} images.");
            }
        }

        KernelSelector.Require(path);
        fixed (byte* source = images)
        fixed (int* indices = rows)
        fixed (float* target = destination)
        {
            var job = new GatherJob
            {
                Source = source, Rows = indices, Count = rows.Length, ImageSize = imageSize, Target = target,
                Path = path,
            };
            int parts = (long)rows.Length * imageSize < SplitThreshold ? 1 : KernelThreads.ThreadCount;
            KernelThreads.Run(&RunGatherPart, &job, parts);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunGatherPart(void* context, int part, int parts)
    {
        ref GatherJob job = ref Unsafe.AsRef<GatherJob>(context);
        int first = (int)((long)job.Count * part / parts);
        int end = (int)((long)job.Count * (part + 1) / parts);
        for (int r = first; r < Math.Min(end, first + PrefetchDistance); r++)
        {
            Prefetch(job.Source + (long)job.Rows[r] * job.ImageSize, job.ImageSize);
        }

        for (int r = first; r < end; r++)
        {
            if (r + PrefetchDistance < end)
            {
                Prefetch(job.Source + (long)job.Rows[r + PrefetchDistance] * job.ImageSize, job.ImageSize);
            }

            byte* source = job.Source + (long)job.Rows[r] * job.ImageSize;
            float* target = job.Target + (long)r * job.ImageSize;
            if (job.Path == KernelPath.Avx2)
            {
                ConvertAvx2(source, target, job.ImageSize);
            }
            else
            {
                ConvertScalar(source, target, 0, job.ImageSize);
            }
        }
    }

    // Images a few places ahead are requested while the current one is converted: the rows of a shuffled batch are
    // scattered over the whole dataset, so each image would otherwise wait for memory on its own.
    private const int PrefetchDistance = 4;

    private static void Prefetch(byte* image, int length)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        for (int offset = 0; offset < length; offset += 64)
        {
            Sse.Prefetch0(image + offset);
        }

        Sse.Prefetch0(image + length - 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunPart(void* context, int part, int parts)
    {
        ref Job job = ref Unsafe.AsRef<Job>(context);
        int start = (int)((long)job.Length * part / parts);
        int end = (int)((long)job.Length * (part + 1) / parts);
        byte* source = job.Source + start;
        float* target = job.Target + start;
        int length = end - start;

        if (job.Path == KernelPath.Avx2)
        {
            ConvertAvx2(source, target, length);
        }
        else
        {
            ConvertScalar(source, target, 0, length);
        }
    }

    /// <summary>The reference: one pixel at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ConvertScalar(byte* source, float* target, int start, int length)
    {
        for (int i = start; i < length; i++)
        {
            target[i] = source[i] * Scale;
        }
    }

    /// <summary>Eight pixels a step: widen bytes to int32, convert to float, multiply by the same constant.</summary>
    private static void ConvertAvx2(byte* source, float* target, int length)
    {
        Vector256<float> scale = Vector256.Create(Scale);
        int i = 0;
        for (; i <= length - 8; i += 8)
        {
            Vector256<int> widened = Avx2.ConvertToVector256Int32(source + i);
            Avx.Store(target + i, Avx.Multiply(Avx.ConvertToVector256Single(widened), scale));
        }

        ConvertScalar(source, target, i, length);
    }

    private struct GatherJob
    {
        public byte* Source;
        public int* Rows;
        public int Count;
        public int ImageSize;
        public float* Target;
        public KernelPath Path;
    }

    private struct Job
    {
        public byte* Source;
        public float* Target;
        public int Length;
        public KernelPath Path;
    }
}

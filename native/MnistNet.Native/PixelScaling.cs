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

    private struct Job
    {
        public byte* Source;
        public float* Target;
        public int Length;
        public KernelPath Path;
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MnistNet.Native;

/// <summary>
/// How <see cref="GemmPackedAvx2"/> lays B out for its kernels: row-major blocks copied into 16-column panels, the
/// transposed B of an NT product turned into the same panels in 8 x 8 register tiles, and the per-thread memory
/// the panels live in.
/// </summary>
internal static unsafe partial class GemmPackedAvx2
{
    /// <summary>
    /// Packs rows [p0, p0 + depth) and columns [j0, j1) of a row-major B (row stride n) into panels of
    /// depth x 16, zero past j1, so the kernels always load whole vectors.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pack(float* b, int n, int p0, int depth, int j0, int j1, float* packed)
    {
        for (int j = j0; j < j1; j += Cols)
        {
            int cols = j1 - j;
            float* source = b + (nint)p0 * n + j;
            float* end = packed + (nint)depth * Cols;
            if (cols >= Cols)
            {
                for (; packed < end; packed += Cols, source += n)
                {
                    Avx.Store(packed, Avx.LoadVector256(source));
                    Avx.Store(packed + Lanes, Avx.LoadVector256(source + Lanes));
                }
            }
            else
            {
                Vector256<float> low = GemmAvx2.TailMask(Math.Min(cols, Lanes));
                Vector256<float> high = cols > Lanes ? GemmAvx2.TailMask(cols - Lanes) : Vector256<float>.Zero;
                for (; packed < end; packed += Cols, source += n)
                {
                    Avx.Store(packed, Avx.MaskLoad(source, low));
                    Avx.Store(packed + Lanes, Avx.MaskLoad(source + Lanes, high));
                }
            }
        }
    }

    /// <summary>
    /// Packs op(B)(p, j) = b[j·k + p] for p in [p0, p0 + depth) and j in [j0, j1) into depth x 16 panels, zero
    /// past j1: a transpose, done in 8 x 8 register tiles where whole tiles fit and one element at a time elsewhere.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackTransposed(float* b, int k, int p0, int depth, int j0, int j1, float* packed)
    {
        for (int j = j0; j < j1; j += Cols)
        {
            for (int half = 0; half < 2; half++)
            {
                int jh = j + half * Lanes;
                int cols = Math.Clamp(j1 - jh, 0, Lanes);
                float* target = packed + half * Lanes;
                int p = 0;
                if (cols == Lanes)
                {
                    float* source = b + (nint)jh * k + p0;
                    for (; p + Lanes <= depth; p += Lanes)
                    {
                        Transpose8x8(source + p, k, target + (nint)p * Cols);
                    }
                }

                for (; p < depth; p++)
                {
                    float* row = target + (nint)p * Cols;
                    for (int c = 0; c < Lanes; c++)
                    {
                        row[c] = c < cols ? b[(nint)(jh + c) * k + p0 + p] : 0f;
                    }
                }
            }

            packed += (nint)depth * Cols;
        }
    }

    /// <summary>target[r·targetStride + c] = source[c·stride + r] for r, c &lt; 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8x8(float* source, nint stride, float* target, nint targetStride = Cols)
    {
        Vector256<float> r0 = Avx.LoadVector256(source);
        Vector256<float> r1 = Avx.LoadVector256(source + stride);
        Vector256<float> r2 = Avx.LoadVector256(source + 2 * stride);
        Vector256<float> r3 = Avx.LoadVector256(source + 3 * stride);
        Vector256<float> r4 = Avx.LoadVector256(source + 4 * stride);
        Vector256<float> r5 = Avx.LoadVector256(source + 5 * stride);
        Vector256<float> r6 = Avx.LoadVector256(source + 6 * stride);
        Vector256<float> r7 = Avx.LoadVector256(source + 7 * stride);

        // Interleave pairs of rows, then pairs of pairs: each 128-bit half then holds four rows of one column.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1);
        Vector256<float> t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3);
        Vector256<float> t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5);
        Vector256<float> t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7);
        Vector256<float> t7 = Avx.UnpackHigh(r6, r7);

        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44);
        Vector256<float> u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44);
        Vector256<float> u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44);
        Vector256<float> u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44);
        Vector256<float> u7 = Avx.Shuffle(t5, t7, 0xEE);

        // Low halves carry columns 0-3 and high halves columns 4-7; join rows 0-3 with rows 4-7.
        Avx.Store(target, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(target + targetStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(target + 2 * targetStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(target + 3 * targetStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(target + 4 * targetStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(target + 5 * targetStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(target + 6 * targetStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(target + 7 * targetStride, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>
    /// Each thread's packing memory: unmanaged, 64-byte aligned, grown to the largest size asked for and then
    /// reused, so steady-state calls allocate nothing. The finaliser frees it when its thread ends.
    /// </summary>
    internal sealed class PackBuffer
    {
        [ThreadStatic]
        private static PackBuffer? _current;

        private float* _pointer;
        private long _length;

        ~PackBuffer()
        {
            if (_pointer != null)
            {
                System.Runtime.InteropServices.NativeMemory.AlignedFree(_pointer);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static float* Get(long length)
        {
            PackBuffer buffer = _current ??= new PackBuffer();
            if (buffer._length < length)
            {
                System.Runtime.InteropServices.NativeMemory.AlignedFree(buffer._pointer);
                buffer._pointer = null;
                buffer._pointer = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(
                    (nuint)length * sizeof(float), AlignedBuffer.Alignment);
                buffer._length = length;
            }

            return buffer._pointer;
        }
    }
}

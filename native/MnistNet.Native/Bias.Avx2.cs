using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MnistNet.Native;

/// <summary>
/// Bias kernels on AVX2 vectors across the columns; the last cols % 8 columns are scalar. Both are bit-identical
/// to the reference: Add is one addition per element, and Gradient sums each column over rows in ascending order
/// starting from 0, exactly as the reference does.
/// </summary>
internal static unsafe class BiasAvx2
{
    private const int Lanes = 8;

    /// <summary>values[r·cols + c] += bias[c] for r &lt; rows, c &lt; cols.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(Span<float> values, ReadOnlySpan<float> bias, int rows, int cols)
    {
        int vectorEnd = cols - cols % Lanes;
        fixed (float* v = values)
        fixed (float* b = bias)
        {
            for (int r = 0; r < rows; r++)
            {
                float* row = v + (nint)r * cols;
                int c = 0;
                for (; c < vectorEnd; c += Lanes)
                {
                    Avx.Store(row + c, Avx.Add(Avx.LoadVector256(row + c), Avx.LoadVector256(b + c)));
                }

                for (; c < cols; c++)
                {
                    row[c] += b[c];
                }
            }
        }
    }

    /// <summary>biasGradient[c] = Σ_r gradient[r·cols + c], r ascending, for c &lt; cols.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gradient(ReadOnlySpan<float> gradient, Span<float> biasGradient, int rows, int cols)
    {
        int vectorEnd = cols - cols % Lanes;
        fixed (float* g = gradient)
        fixed (float* sums = biasGradient)
        {
            // Column strips outer, rows inner: each strip's sums stay in registers for the whole column.
            int c = 0;
            for (; c + 4 * Lanes <= vectorEnd; c += 4 * Lanes)
            {
                Vector256<float> s0 = Vector256<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
                float* cell = g + c;
                for (int r = 0; r < rows; r++)
                {
                    s0 = Avx.Add(s0, Avx.LoadVector256(cell));
                    s1 = Avx.Add(s1, Avx.LoadVector256(cell + Lanes));
                    s2 = Avx.Add(s2, Avx.LoadVector256(cell + 2 * Lanes));
                    s3 = Avx.Add(s3, Avx.LoadVector256(cell + 3 * Lanes));
                    cell += cols;
                }

                Avx.Store(sums + c, s0);
                Avx.Store(sums + c + Lanes, s1);
                Avx.Store(sums + c + 2 * Lanes, s2);
                Avx.Store(sums + c + 3 * Lanes, s3);
            }

            for (; c < vectorEnd; c += Lanes)
            {
                Vector256<float> s = Vector256<float>.Zero;
                float* cell = g + c;
                for (int r = 0; r < rows; r++)
                {
                    s = Avx.Add(s, Avx.LoadVector256(cell));
                    cell += cols;
                }

                Avx.Store(sums + c, s);
            }

            for (; c < cols; c++)
            {
                float s = 0f;
                float* cell = g + c;
                for (int r = 0; r < rows; r++)
                {
                    s += *cell;
                    cell += cols;
                }

                sums[c] = s;
            }
        }
    }
}

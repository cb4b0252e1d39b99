using System.Runtime.Intrinsics;

namespace MnistNet.Native;

/// <summary>
/// Bias kernels on portable 128-bit vectors across the columns, scalar for the last cols % 4; bit-identical to the
/// reference for the same reasons as <see cref="BiasAvx2"/>.
/// </summary>
internal static unsafe class BiasVector128
{
    private const int Lanes = 4;

    /// <summary>values[r·cols + c] += bias[c] for r &lt; rows, c &lt; cols.</summary>
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
                    (Vector128.Load(row + c) + Vector128.Load(b + c)).Store(row + c);
                }

                for (; c < cols; c++)
                {
                    row[c] += b[c];
                }
            }
        }
    }

    /// <summary>biasGradient[c] = Σ_r gradient[r·cols + c], r ascending, for c &lt; cols.</summary>
    public static void Gradient(ReadOnlySpan<float> gradient, Span<float> biasGradient, int rows, int cols)
    {
        int vectorEnd = cols - cols % Lanes;
        fixed (float* g = gradient)
        fixed (float* sums = biasGradient)
        {
            int c = 0;
            for (; c + 4 * Lanes <= vectorEnd; c += 4 * Lanes)
            {
                Vector128<float> s0 = Vector128<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
                float* cell = g + c;
                for (int r = 0; r < rows; r++)
                {
                    s0 += Vector128.Load(cell);
                    s1 += Vector128.Load(cell + Lanes);
                    s2 += Vector128.Load(cell + 2 * Lanes);
                    s3 += Vector128.Load(cell + 3 * Lanes);
                    cell += cols;
                }

                s0.Store(sums + c);
                s1.Store(sums + c + Lanes);
                s2.Store(sums + c + 2 * Lanes);
                s3.Store(sums + c + 3 * Lanes);
            }

            for (; c < vectorEnd; c += Lanes)
            {
                Vector128<float> s = Vector128<float>.Zero;
                float* cell = g + c;
                for (int r = 0; r < rows; r++)
                {
                    s += Vector128.Load(cell);
                    cell += cols;
                }

                s.Store(sums + c);
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

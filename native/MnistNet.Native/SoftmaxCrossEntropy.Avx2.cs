using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MnistNet.Native;

/// <summary>
/// Softmax and cross-entropy with AVX2. A row is only as wide as the class count (10 for MNIST), so only the
/// exponentials and the normalisation are vectorised; the row maximum and the sum of exponentials stay scalar and
/// in ascending order, so the one difference from the reference is the exp approximation.
/// </summary>
internal static unsafe class SoftmaxCrossEntropyAvx2
{
    private const int Lanes = 8;

    /// <summary>
    /// Each row r of logits[rows×classes] becomes softmax(row); returns Σ_r log Σ_c e^(z_rc - max_r) - (z_r,label -
    /// max_r), or 0 with empty labels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Forward(Span<float> logits, ReadOnlySpan<byte> labels, int rows, int classes,
        Span<float> rowLosses)
    {
        int vectorEnd = classes - classes % Lanes;
        double totalLoss = 0;
        fixed (float* z = logits)
        {
            for (int r = 0; r < rows; r++)
            {
                float* row = z + (nint)r * classes;

                float max = row[0];
                for (int c = 1; c < classes; c++)
                {
                    max = MathF.Max(max, row[c]);
                }

                float labelLogit = labels.IsEmpty ? 0f : row[labels[r]] - max;

                Vector256<float> shift = Vector256.Create(max);
                int v = 0;
                for (; v < vectorEnd; v += Lanes)
                {
                    Avx.Store(row + v, VectorMathAvx2.ExpNonPositive(Avx.Subtract(Avx.LoadVector256(row + v), shift)));
                }

                for (; v < classes; v++)
                {
                    row[v] = MathF.Exp(row[v] - max);
                }

                float sum = 0f;
                for (int c = 0; c < classes; c++)
                {
                    sum += row[c];
                }

                float inverse = 1f / sum;
                Vector256<float> scale = Vector256.Create(inverse);
                v = 0;
                for (; v < vectorEnd; v += Lanes)
                {
                    Avx.Store(row + v, Avx.Multiply(Avx.LoadVector256(row + v), scale));
                }

                for (; v < classes; v++)
                {
                    row[v] *= inverse;
                }

                if (!labels.IsEmpty)
                {
                    float rowLoss = MathF.Log(sum) - labelLogit;
                    totalLoss += rowLoss;
                    if (!rowLosses.IsEmpty)
                    {
                        rowLosses[r] = rowLoss;
                    }
                }
            }
        }

        return totalLoss;
    }

    /// <summary>gradient[r, c] = scale · (probabilities[r, c] - [c == labels[r]]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> probabilities, ReadOnlySpan<byte> labels, Span<float> gradient,
        int rows, int classes, float scale)
    {
        // Every element is scale · p first (p - 0 is exactly p); the one label cell per row is then redone.
        int count = rows * classes;
        int vectorEnd = count - count % Lanes;
        Vector256<float> factor = Vector256.Create(scale);
        fixed (float* p = probabilities)
        fixed (float* g = gradient)
        {
            int i = 0;
            for (; i < vectorEnd; i += Lanes)
            {
                Avx.Store(g + i, Avx.Multiply(factor, Avx.LoadVector256(p + i)));
            }

            for (; i < count; i++)
            {
                g[i] = scale * p[i];
            }

            for (int r = 0; r < rows; r++)
            {
                nint cell = (nint)r * classes + labels[r];
                g[cell] = scale * (p[cell] - 1f);
            }
        }
    }
}

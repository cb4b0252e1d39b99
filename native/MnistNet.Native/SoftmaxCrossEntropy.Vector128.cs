using System.Runtime.Intrinsics;

namespace MnistNet.Native;

/// <summary>
/// Softmax and cross-entropy on portable 128-bit vectors, organised like <see cref="SoftmaxCrossEntropyAvx2"/>:
/// exponentials and normalisation vectorised, row maximum and sum scalar and in the reference's order.
/// </summary>
internal static unsafe class SoftmaxCrossEntropyVector128
{
    private const int Lanes = 4;

    /// <summary>
    /// Each row r of logits[rows×classes] becomes softmax(row); returns Σ_r log Σ_c e^(z_rc - max_r) - (z_r,label -
    /// max_r), or 0 with empty labels.
    /// </summary>
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

                Vector128<float> shift = Vector128.Create(max);
                int v = 0;
                for (; v < vectorEnd; v += Lanes)
                {
                    VectorMathVector128.ExpNonPositive(Vector128.Load(row + v) - shift).Store(row + v);
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
                Vector128<float> scale = Vector128.Create(inverse);
                v = 0;
                for (; v < vectorEnd; v += Lanes)
                {
                    (Vector128.Load(row + v) * scale).Store(row + v);
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
    public static void Backward(ReadOnlySpan<float> probabilities, ReadOnlySpan<byte> labels, Span<float> gradient,
        int rows, int classes, float scale)
    {
        // Every element is scale · p first (p - 0 is exactly p); the one label cell per row is then redone.
        int count = rows * classes;
        int vectorEnd = count - count % Lanes;
        Vector128<float> factor = Vector128.Create(scale);
        fixed (float* p = probabilities)
        fixed (float* g = gradient)
        {
            int i = 0;
            for (; i < vectorEnd; i += Lanes)
            {
                (factor * Vector128.Load(p + i)).Store(g + i);
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

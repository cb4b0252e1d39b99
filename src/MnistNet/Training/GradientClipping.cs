using MnistNet.Network;

namespace MnistNet.Training;

/// <summary>
/// Clipping by the global L2 norm: when the norm of all gradients taken together exceeds the limit, every gradient
/// is scaled by limit / norm. Scaling them all by one factor keeps the direction of the step, unlike clipping each
/// value on its own.
/// </summary>
internal static class GradientClipping
{
    /// <summary>The L2 norm of every weight and bias gradient as one vector, summed in double.</summary>
    public static double GlobalNorm(NetworkWorkspace gradients, int layers)
    {
        double sum = 0;
        for (int l = 0; l < layers; l++)
        {
            sum += SumOfSquares(gradients.WeightGradient(l)) + SumOfSquares(gradients.BiasGradient(l));
        }

        return Math.Sqrt(sum);
    }

    /// <summary>Scales the gradients down to a norm of <paramref name="maxNorm"/> if needed.</summary>
    public static void Clip(NetworkWorkspace gradients, int layers, double maxNorm)
    {
        double norm = GlobalNorm(gradients, layers);
        if (norm <= maxNorm || !double.IsFinite(norm))
        {
            // A non-finite norm is left for the divergence guard to report; scaling would turn it into zeros.
            return;
        }

        float scale = (float)(maxNorm / norm);
        for (int l = 0; l < layers; l++)
        {
            Scale(gradients.WeightGradient(l), scale);
            Scale(gradients.BiasGradient(l), scale);
        }
    }

    private static double SumOfSquares(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float value in values)
        {
            sum += (double)value * value;
        }

        return sum;
    }

    private static void Scale(Span<float> values, float scale)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] *= scale;
        }
    }
}

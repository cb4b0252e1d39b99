using System.Runtime.Intrinsics;

namespace MnistNet.Native;

/// <summary>
/// Parameter updates on portable 128-bit vectors, the last length % 4 elements through the scalar twin; the same
/// unfused operations in the same order as <see cref="OptimizerKernelsAvx2"/>, so the results match the reference.
/// </summary>
internal static unsafe class OptimizerKernelsVector128
{
    private const int Lanes = 4;

    /// <summary>w[i] -= lr · g[i].</summary>
    public static void SgdStep(Span<float> weights, ReadOnlySpan<float> gradient, float learningRate)
    {
        int vectorEnd = weights.Length - weights.Length % Lanes;
        Vector128<float> rate = Vector128.Create(learningRate);
        fixed (float* w = weights)
        fixed (float* g = gradient)
        {
            for (int i = 0; i < vectorEnd; i += Lanes)
            {
                (Vector128.Load(w + i) - rate * Vector128.Load(g + i)).Store(w + i);
            }
        }

        OptimizerKernelsScalar.SgdStep(weights[vectorEnd..], gradient[vectorEnd..], learningRate);
    }

    /// <summary>v[i] = μ · v[i] + g[i]; w[i] -= lr · v[i].</summary>
    public static void MomentumStep(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> velocity,
        float learningRate, float momentum)
    {
        int vectorEnd = weights.Length - weights.Length % Lanes;
        Vector128<float> rate = Vector128.Create(learningRate);
        Vector128<float> mu = Vector128.Create(momentum);
        fixed (float* w = weights)
        fixed (float* g = gradient)
        fixed (float* v = velocity)
        {
            for (int i = 0; i < vectorEnd; i += Lanes)
            {
                Vector128<float> newVelocity = mu * Vector128.Load(v + i) + Vector128.Load(g + i);
                newVelocity.Store(v + i);
                (Vector128.Load(w + i) - rate * newVelocity).Store(w + i);
            }
        }

        OptimizerKernelsScalar.MomentumStep(weights[vectorEnd..], gradient[vectorEnd..], velocity[vectorEnd..],
            learningRate, momentum);
    }

    /// <summary>
    /// m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; w -= stepSize · m / (sqrt(v) + scaledEpsilon),
    /// with the bias corrections folded in by <see cref="OptimizerKernelsScalar.AdamScales"/>, and subnormal moments
    /// set to zero as in <see cref="OptimizerKernelsScalar.AdamUpdate"/>.
    /// </summary>
    public static void AdamStep(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> firstMoment,
        Span<float> secondMoment, float learningRate, float beta1, float beta2, float epsilon, long step)
    {
        (float stepSize, float scaledEpsilon) =
            OptimizerKernelsScalar.AdamScales(learningRate, beta1, beta2, epsilon, step);

        int vectorEnd = weights.Length - weights.Length % Lanes;
        Vector128<float> b1 = Vector128.Create(beta1);
        Vector128<float> b2 = Vector128.Create(beta2);
        Vector128<float> oneMinusB1 = Vector128.Create(1f - beta1);
        Vector128<float> oneMinusB2 = Vector128.Create(1f - beta2);
        Vector128<float> size = Vector128.Create(stepSize);
        Vector128<float> eps = Vector128.Create(scaledEpsilon);
        Vector128<float> smallest = Vector128.Create(OptimizerKernelsScalar.SmallestNormal);
        fixed (float* w = weights)
        fixed (float* g = gradient)
        fixed (float* m = firstMoment)
        fixed (float* v = secondMoment)
        {
            for (int i = 0; i < vectorEnd; i += Lanes)
            {
                Vector128<float> grad = Vector128.Load(g + i);
                Vector128<float> first = b1 * Vector128.Load(m + i) + oneMinusB1 * grad;
                Vector128<float> second = b2 * Vector128.Load(v + i) + oneMinusB2 * grad * grad;
                first = Vector128.AndNot(first, Vector128.LessThan(Vector128.Abs(first), smallest));
                second = Vector128.AndNot(second, Vector128.LessThan(second, smallest));
                first.Store(m + i);
                second.Store(v + i);
                (Vector128.Load(w + i) - size * first / (Vector128.Sqrt(second) + eps)).Store(w + i);
            }
        }

        OptimizerKernelsScalar.AdamUpdate(weights[vectorEnd..], gradient[vectorEnd..], firstMoment[vectorEnd..],
            secondMoment[vectorEnd..], beta1, beta2, stepSize, scaledEpsilon);
    }
}

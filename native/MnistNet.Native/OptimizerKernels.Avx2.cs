using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MnistNet.Native;

/// <summary>
/// Parameter updates on AVX2 vectors, the last length % 8 elements through the scalar twin. Multiplies and adds
/// are deliberately left unfused and in the reference's order, and vector sqrt and division round like their
/// scalar forms, so every path produces the same bits and training does not depend on the processor.
/// </summary>
internal static unsafe class OptimizerKernelsAvx2
{
    private const int Lanes = 8;

    /// <summary>w[i] -= lr · g[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SgdStep(Span<float> weights, ReadOnlySpan<float> gradient, float learningRate)
    {
        int vectorEnd = weights.Length - weights.Length % Lanes;
        Vector256<float> rate = Vector256.Create(learningRate);
        fixed (float* w = weights)
        fixed (float* g = gradient)
        {
            for (int i = 0; i < vectorEnd; i += Lanes)
            {
                Vector256<float> change = Avx.Multiply(rate, Avx.LoadVector256(g + i));
                Avx.Store(w + i, Avx.Subtract(Avx.LoadVector256(w + i), change));
            }
        }

        OptimizerKernelsScalar.SgdStep(weights[vectorEnd..], gradient[vectorEnd..], learningRate);
    }

    /// <summary>v[i] = μ · v[i] + g[i]; w[i] -= lr · v[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MomentumStep(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> velocity,
        float learningRate, float momentum)
    {
        int vectorEnd = weights.Length - weights.Length % Lanes;
        Vector256<float> rate = Vector256.Create(learningRate);
        Vector256<float> mu = Vector256.Create(momentum);
        fixed (float* w = weights)
        fixed (float* g = gradient)
        fixed (float* v = velocity)
        {
            for (int i = 0; i < vectorEnd; i += Lanes)
            {
                Vector256<float> newVelocity = Avx.Add(Avx.Multiply(mu, Avx.LoadVector256(v + i)),
                    Avx.LoadVector256(g + i));
                Avx.Store(v + i, newVelocity);
                Avx.Store(w + i, Avx.Subtract(Avx.LoadVector256(w + i), Avx.Multiply(rate, newVelocity)));
            }
        }

        OptimizerKernelsScalar.MomentumStep(weights[vectorEnd..], gradient[vectorEnd..], velocity[vectorEnd..],
            learningRate, momentum);
    }

    /// <summary>
    /// m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; w -= stepSize · m / (sqrt(v) + scaledEpsilon),
    /// with the bias corrections folded into stepSize and scaledEpsilon by
    /// <see cref="OptimizerKernelsScalar.AdamScales"/>, and subnormal moments set to zero as in
    /// <see cref="OptimizerKernelsScalar.AdamUpdate"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AdamStep(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> firstMoment,
        Span<float> secondMoment, float learningRate, float beta1, float beta2, float epsilon, long step)
    {
        (float stepSize, float scaledEpsilon) =
            OptimizerKernelsScalar.AdamScales(learningRate, beta1, beta2, epsilon, step);

        int vectorEnd = weights.Length - weights.Length % Lanes;
        Vector256<float> b1 = Vector256.Create(beta1);
        Vector256<float> b2 = Vector256.Create(beta2);
        Vector256<float> oneMinusB1 = Vector256.Create(1f - beta1);
        Vector256<float> oneMinusB2 = Vector256.Create(1f - beta2);
        Vector256<float> size = Vector256.Create(stepSize);
        Vector256<float> eps = Vector256.Create(scaledEpsilon);
        Vector256<float> magnitude = Vector256.Create(int.MaxValue).AsSingle();
        Vector256<float> smallest = Vector256.Create(OptimizerKernelsScalar.SmallestNormal);
        fixed (float* w = weights)
        fixed (float* g = gradient)
        fixed (float* m = firstMoment)
        fixed (float* v = secondMoment)
        {
            for (int i = 0; i < vectorEnd; i += Lanes)
            {
                Vector256<float> grad = Avx.LoadVector256(g + i);
                Vector256<float> first = Avx.Add(Avx.Multiply(b1, Avx.LoadVector256(m + i)),
                    Avx.Multiply(oneMinusB1, grad));
                Vector256<float> second = Avx.Add(Avx.Multiply(b2, Avx.LoadVector256(v + i)),
                    Avx.Multiply(Avx.Multiply(oneMinusB2, grad), grad));
                first = Avx.AndNot(Avx.CompareLessThan(Avx.And(first, magnitude), smallest), first);
                second = Avx.AndNot(Avx.CompareLessThan(second, smallest), second);
                Avx.Store(m + i, first);
                Avx.Store(v + i, second);

                Vector256<float> change = Avx.Divide(Avx.Multiply(size, first), Avx.Add(Avx.Sqrt(second), eps));
                Avx.Store(w + i, Avx.Subtract(Avx.LoadVector256(w + i), change));
            }
        }

        OptimizerKernelsScalar.AdamUpdate(weights[vectorEnd..], gradient[vectorEnd..], firstMoment[vectorEnd..],
            secondMoment[vectorEnd..], beta1, beta2, stepSize, scaledEpsilon);
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MnistNet.Native;

/// <summary>
/// Activations on AVX2 vectors, eight elements a step. ReLU and all derivatives are bit-identical to the reference,
/// so their last length % 8 elements go through the scalar twin. Sigmoid and tanh use <see cref="VectorMathAvx2"/>
/// on every element, the last ones in a masked vector: an element's value must not depend on where the span it
/// came in starts or ends, since a layer's outputs are activated in blocks or bands of rows whose sizes depend on
/// the thread count.
/// </summary>
internal static unsafe class ActivationsAvx2
{
    private const int Lanes = 8;

    /// <summary>values[i] = f(values[i]) for f in ReLU, sigmoid, tanh.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(Span<float> values, Activation activation)
    {
        int vectorEnd = values.Length - values.Length % Lanes;
        fixed (float* v = values)
        {
            switch (activation)
            {
                case Activation.ReLU:
                    for (int i = 0; i < vectorEnd; i += Lanes)
                    {
                        // And with the z > 0 mask, like the reference's z > 0 ? z : 0, maps NaN and -0 to +0.
                        Vector256<float> z = Avx.LoadVector256(v + i);
                        Avx.Store(v + i, Avx.And(Avx.CompareGreaterThan(z, Vector256<float>.Zero), z));
                    }

                    break;
                case Activation.Sigmoid:
                    for (int i = 0; i < vectorEnd; i += Lanes)
                    {
                        Avx.Store(v + i, VectorMathAvx2.Sigmoid(Avx.LoadVector256(v + i)));
                    }

                    if (vectorEnd < values.Length)
                    {
                        Vector256<float> mask = GemmAvx2.TailMask(values.Length - vectorEnd);
                        Avx.MaskStore(v + vectorEnd, mask, VectorMathAvx2.Sigmoid(Avx.MaskLoad(v + vectorEnd, mask)));
                    }

                    return;
                case Activation.Tanh:
                    for (int i = 0; i < vectorEnd; i += Lanes)
                    {
                        Avx.Store(v + i, VectorMathAvx2.Tanh(Avx.LoadVector256(v + i)));
                    }

                    if (vectorEnd < values.Length)
                    {
                        Vector256<float> mask = GemmAvx2.TailMask(values.Length - vectorEnd);
                        Avx.MaskStore(v + vectorEnd, mask, VectorMathAvx2.Tanh(Avx.MaskLoad(v + vectorEnd, mask)));
                    }

                    return;
                default:
                    throw new ArgumentOutOfRangeException(nameof(activation));
            }
        }

        ActivationsScalar.Forward(values[vectorEnd..], activation);
    }

    /// <summary>gradient[i] *= f'(z[i]) from activated[i] = f(z[i]); both spans have one length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> activated, Span<float> gradient, Activation activation)
    {
        int vectorEnd = gradient.Length - gradient.Length % Lanes;
        Vector256<float> one = Vector256<float>.One;
        fixed (float* a = activated)
        fixed (float* g = gradient)
        {
            switch (activation)
            {
                case Activation.ReLU:
                    for (int i = 0; i < vectorEnd; i += Lanes)
                    {
                        // Multiplying by an exact 0 or 1, not masking, keeps inf · 0 = NaN as in the reference.
                        Vector256<float> slope = Avx.And(Avx.CompareGreaterThan(Avx.LoadVector256(a + i),
                            Vector256<float>.Zero), one);
                        Avx.Store(g + i, Avx.Multiply(Avx.LoadVector256(g + i), slope));
                    }

                    break;
                case Activation.Sigmoid:
                    for (int i = 0; i < vectorEnd; i += Lanes)
                    {
                        Vector256<float> y = Avx.LoadVector256(a + i);
                        Vector256<float> slope = Avx.Multiply(y, Avx.Subtract(one, y));
                        Avx.Store(g + i, Avx.Multiply(Avx.LoadVector256(g + i), slope));
                    }

                    break;
                case Activation.Tanh:
                    for (int i = 0; i < vectorEnd; i += Lanes)
                    {
                        // Unfused on purpose: 1 - round(y·y) is what the reference computes.
                        Vector256<float> y = Avx.LoadVector256(a + i);
                        Vector256<float> slope = Avx.Subtract(one, Avx.Multiply(y, y));
                        Avx.Store(g + i, Avx.Multiply(Avx.LoadVector256(g + i), slope));
                    }

                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(activation));
            }
        }

        ActivationsScalar.Backward(activated[vectorEnd..], gradient[vectorEnd..], activation);
    }
}

using System.Runtime.Intrinsics;

namespace MnistNet.Native;

/// <summary>
/// Activations on portable 128-bit vectors, four elements a step; the same contract as
/// <see cref="ActivationsAvx2"/>, with sigmoid and tanh from <see cref="VectorMathVector128"/> on every element (the
/// last ones in a padded vector) and ReLU's last length % 4 through the scalar twin.
/// </summary>
internal static unsafe class ActivationsVector128
{
    private const int Lanes = 4;

    /// <summary>values[i] = f(values[i]) for f in ReLU, sigmoid, tanh.</summary>
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
                        // A compare mask, not Vector128.Max, so NaN and -0 become +0 exactly as in the reference.
                        Vector128<float> z = Vector128.Load(v + i);
                        (Vector128.GreaterThan(z, Vector128<float>.Zero) & z).Store(v + i);
                    }

                    break;
                case Activation.Sigmoid:
                    for (int i = 0; i < vectorEnd; i += Lanes)
                    {
                        VectorMathVector128.Sigmoid(Vector128.Load(v + i)).Store(v + i);
                    }

                    ForwardTail(values[vectorEnd..], VectorMathVector128.Sigmoid);
                    return;
                case Activation.Tanh:
                    for (int i = 0; i < vectorEnd; i += Lanes)
                    {
                        VectorMathVector128.Tanh(Vector128.Load(v + i)).Store(v + i);
                    }

                    ForwardTail(values[vectorEnd..], VectorMathVector128.Tanh);
                    return;
                default:
                    throw new ArgumentOutOfRangeException(nameof(activation));
            }
        }

        ActivationsScalar.Forward(values[vectorEnd..], activation);
    }

    /// <summary>The last fewer-than-four values through the vector function, padded with zeros.</summary>
    private static void ForwardTail(Span<float> tail, Func<Vector128<float>, Vector128<float>> function)
    {
        if (tail.IsEmpty)
        {
            return;
        }

        Span<float> padded = stackalloc float[Lanes];
        padded.Clear();
        tail.CopyTo(padded);
        function(Vector128.Create<float>(padded)).CopyTo(padded);
        padded[..tail.Length].CopyTo(tail);
    }

    /// <summary>gradient[i] *= f'(z[i]) from activated[i] = f(z[i]); both spans have one length.</summary>
    public static void Backward(ReadOnlySpan<float> activated, Span<float> gradient, Activation activation)
    {
        int vectorEnd = gradient.Length - gradient.Length % Lanes;
        Vector128<float> one = Vector128<float>.One;
        fixed (float* a = activated)
        fixed (float* g = gradient)
        {
            switch (activation)
            {
                case Activation.ReLU:
                    for (int i = 0; i < vectorEnd; i += Lanes)
                    {
                        // An exact 0 or 1 factor keeps inf · 0 = NaN as in the reference.
                        Vector128<float> positive = Vector128.GreaterThan(Vector128.Load(a + i), Vector128<float>.Zero);
                        Vector128<float> slope = positive & one;
                        (Vector128.Load(g + i) * slope).Store(g + i);
                    }

                    break;
                case Activation.Sigmoid:
                    for (int i = 0; i < vectorEnd; i += Lanes)
                    {
                        Vector128<float> y = Vector128.Load(a + i);
                        (Vector128.Load(g + i) * (y * (one - y))).Store(g + i);
                    }

                    break;
                case Activation.Tanh:
                    for (int i = 0; i < vectorEnd; i += Lanes)
                    {
                        Vector128<float> y = Vector128.Load(a + i);
                        (Vector128.Load(g + i) * (one - y * y)).Store(g + i);
                    }

                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(activation));
            }
        }

        ActivationsScalar.Backward(activated[vectorEnd..], gradient[vectorEnd..], activation);
    }
}

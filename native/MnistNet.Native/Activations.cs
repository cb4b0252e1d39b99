using System.Runtime.CompilerServices;

namespace MnistNet.Native;

/// <summary>
/// Element-wise activations, applied in place to a layer's output. The derivative is computed from the activated
/// value a = f(z) alone (ReLU: a &gt; 0, sigmoid: a(1 - a), tanh: 1 - a²), so the pre-activation need not be kept.
/// </summary>
public static class Activations
{
    /// <summary>values[i] = f(values[i]).</summary>
    public static void Forward(Span<float> values, Activation activation)
        => Forward(values, activation, KernelSelector.Active);

    /// <inheritdoc cref="Forward(Span{float}, Activation)"/>
    public static void Forward(Span<float> values, Activation activation, KernelPath path)
    {
        switch (KernelSelector.Require(path))
        {
            case KernelPath.Avx2:
                ActivationsAvx2.Forward(values, activation);
                break;
            case KernelPath.Vector128:
                ActivationsVector128.Forward(values, activation);
                break;
            default:
                ActivationsScalar.Forward(values, activation);
                break;
        }
    }

    /// <summary>gradient[i] *= f'(z[i]), given activated[i] = f(z[i]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> activated, Span<float> gradient, Activation activation)
        => Backward(activated, gradient, activation, KernelSelector.Active);

    /// <inheritdoc cref="Backward(ReadOnlySpan{float}, Span{float}, Activation)"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> activated, Span<float> gradient, Activation activation,
        KernelPath path)
    {
        if (activated.Length != gradient.Length)
        {
            throw new ArgumentException(
                $"activated has {activated.Length} elements but gradient has {gradient.Length}.");
        }

        switch (KernelSelector.Require(path))
        {
            case KernelPath.Avx2:
                ActivationsAvx2.Backward(activated, gradient, activation);
                break;
            case KernelPath.Vector128:
                ActivationsVector128.Backward(activated, gradient, activation);
                break;
            default:
                ActivationsScalar.Backward(activated, gradient, activation);
                break;
        }
    }
}

/// <summary>The reference activations.</summary>
internal static class ActivationsScalar
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(Span<float> values, Activation activation)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float z = values[i];
            values[i] = activation switch
            {
                Activation.ReLU => z > 0f ? z : 0f,
                Activation.Sigmoid => 1f / (1f + MathF.Exp(-z)),
                Activation.Tanh => MathF.Tanh(z),
                _ => throw new ArgumentOutOfRangeException(nameof(activation)),
            };
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> activated, Span<float> gradient, Activation activation)
    {
        for (int i = 0; i < gradient.Length; i++)
        {
            float a = activated[i];
            gradient[i] *= activation switch
            {
                Activation.ReLU => a > 0f ? 1f : 0f,
                Activation.Sigmoid => a * (1f - a),
                Activation.Tanh => 1f - a * a,
                _ => throw new ArgumentOutOfRangeException(nameof(activation)),
            };
        }
    }
}

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
        => ActivationsScalar.Forward(values, activation);

    /// <summary>gradient[i] *= f'(z[i]), given activated[i] = f(z[i]).</summary>
    public static void Backward(ReadOnlySpan<float> activated, Span<float> gradient, Activation activation)
        => Backward(activated, gradient, activation, KernelSelector.Active);

    /// <inheritdoc cref="Backward(ReadOnlySpan{float}, Span{float}, Activation)"/>
    public static void Backward(ReadOnlySpan<float> activated, Span<float> gradient, Activation activation,
        KernelPath path)
    {
        if (activated.Length != gradient.Length)
        {
            throw new ArgumentException(
                $"activated has {activated.Length} elements but gradient has {gradient.Length}.");
        }

        ActivationsScalar.Backward(activated, gradient, activation);
    }
}

/// <summary>The reference activations.</summary>
internal static class ActivationsScalar
{
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

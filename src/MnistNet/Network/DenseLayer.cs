using MnistNet.Native;

namespace MnistNet.Network;

/// <summary>
/// A fully connected layer: Z = X·W + b, then the activation for hidden layers (the output layer leaves its
/// logits to the softmax). W is Inputs x Outputs, row-major, so a batch X (batch x Inputs) multiplies it directly.
/// Weights and biases live on aligned unmanaged memory owned by the layer.
/// </summary>
public sealed class DenseLayer : IDisposable
{
    internal DenseLayer(int inputs, int outputs, Activation? activation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);

        Inputs = inputs;
        Outputs = outputs;
        Activation = activation;
        Weights = new AlignedBuffer(inputs * outputs);
        Biases = new AlignedBuffer(outputs);
    }

    public int Inputs { get; }

    public int Outputs { get; }

    /// <summary>The hidden layers' nonlinearity; null for the output layer, whose logits go to the softmax.</summary>
    public Activation? Activation { get; }

    public int ParameterCount => Inputs * Outputs + Outputs;

    internal AlignedBuffer Weights { get; }

    internal AlignedBuffer Biases { get; }

    /// <summary>A copy of the weights, Inputs x Outputs row-major.</summary>
    public float[] GetWeights() => Weights.Span.ToArray();

    public float[] GetBiases() => Biases.Span.ToArray();

    /// <summary>
    /// Draws the weights from N(0, σ²) and zeroes the biases. He initialisation (σ² = 2 / inputs) keeps the
    /// variance of ReLU outputs steady from layer to layer; Xavier (σ² = 1 / inputs, the fan-in form) suits the
    /// symmetric sigmoid and tanh. Layers feeding the softmax use the rule of the hidden activation.
    /// </summary>
    internal void Initialize(SeededRandom random, Activation networkActivation)
    {
        double variance = networkActivation == Native.Activation.ReLU ? 2.0 / Inputs : 1.0 / Inputs;
        double sigma = Math.Sqrt(variance);

        Span<float> weights = Weights.Span;
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(random.NextGaussian() * sigma);
        }

        Biases.Clear();
    }

    public override string ToString() =>
        $"{Inputs} -> {Outputs}" + (Activation is { } activation ? $" ({activation})" : " (logits)");

    public void Dispose()
    {
        Weights.Dispose();
        Biases.Dispose();
    }
}

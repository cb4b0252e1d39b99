using MnistNet.Native;

namespace MnistNet.Network;

/// <summary>
/// Inverted dropout on the outputs of the hidden layers, for training passes only. Each output is kept with
/// probability 1 - p and then scaled by 1 / (1 - p), or set to 0; the scaling keeps the expected value of every
/// output unchanged, so prediction runs the network as it is, with nothing dropped and nothing rescaled. Masks are
/// drawn from the run's seeded generator, so a seed fixes them too.
/// </summary>
public sealed class Dropout : IDisposable
{
    private readonly SeededRandom _random;
    private readonly float _keptScale;
    private readonly AlignedBuffer[] _masks;
    private readonly AlignedBuffer[] _undropped;

    /// <param name="rate">p, the probability of dropping each hidden output: at least 0, below 1.</param>
    public Dropout(NeuralNetwork network, int capacity, double rate, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        if (rate is < 0 or >= 1 || double.IsNaN(rate))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate,
                "The dropout rate is a probability from 0 up to (not including) 1.");
        }

        Rate = rate;
        _random = random;
        _keptScale = (float)(1 / (1 - rate));

        // Hidden layers are all layers but the output layer; layer l's outputs feed layer l + 1.
        int hidden = network.Layers.Count - 1;
        _masks = new AlignedBuffer[hidden];
        _undropped = new AlignedBuffer[hidden];
        for (int l = 0; l < hidden; l++)
        {
            _masks[l] = new AlignedBuffer(capacity * network.Layers[l].Outputs);
            _undropped[l] = new AlignedBuffer(capacity * network.Layers[l].Outputs);
        }
    }

    public double Rate { get; }

    /// <summary>Reuse the last masks instead of drawing new ones, so a gradient check sees one network.</summary>
    internal bool KeepMasks { get; set; }

    /// <summary>
    /// Drops outputs of hidden layer <paramref name="layer"/> in place, after its activation. The outputs as they
    /// were are kept for the backward pass: sigmoid and tanh derive their slope from them.
    /// </summary>
    internal void Forward(int layer, Span<float> outputs)
    {
        Span<float> mask = _masks[layer].Span[..outputs.Length];
        outputs.CopyTo(_undropped[layer].Span);
        if (!KeepMasks)
        {
            for (int i = 0; i < mask.Length; i++)
            {
                mask[i] = _random.NextDouble() < Rate ? 0f : _keptScale;
            }
        }

        for (int i = 0; i < outputs.Length; i++)
        {
            outputs[i] *= mask[i];
        }
    }

    /// <summary>
    /// Passes the gradient of hidden layer <paramref name="layer"/>'s dropped outputs, or of those from
    /// <paramref name="offset"/> on, back through the mask, and returns the same outputs before dropping, for the
    /// activation's backward step.
    /// </summary>
    internal ReadOnlySpan<float> Backward(int layer, Span<float> gradient, int offset = 0)
    {
        ReadOnlySpan<float> mask = _masks[layer].Span.Slice(offset, gradient.Length);
        for (int i = 0; i < gradient.Length; i++)
        {
            gradient[i] *= mask[i];
        }

        return _undropped[layer].Span.Slice(offset, gradient.Length);
    }

    public void Dispose()
    {
        foreach (AlignedBuffer buffer in _masks.Concat(_undropped))
        {
            buffer.Dispose();
        }
    }
}

using MnistNet.Network;

namespace MnistNet.Training;

/// <summary>
/// A copy of every weight and bias of a network (about 110,000 floats for the seed network), to go back to: the
/// weights at the start of an epoch, or those of the best epoch. Arrays are numbered as the optimizer numbers
/// parameters: weights of layer 0, biases of layer 0, weights of layer 1, ...; weights in row-major order.
/// </summary>
internal sealed class ParameterSnapshot
{
    private readonly float[][] _values;

    public ParameterSnapshot(NeuralNetwork network)
    {
        _values = [.. network.Layers.SelectMany(layer => new[] { layer.GetWeights(), layer.GetBiases() })];
    }

    /// <summary>Wraps arrays read from a checkpoint; they must fit <paramref name="network"/>.</summary>
    public ParameterSnapshot(NeuralNetwork network, float[][] values)
    {
        IReadOnlyList<DenseLayer> layers = network.Layers;
        bool fits = values.Length == 2 * layers.Count && layers.Select((layer, l) =>
                values[2 * l].Length == layer.Weights.Length && values[2 * l + 1].Length == layer.Biases.Length)
            .All(fitsLayer => fitsLayer);
        if (!fits)
        {
            throw new ArgumentException($"The saved parameters do not fit a {network.Architecture} network.",
                nameof(values));
        }

        _values = values;
    }

    public IReadOnlyList<float[]> Values => _values;

    /// <summary>Overwrites the copy with the network's current parameters, reusing its arrays.</summary>
    public void Capture(NeuralNetwork network)
    {
        for (int l = 0; l < network.Layers.Count; l++)
        {
            network.Layers[l].CopyToRowMajor(network.Layers[l].Weights.Span, _values[2 * l]);
            network.Layers[l].Biases.Span.CopyTo(_values[2 * l + 1]);
        }
    }

    public void RestoreTo(NeuralNetwork network)
    {
        for (int l = 0; l < network.Layers.Count; l++)
        {
            network.Layers[l].SetWeights(_values[2 * l]);
            _values[2 * l + 1].CopyTo(network.Layers[l].Biases.Span);
        }
    }

    public static bool AllFinite(NeuralNetwork network) => network.Layers.All(layer =>
        IsFinite(layer.Weights.Span) && IsFinite(layer.Biases.Span));

    private static bool IsFinite(ReadOnlySpan<float> values)
    {
        foreach (float value in values)
        {
            if (!float.IsFinite(value))
            {
                return false;
            }
        }

        return true;
    }
}

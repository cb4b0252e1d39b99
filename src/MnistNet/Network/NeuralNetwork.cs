using System.Runtime.CompilerServices;
using MnistNet.Data;
using MnistNet.Native;
using MnistNet.Training;

namespace MnistNet.Network;

/// <summary>
/// A multilayer perceptron for 10-way classification: dense layers with one hidden activation, and a softmax over
/// the last layer's outputs. It carries the record of how it was trained, so a saved network explains itself.
/// </summary>
public sealed class NeuralNetwork : IDisposable
{
    private readonly DenseLayer[] _layers;
    private readonly List<EpochRecord> _history = [];

    /// <summary>Creates a network with freshly initialised weights (He for ReLU, Xavier otherwise).</summary>
    /// <param name="layerSizes">Input size, hidden sizes, output size; e.g. 784, 128, 64, 10.</param>
    public NeuralNetwork(IReadOnlyList<int> layerSizes, Activation activation, int seed)
        : this(layerSizes, activation)
    {
        Seed = seed;
        var random = new SeededRandom(seed);
        foreach (DenseLayer layer in _layers)
        {
            layer.Initialize(random, activation);
        }
    }

    /// <summary>Creates a network whose weights are all zero, to be filled from a file.</summary>
    internal NeuralNetwork(IReadOnlyList<int> layerSizes, Activation activation)
    {
        ArgumentNullException.ThrowIfNull(layerSizes);
        if (layerSizes.Count < 2)
        {
            throw new ArgumentException("A network needs at least an input size and an output size.",
                nameof(layerSizes));
        }

        if (SizeProblem(layerSizes) is string problem)
        {
            throw new ArgumentOutOfRangeException(nameof(layerSizes), problem);
        }

        Activation = activation;
        _layers = new DenseLayer[layerSizes.Count - 1];
        for (int l = 0; l < _layers.Length; l++)
        {
            bool isOutput = l == _layers.Length - 1;
            _layers[l] = new DenseLayer(layerSizes[l], layerSizes[l + 1], isOutput ? null : activation);
        }
    }

    /// <summary>
    /// The most weights and biases a network may have, all layers together. Its files, its checkpoints (which also
    /// hold the optimizer's state, up to twice the parameters again) and the indices into its buffers are built on
    /// 32-bit sizes; this bound keeps every one of them in range.
    /// </summary>
    public const long MaxParameters = 1L << 27;

    /// <summary>
    /// Why a network of these layer sizes cannot be made (a layer without units, or more than
    /// <see cref="MaxParameters"/> parameters), or null when it can; checked before anything is allocated.
    /// </summary>
    public static string? SizeProblem(IReadOnlyList<int> layerSizes)
    {
        ArgumentNullException.ThrowIfNull(layerSizes);
        if (layerSizes.Any(size => size < 1))
        {
            return "Every layer needs at least 1 unit.";
        }

        long parameters = 0;
        for (int l = 0; l + 1 < layerSizes.Count; l++)
        {
            parameters += ((long)layerSizes[l] + 1) * layerSizes[l + 1];
        }

        return parameters <= MaxParameters ? null : string.Format(System.Globalization.CultureInfo.InvariantCulture,
            "A {0} network would have {1:N0} weights and biases; at most {2:N0} are supported.",
            string.Join("-", layerSizes), parameters, MaxParameters);
    }

    /// <summary>Creates the usual digit reader: 784 inputs, the given hidden layers, 10 outputs.</summary>
    public static NeuralNetwork ForMnist(IReadOnlyList<int> hiddenLayers, Activation activation, int seed)
    {
        ArgumentNullException.ThrowIfNull(hiddenLayers);
        return new NeuralNetwork([MnistSample.PixelCount, .. hiddenLayers, MnistSample.ClassCount], activation, seed);
    }

    public IReadOnlyList<DenseLayer> Layers
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _layers;
    }

    public Activation Activation { get; }

    public int InputSize => _layers[0].Inputs;

    public int OutputSize => _layers[^1].Outputs;

    /// <summary>Sizes from input to output, e.g. 784, 128, 64, 10.</summary>
    public IReadOnlyList<int> LayerSizes => [InputSize, .. _layers.Select(layer => layer.Outputs)];

    /// <summary>The sizes joined by dashes, e.g. "784-128-64-10".</summary>
    public string Architecture => string.Join("-", LayerSizes);

    public int ParameterCount => _layers.Sum(layer => layer.ParameterCount);

    /// <summary>The seed the weights were initialised from, when known.</summary>
    public int? Seed { get; internal set; }

    /// <summary>The settings of the most recent training run, or null for an untrained network.</summary>
    public TrainingOptions? TrainedWith { get; internal set; }

    /// <summary>One record per epoch trained, across all training runs, in order.</summary>
    public IReadOnlyList<EpochRecord> History => _history;

    public int EpochsTrained => _history.Count;

    /// <summary>True once <see cref="Dispose"/> has freed the weights; the network can no longer be used.</summary>
    public bool IsDisposed { get; private set; }

    internal void AddEpoch(EpochRecord record) => _history.Add(record);

    internal void ReplaceHistory(IEnumerable<EpochRecord> records)
    {
        _history.Clear();
        _history.AddRange(records);
    }

    public override string ToString() =>
        $"{Architecture} {Activation} network, {EpochsTrained} epoch{(EpochsTrained == 1 ? "" : "s")} trained";

    /// <summary>
    /// Throws when the network has been disposed, naming the network, where the first use of a freed weight buffer
    /// would otherwise report an AlignedBuffer that the caller has never heard of.
    /// </summary>
    internal void ThrowIfDisposed()
    {
        if (IsDisposed)
        {
            throw new ObjectDisposedException(nameof(NeuralNetwork),
                $"The {Architecture} {Activation} network was disposed, so its weights are gone; load it again or " +
                "create a new one.");
        }
    }

    public void Dispose()
    {
        IsDisposed = true;
        foreach (DenseLayer layer in _layers)
        {
            layer.Dispose();
        }
    }
}

using MnistNet.Native;
using MnistNet.Network;

namespace MnistNet.Training;

/// <summary>How the gradients of a batch move the weights.</summary>
public enum OptimizerKind
{
    /// <summary>Plain gradient descent: w -= lr · g. With a full batch this is the textbook method.</summary>
    Sgd,

    /// <summary>Gradient descent with momentum 0.9, which smooths the steps and speeds up progress in ravines.</summary>
    Momentum,

    /// <summary>Adam (β1 = 0.9, β2 = 0.999, ε = 1e-8): per-weight step sizes from running gradient moments.</summary>
    Adam,
}

/// <summary>
/// Applies one optimizer's update to every weight and bias of a network, keeping the per-parameter state (velocity,
/// moments) on aligned memory of its own.
/// </summary>
public sealed class Optimizer : IDisposable
{
    public const float MomentumCoefficient = 0.9f;
    public const float Beta1 = 0.9f;
    public const float Beta2 = 0.999f;
    public const float Epsilon = 1e-8f;

    private readonly NeuralNetwork _network;
    private readonly AlignedBuffer[] _firstState;
    private readonly AlignedBuffer[] _secondState;

    public Optimizer(NeuralNetwork network, OptimizerKind kind, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!(learningRate > 0) || double.IsInfinity(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate,
                "The learning rate must be a positive number.");
        }

        _network = network;
        Kind = kind;
        LearningRate = learningRate;

        // Parameters are numbered weights of layer 0, biases of layer 0, weights of layer 1, ...
        int[] sizes = network.Layers.SelectMany(layer => new[] { layer.Inputs * layer.Outputs, layer.Outputs })
            .ToArray();
        int firstCount = kind == OptimizerKind.Sgd ? 0 : sizes.Length;
        int secondCount = kind == OptimizerKind.Adam ? sizes.Length : 0;
        _firstState = sizes.Take(firstCount).Select(size => new AlignedBuffer(size)).ToArray();
        _secondState = sizes.Take(secondCount).Select(size => new AlignedBuffer(size)).ToArray();
    }

    public OptimizerKind Kind { get; }

    public double LearningRate { get; }

    /// <summary>Number of updates applied so far (Adam's t).</summary>
    public long Step { get; private set; }

    /// <summary>The learning rate each optimizer starts from when the user gives none.</summary>
    public static double DefaultLearningRate(OptimizerKind kind) => kind switch
    {
        OptimizerKind.Sgd => 0.1,
        OptimizerKind.Momentum => 0.01,
        OptimizerKind.Adam => 0.001,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Moves every parameter against the gradients the workspace holds from its last backward pass.</summary>
    public void Apply(NetworkWorkspace gradients)
    {
        ArgumentNullException.ThrowIfNull(gradients);

        Step++;
        IReadOnlyList<DenseLayer> layers = _network.Layers;
        for (int l = 0; l < layers.Count; l++)
        {
            Update(2 * l, layers[l].Weights.Span, gradients.WeightGradient(l));
            Update(2 * l + 1, layers[l].Biases.Span, gradients.BiasGradient(l));
        }
    }

    public void Dispose()
    {
        foreach (AlignedBuffer buffer in _firstState.Concat(_secondState))
        {
            buffer.Dispose();
        }
    }

    private void Update(int parameter, Span<float> weights, ReadOnlySpan<float> gradient)
    {
        float learningRate = (float)LearningRate;
        switch (Kind)
        {
            case OptimizerKind.Sgd:
                OptimizerKernels.SgdStep(weights, gradient, learningRate);
                break;
            case OptimizerKind.Momentum:
                OptimizerKernels.MomentumStep(weights, gradient, _firstState[parameter].Span, learningRate,
                    MomentumCoefficient);
                break;
            case OptimizerKind.Adam:
                OptimizerKernels.AdamStep(weights, gradient, _firstState[parameter].Span,
                    _secondState[parameter].Span, learningRate, Beta1, Beta2, Epsilon, Step);
                break;
        }
    }
}

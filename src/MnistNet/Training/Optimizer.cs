using System.Runtime.CompilerServices;
using MnistNet.Native;
using MnistNet.Network;

namespace MnistNet.Training;

/// <summary>
/// Applies one optimizer's update to every weight and bias of a network, keeping the per-parameter state (velocity,
/// moments) on aligned memory of its own. Before the update, gradients are clipped to a global L2 norm when a limit
/// is set, and weight decay is applied to the weights (not the biases, whose size does not make a network overfit):
/// as an L2 term λ · w added to the gradient for every optimizer but AdamW, which decays the weights directly.
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
    private double _learningRate;

    public Optimizer(NeuralNetwork network, OptimizerKind kind, double learningRate, double weightDecay = 0,
        double gradientClip = 0)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown optimizer.");
        }

        if (!(weightDecay >= 0) || double.IsInfinity(weightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay,
                "The weight decay must be zero or a positive number.");
        }

        if (!(gradientClip >= 0) || double.IsInfinity(gradientClip))
        {
            throw new ArgumentOutOfRangeException(nameof(gradientClip), gradientClip,
                "The gradient clipping norm must be zero (no clipping) or a positive number.");
        }

        _network = network;
        Kind = kind;
        LearningRate = learningRate;
        WeightDecay = weightDecay;
        GradientClip = gradientClip;

        // Parameters are numbered weights of layer 0, biases of layer 0, weights of layer 1, ...
        int[] sizes = network.Layers.SelectMany(layer => new[] { layer.Inputs * layer.Outputs, layer.Outputs })
            .ToArray();
        bool isAdam = kind is OptimizerKind.Adam or OptimizerKind.AdamW;
        int firstCount = kind == OptimizerKind.Sgd ? 0 : sizes.Length;
        int secondCount = isAdam ? sizes.Length : 0;
        _firstState = sizes.Take(firstCount).Select(size => new AlignedBuffer(size)).ToArray();
        _secondState = sizes.Take(secondCount).Select(size => new AlignedBuffer(size)).ToArray();
    }

    public OptimizerKind Kind { get; }

    /// <summary>The step size of the next update; a schedule may change it between updates.</summary>
    public double LearningRate
    {
        get => _learningRate;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        set
        {
            if (!(value > 0) || double.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(nameof(LearningRate), value,
                    "The learning rate must be a positive number.");
            }

            _learningRate = value;
        }
    }

    /// <summary>λ: L2 penalty for Sgd, Momentum, Nesterov and Adam; decoupled for AdamW. 0 turns it off.</summary>
    public double WeightDecay { get; }

    /// <summary>The largest global L2 norm the gradients may have; 0 means no clipping.</summary>
    public double GradientClip { get; }

    /// <summary>Number of updates applied so far (Adam's t).</summary>
    public long Step { get; private set; }

    /// <summary>The learning rate each optimizer starts from when the user gives none.</summary>
    public static double DefaultLearningRate(OptimizerKind kind) => kind switch
    {
        OptimizerKind.Sgd => 0.1,
        OptimizerKind.Momentum or OptimizerKind.Nesterov => 0.01,
        OptimizerKind.Adam or OptimizerKind.AdamW => 0.001,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// Moves every parameter against the gradients the workspace holds from its last backward pass. Clipping and
    /// L2 decay change those gradients in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(NetworkWorkspace gradients)
    {
        ArgumentNullException.ThrowIfNull(gradients);

        IReadOnlyList<DenseLayer> layers = _network.Layers;
        if (GradientClip > 0)
        {
            GradientClipping.Clip(gradients, layers.Count, GradientClip);
        }

        Step++;
        for (int l = 0; l < layers.Count; l++)
        {
            DenseLayer layer = layers[l];
            Update(2 * l, layer.Weights.Span, gradients.WeightGradient(l), (float)WeightDecay,
                gradients.UpdateSplit(l));
            Update(2 * l + 1, layer.Biases.Span, gradients.BiasGradient(l), 0f, (0, 0));
        }
    }

    /// <summary>
    /// A copy of the optimizer's state: the step count and one array per state buffer (velocities, or first moments
    /// then second moments), numbered as the parameters are, the weights' in row-major order.
    /// </summary>
    public (long Step, float[][] Buffers) SaveState()
    {
        AlignedBuffer[] state = [.. _firstState, .. _secondState];
        var buffers = new float[state.Length][];
        for (int i = 0; i < state.Length; i++)
        {
            buffers[i] = new float[state[i].Length];
            if (WeightsOf(i) is { } layer)
            {
                layer.CopyToRowMajor(state[i].Span, buffers[i]);
            }
            else
            {
                state[i].Span.CopyTo(buffers[i]);
            }
        }

        return (Step, buffers);
    }

    /// <summary>Puts back a state from <see cref="SaveState"/> of an optimizer of this kind and network.</summary>
    public void RestoreState(long step, IReadOnlyList<float[]> buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        AlignedBuffer[] state = [.. _firstState, .. _secondState];
        if (buffers.Count != state.Length || buffers.Where((values, i) => values.Length != state[i].Length).Any())
        {
            throw new ArgumentException(
                $"The saved optimizer state does not fit a {Kind} optimizer of a {_network.Architecture} network.",
                nameof(buffers));
        }

        for (int i = 0; i < state.Length; i++)
        {
            if (WeightsOf(i) is { } layer)
            {
                layer.CopyFromRowMajor(buffers[i], state[i].Span);
            }
            else
            {
                buffers[i].CopyTo(state[i].Span);
            }
        }

        Step = step;
    }

    /// <summary>The layer whose weights state buffer <paramref name="buffer"/> belongs to; null for a bias's.</summary>
    private DenseLayer? WeightsOf(int buffer)
    {
        int parameter = buffer % (2 * _network.Layers.Count);
        return parameter % 2 == 0 ? _network.Layers[parameter / 2] : null;
    }

    public void Dispose()
    {
        foreach (AlignedBuffer buffer in _firstState.Concat(_secondState))
        {
            buffer.Dispose();
        }
    }

    /// <summary>
    /// One parameter's update; <paramref name="split"/> says how Adam splits it between threads (see
    /// <see cref="NetworkWorkspace.UpdateSplit"/>), (0, 0) for an even split.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Update(int parameter, Span<float> weights, Span<float> gradient, float decay,
        (int GradientRows, int BlockLength) split)
    {
        float learningRate = (float)LearningRate;
        if (decay != 0 && Kind != OptimizerKind.AdamW)
        {
            AddL2Gradient(gradient, weights, decay);
        }

        switch (Kind)
        {
            case OptimizerKind.Sgd:
                OptimizerKernels.SgdStep(weights, gradient, learningRate);
                break;
            case OptimizerKind.Momentum:
                OptimizerKernels.MomentumStep(weights, gradient, _firstState[parameter].Span, learningRate,
                    MomentumCoefficient);
                break;
            case OptimizerKind.Nesterov:
                NesterovStep(weights, gradient, _firstState[parameter].Span, learningRate);
                break;
            case OptimizerKind.Adam:
            case OptimizerKind.AdamW:
                if (decay != 0 && Kind == OptimizerKind.AdamW)
                {
                    Shrink(weights, 1f - learningRate * decay);
                }

                OptimizerKernels.AdamStep(weights, gradient, _firstState[parameter].Span,
                    _secondState[parameter].Span, learningRate, Beta1, Beta2, Epsilon, Step, split.GradientRows,
                    split.BlockLength);
                break;
        }
    }

    private static void AddL2Gradient(Span<float> gradient, ReadOnlySpan<float> weights, float decay)
    {
        for (int i = 0; i < gradient.Length; i++)
        {
            gradient[i] += decay * weights[i];
        }
    }

    private static void Shrink(Span<float> weights, float factor)
    {
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] *= factor;
        }
    }

    private static void NesterovStep(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> velocity,
        float learningRate)
    {
        for (int i = 0; i < weights.Length; i++)
        {
            velocity[i] = MomentumCoefficient * velocity[i] + gradient[i];
            weights[i] -= learningRate * (gradient[i] + MomentumCoefficient * velocity[i]);
        }
    }
}

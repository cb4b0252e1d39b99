using System.Runtime.CompilerServices;
using MnistNet.Native;

namespace MnistNet.Network;

/// <summary>
/// A fully connected layer: Z = X·W + b, then the activation for hidden layers (the output layer leaves its
/// logits to the softmax). W is Inputs x Outputs; a batch X (batch x Inputs) multiplies it directly. Weights and
/// biases live on aligned unmanaged memory owned by the layer.
/// </summary>
/// <remarks>
/// A hidden layer wider than <see cref="BlockWidth"/> keeps W in column blocks: the first BlockWidth columns as
/// one row-major Inputs x BlockWidth matrix, then the next, and so on; its outputs and their gradients are laid
/// out the same way in <see cref="NetworkWorkspace"/>. With two threads each block, its gradient and its optimizer
/// state are then contiguous memory that one core reads and writes all through a training step, where row-major
/// columns interleaved the two cores' halves every 256 bytes and their cache lines crossed between the cores on
/// every step. Every element is still computed by the same arithmetic, so the layout changes no result.
/// <see cref="GetWeights"/>, <see cref="SetWeights"/> and the network file use the plain row-major order.
/// </remarks>
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

    public int Inputs { [MethodImpl(MethodImplOptions.AggressiveInlining)] get; }

    public int Outputs { [MethodImpl(MethodImplOptions.AggressiveInlining)] get; }

    /// <summary>The hidden layers' nonlinearity; null for the output layer, whose logits go to the softmax.</summary>
    public Activation? Activation { get; }

    public int ParameterCount => Inputs * Outputs + Outputs;

    /// <summary>The weights in the layer's own layout: column blocks for a wide hidden layer (see remarks).</summary>
    internal AlignedBuffer Weights { get; }

    internal AlignedBuffer Biases { get; }

    /// <summary>The width of the column blocks of a wide hidden layer's weights and outputs.</summary>
    internal const int BlockWidth = 64;

    /// <summary>How many column blocks: 1 for the output layer and for hidden layers up to BlockWidth wide.</summary>
    internal int BlockCount
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => Activation is null ? 1 : (Outputs + BlockWidth - 1) / BlockWidth;
    }

    /// <summary>The first column and the width of column block <paramref name="block"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal (int Start, int Width) Block(int block) => BlockCount == 1
        ? (0, Outputs)
        : (block * BlockWidth, Math.Min(BlockWidth, Outputs - block * BlockWidth));

    /// <summary>Column block <paramref name="block"/> of W: a row-major Inputs x width matrix.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal Span<float> WeightBlock(int block)
    {
        (int start, int width) = Block(block);
        return Weights.Span.Slice(Inputs * start, Inputs * width);
    }

    /// <summary>Where W[row, column] is kept in <see cref="Weights"/>.</summary>
    internal int WeightIndex(int row, int column)
    {
        (int start, int width) = Block(BlockCount == 1 ? 0 : column / BlockWidth);
        return Inputs * start + row * width + column - start;
    }

    /// <summary>A copy of the weights, Inputs x Outputs row-major.</summary>
    public float[] GetWeights()
    {
        var weights = new float[Inputs * Outputs];
        CopyToRowMajor(Weights.Span, weights);
        return weights;
    }

    /// <summary>Replaces the weights with Inputs x Outputs row-major values.</summary>
    internal void SetWeights(ReadOnlySpan<float> rowMajor) => CopyFromRowMajor(rowMajor, Weights.Span);

    /// <summary>Copies values laid out like <see cref="Weights"/> (a gradient, optimizer state) to row-major.</summary>
    internal void CopyToRowMajor(ReadOnlySpan<float> layerOrder, Span<float> rowMajor) =>
        CopyRows(layerOrder, rowMajor, toRowMajor: true);

    /// <summary>Copies row-major values into the layout of <see cref="Weights"/>.</summary>
    internal void CopyFromRowMajor(ReadOnlySpan<float> rowMajor, Span<float> layerOrder) =>
        CopyRows(rowMajor, layerOrder, toRowMajor: false);

    /// <summary>Copies each row of each column block between the layer's layout and row-major order.</summary>
    private void CopyRows(ReadOnlySpan<float> source, Span<float> destination, bool toRowMajor)
    {
        RequireWeightCount(source.Length, destination.Length);
        for (int block = 0; block < BlockCount; block++)
        {
            (int start, int width) = Block(block);
            for (int row = 0; row < Inputs; row++)
            {
                int inBlock = Inputs * start + row * width;
                int inRowMajor = row * Outputs + start;
                source.Slice(toRowMajor ? inBlock : inRowMajor, width)
                    .CopyTo(destination.Slice(toRowMajor ? inRowMajor : inBlock, width));
            }
        }
    }

    private void RequireWeightCount(int sourceLength, int destinationLength)
    {
        if (sourceLength != Inputs * Outputs || destinationLength != Inputs * Outputs)
        {
            throw new ArgumentException(
                $"A {Inputs} x {Outputs} layer has {Inputs * Outputs} weights; got {sourceLength} to copy into " +
                $"{destinationLength}.");
        }
    }

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

        // Drawn in row-major order, so that a seed gives the same network whatever the layout.
        Span<float> weights = Weights.Span;
        for (int row = 0; row < Inputs; row++)
        {
            for (int column = 0; column < Outputs; column++)
            {
                weights[WeightIndex(row, column)] = (float)(random.NextGaussian() * sigma);
            }
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

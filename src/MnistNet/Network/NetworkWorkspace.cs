using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MnistNet.Data;
using MnistNet.Native;

namespace MnistNet.Network;

/// <summary>
/// The scratch memory for running a network on batches of up to <see cref="Capacity"/> images, and the forward
/// and backward passes over it. Allocated once and reused for every batch, so a training step allocates nothing.
/// Notation: B is the batch size, A[0] the input batch (B x 784, pixels scaled to 0..1), A[l] the output of layer
/// l, dZ[l] the gradient of the mean loss with respect to layer l's pre-activation, dW[l] and db[l] the gradients
/// of its parameters. A[l] and dZ[l-1] of a hidden layer wider than <see cref="DenseLayer.BlockWidth"/> are kept in
/// the layer's column blocks, each a dense B x width matrix, one after the other (see <see cref="DenseLayer"/>).
/// </summary>
/// <remarks>The per-step methods skip tiered compilation; <see cref="Gemm"/> says why.</remarks>
public sealed unsafe partial class NetworkWorkspace : IDisposable
{
    // A handle to this workspace for the backward parts that run on kernel threads, made once so that a step
    // allocates nothing.
    private nint _self;

    private readonly NeuralNetwork _network;
    private readonly AlignedBuffer[] _activations;
    private readonly AlignedBuffer[] _deltas;
    private readonly AlignedBuffer[] _weightGradients;
    private readonly AlignedBuffer[] _biasGradients;
    private readonly byte[] _labels;
    private readonly float[] _rowLosses;
    private int _lastBatchSize;

    /// <summary>
    /// The most values one buffer of a workspace may hold (4 GiB of floats): a batch's rows times a layer's width.
    /// The kernels index a buffer with 32-bit integers, and this leaves them room to spare.
    /// </summary>
    public const long MaxBufferValues = 1L << 30;

    /// <summary>
    /// Why batches of <paramref name="capacity"/> rows cannot pass through <paramref name="network"/> (a buffer
    /// for its widest layer would be too large), or null when they can.
    /// </summary>
    public static string? CapacityProblem(NeuralNetwork network, int capacity)
    {
        ArgumentNullException.ThrowIfNull(network);
        int widest = network.LayerSizes.Max();
        long values = (long)capacity * widest;
        return values <= MaxBufferValues ? null : string.Format(CultureInfo.InvariantCulture,
            "A batch of {0:N0} images through a layer of {1:N0} units needs {2:N0} values in one buffer; at most " +
            "{3:N0} fit.", capacity, widest, values, MaxBufferValues);
    }

    public NetworkWorkspace(NeuralNetwork network, int capacity, bool forTraining)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        if (CapacityProblem(network, capacity) is string problem)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), problem);
        }

        _network = network;
        Capacity = capacity;
        IReadOnlyList<DenseLayer> layers = network.Layers;

        _activations = new AlignedBuffer[layers.Count + 1];
        _activations[0] = new AlignedBuffer(capacity * layers[0].Inputs);
        for (int l = 0; l < layers.Count; l++)
        {
            _activations[l + 1] = new AlignedBuffer(capacity * layers[l].Outputs);
        }

        int gradientLayers = forTraining ? layers.Count : 0;
        _deltas = new AlignedBuffer[gradientLayers];
        _weightGradients = new AlignedBuffer[gradientLayers];
        _biasGradients = new AlignedBuffer[gradientLayers];
        for (int l = 0; l < gradientLayers; l++)
        {
            _deltas[l] = new AlignedBuffer(capacity * layers[l].Outputs);
            _weightGradients[l] = new AlignedBuffer(layers[l].Inputs * layers[l].Outputs);
            _biasGradients[l] = new AlignedBuffer(layers[l].Outputs);
        }

        _labels = new byte[capacity];
        _rowLosses = new float[capacity];
        _self = GCHandle.ToIntPtr(GCHandle.Alloc(this, GCHandleType.Weak));
    }

    public int Capacity { get; }

    public bool CanTrain => _deltas.Length > 0;

    /// <summary>Dropout on the hidden outputs of every forward pass, for training; null for none.</summary>
    internal Dropout? Dropout { get; set; }

    /// <summary>The output probabilities of the last forward pass: B x 10, row-major.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<float> Probabilities(int batchSize) =>
        _activations[^1].Span[..(batchSize * _network.OutputSize)];

    public ReadOnlySpan<byte> Labels(int batchSize) => _labels.AsSpan(0, batchSize);

    internal Span<float> WeightGradient(int layer) => _weightGradients[layer].Span;

    internal Span<float> BiasGradient(int layer) => _biasGradients[layer].Span;

    /// <summary>Copies images data[indices[i]] into the input batch, scaled to 0..1, with any labels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void LoadBatch(MnistDataset data, ReadOnlySpan<int> indices)
    {
        CheckBatchSize(indices.Length);
        RequireInputSize();

        PixelScaling.GatherToUnitRange(data.Pixels, indices, MnistSample.PixelCount, _activations[0].Span);
        ReadOnlySpan<byte> labels = data.Labels;
        for (int i = 0; i < indices.Length; i++)
        {
            _labels[i] = labels.IsEmpty ? (byte)0 : labels[indices[i]];
        }
    }

    /// <summary>Copies images [start, start + count) of the data into the input batch.</summary>
    public void LoadRange(MnistDataset data, int start, int count)
    {
        CheckBatchSize(count);
        RequireInputSize();

        ReadOnlySpan<byte> pixels = data.Pixels.Slice(start * MnistSample.PixelCount, count * MnistSample.PixelCount);
        PixelScaling.ToUnitRange(pixels, _activations[0].Span[..pixels.Length]);
        if (data.HasLabels)
        {
            data.Labels.Slice(start, count).CopyTo(_labels);
        }
    }

    /// <summary>Puts one image (784 grey levels 0..255) at row <paramref name="row"/> of the input batch.</summary>
    public void LoadImage(int row, ReadOnlySpan<byte> pixels, int label = 0)
    {
        CheckBatchSize(row + 1);
        RequireInputSize();
        if (pixels.Length != MnistSample.PixelCount)
        {
            throw new ArgumentException($"An image has {MnistSample.PixelCount} pixels; {pixels.Length} given.");
        }

        PixelScaling.ToUnitRange(pixels,
            _activations[0].Span.Slice(row * MnistSample.PixelCount, MnistSample.PixelCount));
        _labels[row] = (byte)label;
    }

    /// <summary>
    /// The input rows and labels of a batch of <paramref name="batchSize"/>, for a loader that writes them in place
    /// (such as augmentation, which would otherwise fill a buffer of its own only to have it copied here).
    /// </summary>
    internal Span<float> InputsToFill(int batchSize, out Span<byte> labels)
    {
        CheckBatchSize(batchSize);
        labels = _labels.AsSpan(0, batchSize);
        return _activations[0].Span[..(batchSize * _network.InputSize)];
    }

    /// <summary>Loads raw input rows (batch x inputs, already scaled) and labels, for any input size.</summary>
    internal void LoadInputs(ReadOnlySpan<float> inputs, ReadOnlySpan<byte> labels)
    {
        CheckBatchSize(labels.Length);
        inputs.CopyTo(_activations[0].Span);
        labels.CopyTo(_labels);
    }

    /// <summary>
    /// Runs the loaded batch through the network, leaving the probabilities in the last activation buffer.
    /// Returns the summed cross-entropy over the batch when <paramref name="withLoss"/>, else 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Forward(int batchSize, bool withLoss)
    {
        CheckBatchSize(batchSize);

        IReadOnlyList<DenseLayer> layers = _network.Layers;
        int rowChain = RowChainStart(batchSize);
        for (int l = 0; l < rowChain; l++)
        {
            DenseLayer layer = layers[l];
            var job = new LayerJob { Workspace = _self, Layer = l, BatchSize = batchSize };
            if (RunsBlocksOnOwnThreads(layer, batchSize))
            {
                KernelThreads.RunParts(&ForwardBlocksPart, &job, maxParts: layer.BlockCount);
            }
            else if (RunsInputBlocksOnOwnThreads(l, batchSize) || (layer.BlockCount > 1 && Shares(layer, batchSize)))
            {
                KernelThreads.RunParts(&ForwardRowsPart, &job, maxParts: KernelThreads.ThreadCount);
            }
            else
            {
                ForwardBlocks(l, batchSize, 0, layer.BlockCount, 0, batchSize);
            }

            if (layer.Activation is not null)
            {
                Dropout?.Forward(l, _activations[l + 1].Span[..(batchSize * layer.Outputs)]);
            }
        }

        if (rowChain < layers.Count)
        {
            var chain = new LayerJob
            {
                Workspace = _self, Layer = rowChain, BatchSize = batchSize, WithLoss = withLoss,
            };
            KernelThreads.RunParts(&ForwardChainPart, &chain, maxParts: KernelThreads.ThreadCount);
            return withLoss ? SumInOrder(_rowLosses.AsSpan(0, batchSize)) : 0;
        }

        ReadOnlySpan<byte> labels = withLoss ? _labels.AsSpan(0, batchSize) : default;
        return SoftmaxCrossEntropy.Forward(_activations[^1].Span, labels, batchSize, _network.OutputSize);
    }

    /// <summary>The row losses added in row order: the same sum, bit for bit, as one softmax call makes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double SumInOrder(ReadOnlySpan<float> rowLosses)
    {
        double total = 0;
        foreach (float loss in rowLosses)
        {
            total += loss;
        }

        return total;
    }

    /// <summary>
    /// Backpropagates the mean loss of the last forward pass (which must have had labels), filling the weight and
    /// bias gradients of every layer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Backward(int batchSize)
    {
        CheckBatchSize(batchSize);
        if (!CanTrain)
        {
            throw new InvalidOperationException("This workspace was created for prediction only.");
        }

        _lastBatchSize = batchSize;
        IReadOnlyList<DenseLayer> layers = _network.Layers;
        int last = layers.Count - 1;
        SoftmaxCrossEntropy.Backward(_activations[^1].Span, _labels.AsSpan(0, batchSize), _deltas[last].Span,
            batchSize, _network.OutputSize, 1f / batchSize);

        for (int l = last; l >= 0; l--)
        {
            DenseLayer layer = layers[l];
            var job = new LayerJob { Workspace = _self, Layer = l, BatchSize = batchSize };
            if (RunsInputBlocksOnOwnThreads(l, batchSize))
            {
                KernelThreads.RunParts(&BackwardInputBlocksPart, &job, maxParts: InputBlocks(l));
                continue;
            }

            if (l > 0 && RunsProductsSideBySide(layer, batchSize))
            {
                KernelThreads.RunParts(&BackwardPart, &job, maxParts: 2);
                continue;
            }

            if (RunsBlocksOnOwnThreads(layer, batchSize))
            {
                KernelThreads.RunParts(&ParameterGradientBlocksPart, &job, maxParts: layer.BlockCount);
            }
            else
            {
                ParameterGradients(l, batchSize, 0, layer.BlockCount);
            }

            if (l > 0)
            {
                GradientBelow(l, batchSize);
            }
        }
    }

    /// <summary>Column block <paramref name="block"/> of a B x layer.Outputs matrix in the layer's blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Span<float> BlockOf(AlignedBuffer buffer, DenseLayer layer, int block, int batchSize)
    {
        (int start, int width) = layer.Block(block);
        return buffer.Span.Slice(batchSize * start, batchSize * width);
    }

    /// <summary>How many blocks layer l's input comes in: A[0] is one; a layer below has its column blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int InputBlocks(int l) => l == 0 ? 1 : _network.Layers[l - 1].BlockCount;

    /// <summary>
    /// Block c of layer l's input (of A[l], or of dZ[l-1] when <paramref name="gradient"/>), with the rows of W
    /// it multiplies: [start, start + width).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Span<float> InputBlock(int l, int c, int batchSize, bool gradient, out int start, out int width)
    {
        if (l == 0)
        {
            (start, width) = (0, _network.Layers[0].Inputs);
            return _activations[0].Span[..(batchSize * width)];
        }

        DenseLayer below = _network.Layers[l - 1];
        (start, width) = below.Block(c);
        return BlockOf(gradient ? _deltas[l - 1] : _activations[l], below, c, batchSize);
    }

    /// <summary>
    /// Z = A[l] · W + b and the activation for output blocks [first, end) of layer l, batch rows [firstRow,
    /// endRow). Over an input in several blocks the product continues each element's sum from one block to the next
    /// (accumulating into Z), which is the same arithmetic as one product over the whole input.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ForwardBlocks(int l, int batchSize, int first, int end, int firstRow, int endRow)
    {
        DenseLayer layer = _network.Layers[l];
        int inputBlocks = InputBlocks(l);
        int rowCount = endRow - firstRow;
        for (int b = first; b < end; b++)
        {
            (int start, int width) = layer.Block(b);
            Span<float> output = BlockOf(_activations[l + 1], layer, b, batchSize).Slice(firstRow * width,
                rowCount * width);
            Span<float> weights = layer.WeightBlock(b);
            ReadOnlySpan<float> bias = layer.Biases.Span.Slice(start, width);
            if (inputBlocks == 1)
            {
                Span<float> input = InputBlock(l, 0, batchSize, false, out _, out int inputs);
                Gemm.MultiplyNNBiasActivation(input.Slice(firstRow * inputs, rowCount * inputs), weights, bias,
                    output, rowCount, inputs, width, layer.Activation);
                continue;
            }

            for (int c = 0; c < inputBlocks; c++)
            {
                Span<float> input = InputBlock(l, c, batchSize, false, out int rows, out int depth);
                Gemm.MultiplyNN(input.Slice(firstRow * depth, rowCount * depth), weights.Slice(rows * width,
                    depth * width), output, rowCount, depth, width, accumulate: c > 0);
            }

            Bias.Add(output, bias, rowCount, width);
            if (layer.Activation is { } activation)
            {
                Activations.Forward(output, activation);
            }
        }
    }

    /// <summary>
    /// dW[l] = A[l]ᵀ · dZ[l] and db[l] = the column sums of dZ[l], for output blocks [first, end): each block of dW
    /// (rows by the input's blocks) is a product of its own.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ParameterGradients(int l, int batchSize, int first, int end)
    {
        for (int b = first; b < end; b++)
        {
            for (int c = 0; c < InputBlocks(l); c++)
            {
                WeightGradientPart(l, batchSize, b, c);
            }
        }

        BiasGradients(l, batchSize, first, end);
    }

    /// <summary>The rows of output block b of dW[l] that input block c multiplies: (A[l] block c)ᵀ · dZ[l] block b.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WeightGradientPart(int l, int batchSize, int b, int c)
    {
        DenseLayer layer = _network.Layers[l];
        (int start, int width) = layer.Block(b);
        Span<float> input = InputBlock(l, c, batchSize, false, out int rows, out int depth);
        Span<float> gradient = _weightGradients[l].Span.Slice(layer.Inputs * start + rows * width, depth * width);
        Gemm.MultiplyTN(input, BlockOf(_deltas[l], layer, b, batchSize), gradient, depth, batchSize, width);
    }

    /// <summary>db[l] = the column sums of dZ[l], for output blocks [first, end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BiasGradients(int l, int batchSize, int first, int end)
    {
        DenseLayer layer = _network.Layers[l];
        for (int b = first; b < end; b++)
        {
            (int start, int width) = layer.Block(b);
            Bias.Gradient(BlockOf(_deltas[l], layer, b, batchSize), _biasGradients[l].Span.Slice(start, width),
                batchSize, width);
        }
    }

    /// <summary>
    /// What input block c of layer l contributes to its backward pass: the rows of dW[l] it multiplies and its
    /// block of dZ[l-1], passed back through layer l-1's dropout and activation.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void InputBlockGradients(int l, int batchSize, int c)
    {
        for (int b = 0; b < _network.Layers[l].BlockCount; b++)
        {
            WeightGradientPart(l, batchSize, b, c);
        }

        Span<float> below = GradientBelowBlock(l, batchSize, c, out int rows);
        PassBack(l, below, batchSize * rows);
    }

    /// <summary>
    /// dZ[l-1] = dZ[l] · W[l]ᵀ, passed back through layer l-1's dropout and activation.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void GradientBelow(int l, int batchSize)
    {
        for (int c = 0; c < InputBlocks(l); c++)
        {
            GradientBelowBlock(l, batchSize, c, out _);
        }

        PassBack(l, _deltas[l - 1].Span[..(batchSize * _network.Layers[l].Inputs)], 0);
    }

    /// <summary>
    /// Block c of dZ[l-1] before the layer below's dropout and activation: the sum over the output blocks of layer l
    /// in order, continuing each element's sum as one product would. <paramref name="rows"/> is the block's first
    /// column in dZ[l-1] (its first row of W).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Span<float> GradientBelowBlock(int l, int batchSize, int c, out int rows)
    {
        DenseLayer layer = _network.Layers[l];
        Span<float> below = InputBlock(l, c, batchSize, true, out rows, out int depth);
        for (int b = 0; b < layer.BlockCount; b++)
        {
            int width = layer.Block(b).Width;
            Gemm.MultiplyNT(BlockOf(_deltas[l], layer, b, batchSize), layer.WeightBlock(b).Slice(rows * width,
                depth * width), below, batchSize, width, depth, accumulate: b > 0);
        }

        return below;
    }

    /// <summary>
    /// Passes <paramref name="below"/>, the part of dZ[l-1] that starts <paramref name="offset"/> floats in, back
    /// through layer l-1's dropout and activation.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PassBack(int l, Span<float> below, int offset)
    {
        ReadOnlySpan<float> outputs = Dropout is { } dropout
            ? dropout.Backward(l - 1, below, offset)
            : _activations[l].Span.Slice(offset, below.Length);
        Activations.Backward(outputs, below, _network.Layers[l - 1].Activation!.Value);
    }

    public void Dispose()
    {
        if (_self != 0)
        {
            GCHandle.FromIntPtr(_self).Free();
            _self = 0;
        }

        foreach (AlignedBuffer buffer in _activations.Concat(_deltas).Concat(_weightGradients).Concat(_biasGradients))
        {
            buffer.Dispose();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckBatchSize(int batchSize)
    {
        if (batchSize < 0 || batchSize > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize,
                $"This workspace holds batches of 1 to {Capacity} images.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RequireInputSize()
    {
        if (_network.InputSize != MnistSample.PixelCount)
        {
            throw new InvalidOperationException(
                $"The network takes {_network.InputSize} inputs; MNIST images have {MnistSample.PixelCount}.");
        }
    }
}

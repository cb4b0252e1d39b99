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
public sealed unsafe class NetworkWorkspace : IDisposable
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

    public NetworkWorkspace(NeuralNetwork network, int capacity, bool forTraining)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);

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

    /// <summary>
    /// The first layer from which the rest of the forward pass, softmax and loss included, runs as one job in bands
    /// of rows, each thread taking its rows through every layer; the layer count when none does. Rows do not
    /// depend on each other there, so the layers after the ones split by blocks need no join between them. Not
    /// with dropout, whose masks are drawn in order over whole layers, nor for work too small to share.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int RowChainStart(int batchSize)
    {
        IReadOnlyList<DenseLayer> layers = _network.Layers;
        if (!SharesBetweenThreads || Dropout is not null)
        {
            return layers.Count;
        }

        int start = layers.Count;
        long multiplyAdds = 0;
        while (start > 0 && !RunsBlocksOnOwnThreads(layers[start - 1], batchSize))
        {
            start--;
            multiplyAdds += (long)batchSize * layers[start].Inputs * layers[start].Outputs;
        }

        return multiplyAdds >= SplitMinMultiplyAdds ? start : layers.Count;
    }

    // Below this many multiply-adds a layer's work stays on one thread, as the matrix multiply keeps such a product.
    private const long SplitMinMultiplyAdds = 256 * 1024;

    /// <summary>Whether a layer's work on a batch is worth splitting between threads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Shares(DenseLayer layer, int batchSize) =>
        SharesBetweenThreads && (long)batchSize * layer.Inputs * layer.Outputs >= SplitMinMultiplyAdds;

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

    /// <summary>
    /// Whether the column blocks of <paramref name="layer"/> are split between the threads, each thread taking the
    /// same blocks in the forward product, the weight-gradient product and the optimizer's update, so that a
    /// block's weights, gradient and state stay in one core's cache. That suits training batches; each thread then
    /// reads the whole input, so a batch with more rows than the layer has outputs (prediction's batches of 1024)
    /// is split by rows instead, as <see cref="Gemm"/> splits such a product: predicting the 10,000 test images
    /// took 14.3 ms by blocks and 11.8 ms by rows (medians of 15 runs on two threads, AMD EPYC host).
    /// </summary>
    /// <remarks>
    /// A job by blocks has no more parts than blocks: with more threads than that (four threads on MNIST's two
    /// blocks), the extra ones sit out the first layer's products and update.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool RunsBlocksOnOwnThreads(DenseLayer layer, int batchSize) =>
        layer.BlockCount > 1 && batchSize <= layer.Outputs && Shares(layer, batchSize);

    /// <summary>
    /// Whether this workspace's own jobs split work between threads. With OpenBLAS, which threads each product
    /// itself, blocks and bands run one after the other on the calling thread.
    /// </summary>
    private static bool SharesBetweenThreads
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => KernelThreads.ThreadCount > 1 && Gemm.Backend == GemmBackend.Managed;
    }

    /// <summary>
    /// Whether layer l, whose input comes in column blocks but whose output is one block, is split between the
    /// threads by its input's blocks going back (thread t computes the rows of dW and the block of dZ[l-1] that
    /// belong to input block t, the block it wrote going forward and takes again in the layer below) and by rows
    /// going forward.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool RunsInputBlocksOnOwnThreads(int l, int batchSize) =>
        InputBlocks(l) > 1 && _network.Layers[l].BlockCount == 1 && Shares(_network.Layers[l], batchSize);

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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardBlocksPart(void* context, int part, int parts)
    {
        ref LayerJob job = ref Unsafe.AsRef<LayerJob>(context);
        var workspace = (NetworkWorkspace)GCHandle.FromIntPtr(job.Workspace).Target!;
        (int first, int end) = PartBlocks(workspace._network.Layers[job.Layer], part, parts);
        workspace.ForwardBlocks(job.Layer, job.BatchSize, first, end, 0, job.BatchSize);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ParameterGradientBlocksPart(void* context, int part, int parts)
    {
        ref LayerJob job = ref Unsafe.AsRef<LayerJob>(context);
        var workspace = (NetworkWorkspace)GCHandle.FromIntPtr(job.Workspace).Target!;
        (int first, int end) = PartBlocks(workspace._network.Layers[job.Layer], part, parts);
        workspace.ParameterGradients(job.Layer, job.BatchSize, first, end);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRowsPart(void* context, int part, int parts)
    {
        ref LayerJob job = ref Unsafe.AsRef<LayerJob>(context);
        var workspace = (NetworkWorkspace)GCHandle.FromIntPtr(job.Workspace).Target!;
        (int firstRow, int endRow) = RowBand(job.BatchSize, part, parts);
        if (firstRow < endRow)
        {
            int blocks = workspace._network.Layers[job.Layer].BlockCount;
            workspace.ForwardBlocks(job.Layer, job.BatchSize, 0, blocks, firstRow, endRow);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardChainPart(void* context, int part, int parts)
    {
        ref LayerJob job = ref Unsafe.AsRef<LayerJob>(context);
        var workspace = (NetworkWorkspace)GCHandle.FromIntPtr(job.Workspace).Target!;
        (int firstRow, int endRow) = RowBand(job.BatchSize, part, parts);
        if (firstRow >= endRow)
        {
            return;
        }

        IReadOnlyList<DenseLayer> layers = workspace._network.Layers;
        for (int l = job.Layer; l < layers.Count; l++)
        {
            workspace.ForwardBlocks(l, job.BatchSize, 0, layers[l].BlockCount, firstRow, endRow);
        }

        int rows = endRow - firstRow;
        int classes = workspace._network.OutputSize;
        Span<float> logits = workspace._activations[^1].Span.Slice(firstRow * classes, rows * classes);
        ReadOnlySpan<byte> labels = job.WithLoss ? workspace._labels.AsSpan(firstRow, rows) : default;
        SoftmaxCrossEntropy.Forward(logits, labels, rows, classes, workspace._rowLosses.AsSpan(firstRow, rows));
    }

    /// <summary>
    /// Rows [first, end) of part <paramref name="part"/>: bands of whole six-row tiles, so that no band leaves the
    /// multiply a ragged edge it could have avoided.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int First, int End) RowBand(int batchSize, int part, int parts)
    {
        int tiles = (batchSize + RowTile - 1) / RowTile;
        return (Math.Min(batchSize, tiles * part / parts * RowTile),
            Math.Min(batchSize, tiles * (part + 1) / parts * RowTile));
    }

    // The rows of the packed multiply's register tile.
    private const int RowTile = 6;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardInputBlocksPart(void* context, int part, int parts)
    {
        ref LayerJob job = ref Unsafe.AsRef<LayerJob>(context);
        var workspace = (NetworkWorkspace)GCHandle.FromIntPtr(job.Workspace).Target!;
        int blocks = workspace.InputBlocks(job.Layer);
        for (int c = blocks * part / parts; c < blocks * (part + 1) / parts; c++)
        {
            workspace.InputBlockGradients(job.Layer, job.BatchSize, c);
        }

        if (part == 0)
        {
            workspace.BiasGradients(job.Layer, job.BatchSize, 0, workspace._network.Layers[job.Layer].BlockCount);
        }
    }

    /// <summary>The blocks [first, end) of part <paramref name="part"/>: the same split the optimizer uses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int First, int End) PartBlocks(DenseLayer layer, int part, int parts) =>
        (layer.BlockCount * part / parts, layer.BlockCount * (part + 1) / parts);

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

    // Up to this many multiply-adds a product gains little from being split; larger layers split each product,
    // which keeps every thread busy when there are more than two.
    private const long SideBySideLimit = 2L * 1024 * 1024;

    /// <summary>
    /// Whether layer <paramref name="layer"/>'s two backward products (its parameter gradients and the gradient
    /// for the layer below), which do not depend on each other, run at once, one per thread, instead of one after
    /// the other with each split between the threads. For small layers that is faster, since a split product's
    /// halves are short and each reads rows the other core wrote: with MNIST's 128 x 64 and 64 x 10 layers side by
    /// side (before the first layer came in column blocks) the backward pass took 186 us a step instead of 192
    /// (medians of 15 alternating rounds in one process, AMD EPYC host; 3 to 20 us less in four such runs). Each
    /// product is computed whole by one thread with the same instructions either way, so the bits do not change.
    /// Layers too small to share at all (the 64 x 10 layer at batches of 128, any layer at batches of one or two)
    /// stay on the calling thread: with one image a batch, two threads trained 20% slower than one.
    /// </summary>
    /// <remarks>OpenBLAS, as a backend, splits each product with threads of its own, so it is left to do so.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool RunsProductsSideBySide(DenseLayer layer, int batchSize) =>
        SideBySide && Shares(layer, batchSize) && (long)batchSize * layer.Inputs * layer.Outputs <= SideBySideLimit;

    /// <summary>
    /// Whether the update of layer <paramref name="layer"/>'s weights after the last backward pass is worth
    /// splitting between threads: when its weight gradient was large enough to be split. Otherwise the gradient,
    /// and in the forward pass the weights, stayed in the calling thread's cache, and another core updating part of
    /// them would spend what it saves moving them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool SplitsUpdate(int layer) =>
        KernelThreads.ThreadCount > 1 && (long)_lastBatchSize * _network.Layers[layer].Inputs
            * _network.Layers[layer].Outputs >= SplitMinMultiplyAdds;

    /// <summary>Whether small layers run their backward products side by side; off only to test and measure.</summary>
    internal static bool SideBySide { get; set; } = true;

    private struct LayerJob
    {
        public nint Workspace;
        public int Layer;
        public int BatchSize;
        public bool WithLoss;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardPart(void* context, int part, int parts)
    {
        ref LayerJob job = ref Unsafe.AsRef<LayerJob>(context);
        var workspace = (NetworkWorkspace)GCHandle.FromIntPtr(job.Workspace).Target!;
        if (part == 0)
        {
            workspace.ParameterGradients(job.Layer, job.BatchSize, 0, workspace._network.Layers[job.Layer].BlockCount);
        }
        else
        {
            workspace.GradientBelow(job.Layer, job.BatchSize);
        }
    }

    /// <summary>
    /// dW[l] = A[l]ᵀ · dZ[l] and db[l] = the column sums of dZ[l], for output blocks [first, end): each block of dW
    /// (rows by the input's blocks) is a product of its own.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ParameterGradients(int l, int batchSize, int first, int end)
    {
        DenseLayer layer = _network.Layers[l];
        int inputBlocks = InputBlocks(l);
        for (int b = first; b < end; b++)
        {
            (int start, int width) = layer.Block(b);
            Span<float> delta = BlockOf(_deltas[l], layer, b, batchSize);
            Span<float> gradient = _weightGradients[l].Span.Slice(layer.Inputs * start, layer.Inputs * width);
            for (int c = 0; c < inputBlocks; c++)
            {
                Span<float> input = InputBlock(l, c, batchSize, false, out int rows, out int depth);
                Gemm.MultiplyTN(input, delta, gradient.Slice(rows * width, depth * width), depth, batchSize, width);
            }

        }

        BiasGradients(l, batchSize, first, end);
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
        DenseLayer layer = _network.Layers[l];
        Span<float> input = InputBlock(l, c, batchSize, false, out int rows, out int depth);
        Span<float> below = InputBlock(l, c, batchSize, true, out _, out _);
        for (int b = 0; b < layer.BlockCount; b++)
        {
            (int start, int width) = layer.Block(b);
            Span<float> delta = BlockOf(_deltas[l], layer, b, batchSize);
            Span<float> gradient = _weightGradients[l].Span.Slice(layer.Inputs * start + rows * width,
                depth * width);
            Gemm.MultiplyTN(input, delta, gradient, depth, batchSize, width);
            Gemm.MultiplyNT(delta, layer.WeightBlock(b).Slice(rows * width, depth * width), below, batchSize, width,
                depth, accumulate: b > 0);
        }

        PassBack(l, below, batchSize * rows);
    }

    /// <summary>
    /// dZ[l-1] = dZ[l] · W[l]ᵀ, passed back through layer l-1's dropout and activation. Each block of dZ[l-1] sums
    /// over the output blocks of layer l in order, continuing each element's sum as one product would.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void GradientBelow(int l, int batchSize)
    {
        DenseLayer layer = _network.Layers[l];
        Span<float> below = _deltas[l - 1].Span[..(batchSize * layer.Inputs)];
        for (int c = 0; c < InputBlocks(l); c++)
        {
            Span<float> belowBlock = InputBlock(l, c, batchSize, true, out int rows, out int depth);
            for (int b = 0; b < layer.BlockCount; b++)
            {
                int width = layer.Block(b).Width;
                Gemm.MultiplyNT(BlockOf(_deltas[l], layer, b, batchSize), layer.WeightBlock(b).Slice(rows * width,
                    depth * width), belowBlock, batchSize, width, depth, accumulate: b > 0);
            }
        }

        PassBack(l, below, 0);
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

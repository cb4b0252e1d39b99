using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MnistNet.Native;

namespace MnistNet.Network;

/// <summary>
/// How a training step's work is shared between the kernel threads: which layers go by column blocks, by input
/// blocks, by bands of rows or side by side, and the parts that run on each thread.
/// </summary>
public sealed unsafe partial class NetworkWorkspace
{
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
            multiplyAdds += MultiplyAdds(layers[start], batchSize);
        }

        return multiplyAdds >= SplitMinMultiplyAdds ? start : layers.Count;
    }

    // Below this many multiply-adds a layer's work stays on one thread, as the matrix multiply keeps such a product.
    private const long SplitMinMultiplyAdds = 256 * 1024;

    /// <summary>Whether a layer's work on a batch is worth splitting between threads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Shares(DenseLayer layer, int batchSize) =>
        SharesBetweenThreads && MultiplyAdds(layer, batchSize) >= SplitMinMultiplyAdds;

    /// <summary>The multiply-adds of each of a layer's products on a batch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long MultiplyAdds(DenseLayer layer, int batchSize) => (long)batchSize * layer.Inputs * layer.Outputs;

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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardBlocksPart(void* context, int part, int parts)
    {
        ref LayerJob job = ref Unsafe.AsRef<LayerJob>(context);
        NetworkWorkspace workspace = job.Owner;
        (int first, int end) = PartBlocks(workspace._network.Layers[job.Layer], part, parts);
        workspace.ForwardBlocks(job.Layer, job.BatchSize, first, end, 0, job.BatchSize);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ParameterGradientBlocksPart(void* context, int part, int parts)
    {
        ref LayerJob job = ref Unsafe.AsRef<LayerJob>(context);
        NetworkWorkspace workspace = job.Owner;
        (int first, int end) = PartBlocks(workspace._network.Layers[job.Layer], part, parts);
        workspace.ParameterGradients(job.Layer, job.BatchSize, first, end);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRowsPart(void* context, int part, int parts)
    {
        ref LayerJob job = ref Unsafe.AsRef<LayerJob>(context);
        NetworkWorkspace workspace = job.Owner;
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
        NetworkWorkspace workspace = job.Owner;
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
        NetworkWorkspace workspace = job.Owner;
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
        SideBySide && Shares(layer, batchSize) && MultiplyAdds(layer, batchSize) <= SideBySideLimit;

    /// <summary>
    /// How the optimizer should split the update of layer <paramref name="layer"/>'s weights after the last backward
    /// pass, in the terms of <see cref="OptimizerKernels.AdamStep(Span{float}, ReadOnlySpan{float}, Span{float},
    /// Span{float}, float, float, float, float, long, int, int)"/>: by the blocks each thread computed the gradient
    /// of (its column blocks, or the rows that multiply each column block of the layer below), by the row bands of
    /// a row-major gradient product, or, when the gradient was too small to split, as one block on the calling
    /// thread: the gradient, and in the forward pass the weights, stayed in that thread's cache, and another core
    /// updating part of them would spend what it saves moving them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal (int GradientRows, int BlockLength) UpdateSplit(int layer)
    {
        DenseLayer weights = _network.Layers[layer];
        if (RunsBlocksOnOwnThreads(weights, _lastBatchSize))
        {
            return (0, weights.Inputs * DenseLayer.BlockWidth);
        }

        if (RunsInputBlocksOnOwnThreads(layer, _lastBatchSize))
        {
            return (0, weights.Outputs * DenseLayer.BlockWidth);
        }

        if (KernelThreads.ThreadCount == 1 || MultiplyAdds(weights, _lastBatchSize) < SplitMinMultiplyAdds)
        {
            return (0, weights.Inputs * weights.Outputs);
        }

        return (weights.BlockCount == 1 && InputBlocks(layer) == 1 ? weights.Inputs : 0, 0);
    }

    /// <summary>Whether small layers run their backward products side by side; off only to test and measure.</summary>
    internal static bool SideBySide { get; set; } = true;

    private struct LayerJob
    {
        public nint Workspace;
        public int Layer;
        public int BatchSize;
        public bool WithLoss;

        public readonly NetworkWorkspace Owner => (NetworkWorkspace)GCHandle.FromIntPtr(Workspace).Target!;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardPart(void* context, int part, int parts)
    {
        ref LayerJob job = ref Unsafe.AsRef<LayerJob>(context);
        NetworkWorkspace workspace = job.Owner;
        if (part == 0)
        {
            workspace.ParameterGradients(job.Layer, job.BatchSize, 0, workspace._network.Layers[job.Layer].BlockCount);
        }
        else
        {
            workspace.GradientBelow(job.Layer, job.BatchSize);
        }
    }
}

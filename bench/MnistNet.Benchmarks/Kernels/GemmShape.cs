namespace MnistNet.Benchmarks.Kernels;

/// <summary>The three matrix multiply forms of <c>Gemm</c>: which operand is read transposed.</summary>
public enum GemmForm
{
    NN,
    NT,
    TN,
}

/// <summary>
/// One matrix product the network computes: C is m x n and the sum runs over k, as in <c>Gemm</c>.
/// </summary>
/// <param name="Role">What the product is for, e.g. "forward L1".</param>
public sealed record GemmShape(GemmForm Form, int M, int K, int N, string Role)
{
    public const int TrainingBatch = 128;
    public const int PredictionBatch = 10_000;

    private static readonly int[] LayerSizes = [784, 128, 64, 10];

    /// <summary>Floating-point operations of one product: a multiply and an add per term.</summary>
    public double Flops => 2.0 * M * K * N;

    /// <summary>Whether the dimensions are the first layer's at batch 128 (the shapes the targets name).</summary>
    public bool IsFirstLayerTrainingShape =>
        new[] { M, K, N }.Order().SequenceEqual([TrainingBatch, LayerSizes[1], LayerSizes[0]]);

    /// <summary>
    /// Every product of one training step at batch 128, layer by layer, and the first layer of predicting the
    /// 10,000 test images at once. The first layer's input gradient is listed although training skips it (nothing
    /// lies below the input), because it completes the set of 128x784x128 shapes.
    /// </summary>
    public static IReadOnlyList<GemmShape> All { get; } = Build();

    public string Dimensions => $"{M}x{K}x{N}";

    // BenchmarkDotNet shows parameters through ToString, so it has to be short and unique.
    public override string ToString() => $"{Form} {Dimensions} {Role}";

    private static GemmShape[] Build()
    {
        var shapes = new List<GemmShape>();
        for (int layer = 0; layer < LayerSizes.Length - 1; layer++)
        {
            int inputs = LayerSizes[layer];
            int outputs = LayerSizes[layer + 1];
            string name = $"L{layer + 1}";
            // Z = X·W, dW = Xᵀ·dZ, dX = dZ·Wᵀ, with X batch x inputs and W inputs x outputs.
            shapes.Add(new GemmShape(GemmForm.NN, TrainingBatch, inputs, outputs, $"forward {name}"));
            shapes.Add(new GemmShape(GemmForm.TN, inputs, TrainingBatch, outputs, $"weight-grad {name}"));
            shapes.Add(new GemmShape(GemmForm.NT, TrainingBatch, outputs, inputs, $"input-grad {name}"));
        }

        shapes.Add(new GemmShape(GemmForm.NN, PredictionBatch, LayerSizes[0], LayerSizes[1], "predict L1"));
        return [.. shapes];
    }
}

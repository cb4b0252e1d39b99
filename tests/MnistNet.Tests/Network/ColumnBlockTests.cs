using System.Runtime.InteropServices;
using MnistNet.Native;
using MnistNet.Network;
using MnistNet.Storage;
using MnistNet.Tests.Training;
using MnistNet.Training;

namespace MnistNet.Tests.Network;

/// <summary>
/// Hidden layers wider than <see cref="DenseLayer.BlockWidth"/> keep their weights, outputs and gradients in column
/// blocks. These tests hold that layout to the plain row-major products: same bits forward and backward, and
/// row-major order wherever values leave the layer.
/// </summary>
[Collection(nameof(KernelThreadsCollection))]
public class ColumnBlockTests
{
    // 150 outputs make blocks of 64, 64 and 22; 70 make 64 and 6, and the 70-wide layer's input comes in three blocks.
    private static readonly int[] Sizes = [20, 150, 70, 10];
    private const int Batch = 9;

    [Fact]
    public void WideLayersKeepTheirWeightsInColumnBlocks()
    {
        using var network = new NeuralNetwork([3, 130, 10], Activation.ReLU, seed: 1);
        DenseLayer wide = network.Layers[0];

        Assert.Equal(3, wide.BlockCount);
        Assert.Equal((128, 2), wide.Block(2));
        Assert.Equal(1, network.Layers[1].BlockCount);

        // Row 0, column 64 opens the second block (3 x 64 floats in); row 2, column 129 is the last of the third.
        Assert.Equal(192, wide.WeightIndex(0, 64));
        Assert.Equal(3 * 128 + 2 * 2 + 1, wide.WeightIndex(2, 129));
        Assert.Equal(2 * 10 + 7, network.Layers[1].WeightIndex(2, 7));
    }

    [Fact]
    public void WeightsGoInAndOutInRowMajorOrder()
    {
        using var network = new NeuralNetwork([3, 130, 10], Activation.ReLU, seed: 1);
        DenseLayer wide = network.Layers[0];
        float[] rowMajor = Enumerable.Range(0, 3 * 130).Select(i => (float)i).ToArray();

        wide.SetWeights(rowMajor);

        Assert.Equal(rowMajor, wide.GetWeights());
        for (int row = 0; row < 3; row++)
        {
            for (int column = 0; column < 130; column++)
            {
                Assert.Equal(row * 130 + column, wide.Weights.Span[wide.WeightIndex(row, column)]);
            }
        }
    }

    // Big enough to be split between threads: the first layer by its column blocks, the second (four input blocks,
    // one output block) by input blocks going back, and from there to the loss by bands of rows going forward.
    private static readonly int[] Shared = [100, 200, 64, 10];

    [Theory]
    [InlineData(Activation.ReLU, 1, Batch, false)]
    [InlineData(Activation.ReLU, 2, Batch, false)]
    [InlineData(Activation.ReLU, 1, 60, true)]
    [InlineData(Activation.ReLU, 2, 60, true)]
    [InlineData(Activation.Tanh, 2, 60, true)]
    [InlineData(Activation.ReLU, 2, 250, true)] // more rows than the wide layer's outputs: split by rows going forward
    public void BlocksGiveTheBitsOfTheRowMajorProducts(Activation activation, int threads, int batch, bool shared)
    {
        int saved = KernelThreads.ThreadCount;
        try
        {
            KernelThreads.ThreadCount = threads;
            int[] sizes = shared ? Shared : Sizes;
            using var network = new NeuralNetwork(sizes, activation, seed: 7);
            using var workspace = new NetworkWorkspace(network, batch, forTraining: true);
            var random = new SeededRandom(8);
            foreach (DenseLayer layer in network.Layers)
            {
                Span<float> biases = layer.Biases.Span;
                for (int i = 0; i < biases.Length; i++)
                {
                    biases[i] = (float)(random.NextDouble() - 0.5) * 0.2f;
                }
            }

            float[] inputs = Enumerable.Range(0, batch * sizes[0]).Select(_ => (float)random.NextDouble()).ToArray();
            byte[] labels = [.. Enumerable.Range(0, batch).Select(i => (byte)(i * 7 % 10))];
            workspace.LoadInputs(inputs, labels);
            double loss = workspace.Forward(batch, withLoss: true);
            workspace.Backward(batch);

            Reference expected = Reference.Run(network, inputs, labels);

            Assert.Equal(expected.Loss, loss);
            Assert.True(workspace.Probabilities(batch).SequenceEqual(expected.Probabilities), "probabilities differ");
            for (int l = 0; l < network.Layers.Count; l++)
            {
                DenseLayer layer = network.Layers[l];
                var gradient = new float[layer.Inputs * layer.Outputs];
                layer.CopyToRowMajor(workspace.WeightGradient(l), gradient);

                Assert.Contains(gradient, value => value != 0f);
                Assert.True(gradient.AsSpan().SequenceEqual(expected.WeightGradients[l]),
                    $"layer {l} weight gradient differs");
                Assert.True(workspace.BiasGradient(l).SequenceEqual(expected.BiasGradients[l]),
                    $"layer {l} bias gradient differs");
            }
        }
        finally
        {
            KernelThreads.ThreadCount = saved;
        }
    }

    [Theory]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.Sigmoid)]
    public void BlocksWithDropoutGiveTheSameGradientsOnOneAndTwoThreads(Activation activation) =>
        AssertSameGradientsOnOneAndTwoThreads(Shared, activation, batch: 60, dropoutRate: 0.3);

    // 100 outputs make blocks of 64 and 36, and the 50-wide layer's row bands of 66 and 62 rows hold 3300 and 3100
    // outputs: neither a whole number of vectors, where sigmoid and tanh once took the scalar formula.
    [Theory]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    public void RaggedBlocksAndBandsGiveTheSameGradientsOnOneAndTwoThreads(Activation activation) =>
        AssertSameGradientsOnOneAndTwoThreads([100, 100, 50, 10], activation, batch: 128, dropoutRate: 0);

    private static void AssertSameGradientsOnOneAndTwoThreads(int[] sizes, Activation activation, int batch,
        double dropoutRate)
    {
        int saved = KernelThreads.ThreadCount;
        try
        {
            float[][] Gradients(int threads)
            {
                KernelThreads.ThreadCount = threads;
                using var network = new NeuralNetwork(sizes, activation, seed: 7);
                using var workspace = new NetworkWorkspace(network, batch, forTraining: true);
                using var dropout = dropoutRate > 0
                    ? new Dropout(network, batch, dropoutRate, new SeededRandom(4))
                    : null;
                workspace.Dropout = dropout;
                var random = new SeededRandom(8);
                workspace.LoadInputs(
                    Enumerable.Range(0, batch * sizes[0]).Select(_ => (float)random.NextDouble()).ToArray(),
                    [.. Enumerable.Range(0, batch).Select(i => (byte)(i * 3 % 10))]);
                workspace.Forward(batch, withLoss: true);
                workspace.Backward(batch);
                return [.. Enumerable.Range(0, network.Layers.Count).SelectMany(l =>
                    new[] { workspace.WeightGradient(l).ToArray(), workspace.BiasGradient(l).ToArray() })];
            }

            float[][] one = Gradients(1);
            float[][] two = Gradients(2);

            for (int i = 0; i < one.Length; i++)
            {
                Assert.Contains(one[i], value => value != 0f);
                Assert.True(one[i].AsSpan().SequenceEqual(two[i]), $"gradient {i} differs");
            }
        }
        finally
        {
            KernelThreads.ThreadCount = saved;
        }
    }

    [Fact]
    public void OptimizerStateIsSavedInRowMajorOrder()
    {
        using var network = new NeuralNetwork(Sizes, Activation.ReLU, seed: 7);
        using var workspace = new NetworkWorkspace(network, Batch, forTraining: true);
        using var optimizer = new Optimizer(network, OptimizerKind.Adam, 0.001);
        var random = new SeededRandom(3);
        workspace.LoadInputs(Enumerable.Range(0, Batch * Sizes[0]).Select(_ => (float)random.NextDouble()).ToArray(),
            [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        workspace.Forward(Batch, withLoss: true);
        workspace.Backward(Batch);
        var gradient = new float[20 * 150];
        network.Layers[0].CopyToRowMajor(workspace.WeightGradient(0), gradient);

        optimizer.Apply(workspace);
        (long step, float[][] state) = optimizer.SaveState();

        // After one step from zero, Adam's first moment is (1 - beta1) · g, element by element.
        Assert.Equal(1, step);
        float[] expected = [.. gradient.Select(g => (1f - Optimizer.Beta1) * g)];
        Assert.Equal(expected, state[0]);

        using var restored = new Optimizer(network, OptimizerKind.Adam, 0.001);
        restored.RestoreState(step, state);
        (_, float[][] again) = restored.SaveState();
        Assert.Equal(state, again);
    }

    [Fact]
    public void TheNetworkFileHoldsRowMajorWeights()
    {
        string folder = Path.Combine(Path.GetTempPath(), "mnistnet-blocks-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            using var network = new NeuralNetwork([3, 130, 10], Activation.ReLU, seed: 1);
            float[] rowMajor = Enumerable.Range(0, 3 * 130).Select(i => i + 0.5f).ToArray();
            network.Layers[0].SetWeights(rowMajor);
            string path = Path.Combine(folder, "net.mnn");

            NetworkFile.Save(network, path);

            // Columns 60 to 69 of row 0 run across the first block boundary: together only in row-major order.
            byte[] file = File.ReadAllBytes(path);
            byte[] acrossBlocks = MemoryMarshal.AsBytes(rowMajor.AsSpan(60, 10)).ToArray();
            Assert.True(file.AsSpan().IndexOf(acrossBlocks) >= 0, "the file should hold the weights row by row");
            using NeuralNetwork loaded = NetworkFile.Load(path);
            Assert.Equal(rowMajor, loaded.Layers[0].GetWeights());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void BlockedLayersMatchTheNumericalGradient()
    {
        // Blocks of 64 and 2, then an input in two blocks and outputs in blocks of 64 and 1.
        using var network = new NeuralNetwork([4, 66, 65, 3], Activation.Tanh, seed: 2);
        using var workspace = new NetworkWorkspace(network, 4, forTraining: true);
        var random = new SeededRandom(6);
        workspace.LoadInputs(Enumerable.Range(0, 16).Select(_ => (float)random.NextDouble()).ToArray(), [0, 2, 1, 2]);
        workspace.Forward(4, withLoss: true);
        workspace.Backward(4);

        for (int l = 0; l < network.Layers.Count; l++)
        {
            DenseLayer layer = network.Layers[l];
            float[] analytic = workspace.WeightGradient(l).ToArray();
            Span<float> weights = layer.Weights.Span;
            for (int i = 0; i < weights.Length; i += 7)
            {
                const float step = 1e-3f;
                float original = weights[i];
                weights[i] = original + step;
                double plus = workspace.Forward(4, withLoss: true) / 4;
                weights[i] = original - step;
                double minus = workspace.Forward(4, withLoss: true) / 4;
                weights[i] = original;

                double numerical = (plus - minus) / (2.0 * step);
                Assert.True(Math.Abs(analytic[i] - numerical) <= 2e-3 + 2e-2 * Math.Abs(numerical),
                    $"layer {l} weight {i}: backprop {analytic[i]:G6}, finite differences {numerical:G6}");
            }
        }
    }

    /// <summary>The forward and backward pass on row-major weights, one whole product per layer.</summary>
    private sealed record Reference(double Loss, float[] Probabilities, float[][] WeightGradients,
        float[][] BiasGradients)
    {
        public static Reference Run(NeuralNetwork network, float[] inputs, byte[] labels)
        {
            int batch = labels.Length;
            IReadOnlyList<DenseLayer> layers = network.Layers;
            var activations = new float[layers.Count + 1][];
            activations[0] = inputs;
            for (int l = 0; l < layers.Count; l++)
            {
                DenseLayer layer = layers[l];
                activations[l + 1] = new float[batch * layer.Outputs];
                Gemm.MultiplyNNBiasActivation(activations[l], layer.GetWeights(), layer.GetBiases(),
                    activations[l + 1], batch, layer.Inputs, layer.Outputs, layer.Activation);
            }

            float[] probabilities = activations[^1];
            double loss = SoftmaxCrossEntropy.Forward(probabilities, labels, batch, network.OutputSize);

            var weightGradients = new float[layers.Count][];
            var biasGradients = new float[layers.Count][];
            var delta = new float[batch * network.OutputSize];
            SoftmaxCrossEntropy.Backward(probabilities, labels, delta, batch, network.OutputSize, 1f / batch);
            for (int l = layers.Count - 1; l >= 0; l--)
            {
                DenseLayer layer = layers[l];
                weightGradients[l] = new float[layer.Inputs * layer.Outputs];
                biasGradients[l] = new float[layer.Outputs];
                Gemm.MultiplyTN(activations[l], delta, weightGradients[l], layer.Inputs, batch, layer.Outputs);
                Bias.Gradient(delta, biasGradients[l], batch, layer.Outputs);
                if (l > 0)
                {
                    var below = new float[batch * layer.Inputs];
                    Gemm.MultiplyNT(delta, layer.GetWeights(), below, batch, layer.Outputs, layer.Inputs);
                    Activations.Backward(activations[l], below, layers[l - 1].Activation!.Value);
                    delta = below;
                }
            }

            return new Reference(loss, probabilities, weightGradients, biasGradients);
        }
    }
}

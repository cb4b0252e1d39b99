using MnistNet.Data;
using MnistNet.Native;
using MnistNet.Network;
using MnistNet.Training;

namespace MnistNet.Tests.Training;

/// <summary>Tests that change <see cref="KernelThreads.ThreadCount"/>, a process-wide setting, run alone.</summary>
[CollectionDefinition(nameof(KernelThreadsCollection), DisableParallelization = true)]
public class KernelThreadsCollection;

[Collection(nameof(KernelThreadsCollection))]
public class AllocationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TrainingStepsAllocateNoManagedMemory(int threads)
    {
        MnistDataset data = TestData.Synthetic(300, seed: 5);
        int[] indices = Enumerable.Range(0, 128).ToArray();
        int saved = KernelThreads.ThreadCount;
        try
        {
            KernelThreads.ThreadCount = threads;
            using var network = NeuralNetwork.ForMnist([128, 64], Activation.ReLU, seed: 5);
            using var workspace = new NetworkWorkspace(network, indices.Length, forTraining: true);
            using var optimizer = new Optimizer(network, OptimizerKind.Adam, 0.001);

            // The first steps start the kernel workers and grow each thread's packing memory; after that a step
            // must reuse everything.
            for (int step = 0; step < 5; step++)
            {
                Step(data, indices, workspace, optimizer, step);
            }

            // A worker that fell asleep between steps may create its wait object once when woken; that is not a
            // per-step cost, so one clean window of 20 steps out of three passes. A per-step allocation (24 bytes
            // or more each time) makes every window non-zero.
            long[] windows = new long[3];
            for (int window = 0; window < windows.Length; window++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int step = 0; step < 20; step++)
                {
                    Step(data, indices, workspace, optimizer, step);
                }

                windows[window] = GC.GetAllocatedBytesForCurrentThread() - before;
                if (windows[window] == 0)
                {
                    break;
                }
            }

            Assert.Contains(0L, windows);
        }
        finally
        {
            KernelThreads.ThreadCount = saved;
        }
    }

    [Fact]
    public void SeededTrainingGivesTheSameWeightsOnOneAndTwoThreads()
    {
        MnistDataset data = TestData.Synthetic(2000, seed: 9);
        var options = new TrainingOptions { Epochs = 2, BatchSize = 128, Seed = 9 };
        int saved = KernelThreads.ThreadCount;
        try
        {
            KernelThreads.ThreadCount = 1;
            using NeuralNetwork one = NetworkTrainer.Train(data, null, options);
            KernelThreads.ThreadCount = 2;
            using NeuralNetwork two = NetworkTrainer.Train(data, null, options);

            Assert.True(one.History[^1].Accuracy > 0.5, "the network should have learned something");
            for (int l = 0; l < one.Layers.Count; l++)
            {
                Assert.True(one.Layers[l].Weights.Span.SequenceEqual(two.Layers[l].Weights.Span),
                    $"layer {l} weights differ between one and two threads");
                Assert.True(one.Layers[l].Biases.Span.SequenceEqual(two.Layers[l].Biases.Span),
                    $"layer {l} biases differ between one and two threads");
            }
        }
        finally
        {
            KernelThreads.ThreadCount = saved;
        }
    }

    [Theory]
    [InlineData(Activation.ReLU, 0.0)]
    [InlineData(Activation.Tanh, 0.3)]
    public void SmallLayersGiveTheSameGradientsSideBySide(Activation activation, double dropoutRate)
    {
        // With two threads a 64 x 64 layer runs its two backward products at once, one per thread (the dropout and
        // activation steps with the second); one after the other must give the same bits.
        MnistDataset data = TestData.Synthetic(128, seed: 3);
        int[] indices = Enumerable.Range(0, 128).ToArray();
        int saved = KernelThreads.ThreadCount;
        try
        {
            KernelThreads.ThreadCount = 2;
            float[][] Gradients(bool sideBySide)
            {
                NetworkWorkspace.SideBySide = sideBySide;
                using var network = NeuralNetwork.ForMnist([64, 64], activation, seed: 3);
                using var workspace = new NetworkWorkspace(network, indices.Length, forTraining: true);
                using var dropout = dropoutRate > 0
                    ? new Dropout(network, indices.Length, dropoutRate, new SeededRandom(4))
                    : null;
                workspace.Dropout = dropout;
                workspace.LoadBatch(data, indices);
                workspace.Forward(indices.Length, withLoss: true);
                workspace.Backward(indices.Length);
                return [.. Enumerable.Range(0, network.Layers.Count).SelectMany(l =>
                    new[] { workspace.WeightGradient(l).ToArray(), workspace.BiasGradient(l).ToArray() })];
            }

            float[][] inTurn = Gradients(sideBySide: false);
            float[][] sideBySide = Gradients(sideBySide: true);

            Assert.Equal(6, inTurn.Length);
            for (int i = 0; i < inTurn.Length; i++)
            {
                Assert.Contains(inTurn[i], value => value != 0f);
                Assert.True(inTurn[i].AsSpan().SequenceEqual(sideBySide[i]), $"gradient {i} differs");
            }
        }
        finally
        {
            NetworkWorkspace.SideBySide = true;
            KernelThreads.ThreadCount = saved;
        }
    }

    private static void Step(MnistDataset data, int[] indices, NetworkWorkspace workspace, Optimizer optimizer,
        int step)
    {
        // Rotate the batch so successive steps see different images, without allocating.
        for (int i = 0; i < indices.Length; i++)
        {
            indices[i] = (indices[i] + step) % data.Count;
        }

        workspace.LoadBatch(data, indices);
        workspace.Forward(indices.Length, withLoss: true);
        workspace.Backward(indices.Length);
        optimizer.Apply(workspace);
    }
}

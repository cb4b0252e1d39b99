using MnistNet.Evaluation;
using MnistNet.Native;
using MnistNet.Network;
using MnistNet.Storage;
using MnistNet.Training;

namespace MnistNet.Tests.Network;

public class NeuralNetworkTests
{
    [Fact]
    public void SeedNetworkHasTheExpectedShape()
    {
        using var network = NeuralNetwork.ForMnist([128, 64], Activation.ReLU, seed: 1);

        Assert.Equal("784-128-64-10", network.Architecture);
        Assert.Equal(784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10, network.ParameterCount);
        Assert.Equal(Activation.ReLU, network.Layers[0].Activation);
        Assert.Null(network.Layers[2].Activation);
    }

    [Theory]
    [InlineData(Activation.ReLU, 2.0)]
    [InlineData(Activation.Sigmoid, 1.0)]
    [InlineData(Activation.Tanh, 1.0)]
    public void InitialWeightsHaveHeOrXavierVarianceAndZeroBiases(Activation activation, double gain)
    {
        using var network = NeuralNetwork.ForMnist([128, 64], activation, seed: 3);
        DenseLayer first = network.Layers[0];
        float[] weights = first.GetWeights();

        double mean = weights.Average(w => (double)w);
        double variance = weights.Average(w => (w - mean) * (w - mean));

        Assert.InRange(mean, -0.002, 0.002);
        Assert.InRange(variance / (gain / 784), 0.97, 1.03);
        Assert.All(first.GetBiases(), bias => Assert.Equal(0f, bias));
    }

    [Fact]
    public void SizeLimitIsExactlyTwoToTheTwentySeventhParameters()
    {
        // 16,383 inputs plus a bias, times 8,192 outputs, is 16,384 x 8,192 = 2^27.
        Assert.Null(NeuralNetwork.SizeProblem([16383, 8192]));
        Assert.Null(NeuralNetwork.SizeProblem([784, 128, 64, 10]));

        Assert.Equal("A 16384-8192 network would have 134,225,920 weights and biases; at most 134,217,728 are " +
            "supported.", NeuralNetwork.SizeProblem([16384, 8192]));
        Assert.Equal("Every layer needs at least 1 unit.", NeuralNetwork.SizeProblem([784, 0, 10]));
    }

    [Fact]
    public void LayersTooWideForThirtyTwoBitIndicesAreRefusedBeforeAnythingIsAllocated()
    {
        // 65,536 squared overflows an int; the check must count in 64 bits.
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => NeuralNetwork.ForMnist([65536, 65536], Activation.ReLU, seed: 1));

        Assert.Contains("A 784-65536-65536-10 network would have 4,347,133,962 weights and biases", error.Message);
    }

    [Fact]
    public void BatchesTooTallForOneBufferAreRefusedBeforeAnythingIsAllocated()
    {
        using var network = NeuralNetwork.ForMnist([8], Activation.ReLU, seed: 1);

        // The widest layer is the 784-pixel input: 1,369,568 rows of it are just short of 2^30 values.
        Assert.Null(NetworkWorkspace.CapacityProblem(network, 1_369_568));
        Assert.Equal("A batch of 1,369,569 images through a layer of 784 units needs 1,073,742,096 values in one " +
            "buffer; at most 1,073,741,824 fit.", NetworkWorkspace.CapacityProblem(network, 1_369_569));
        Assert.Throws<ArgumentOutOfRangeException>(
            () => new NetworkWorkspace(network, 1_369_569, forTraining: true));
    }

    [Fact]
    public void SameSeedGivesSameWeightsAndOtherSeedDoesNot()
    {
        using var a = NeuralNetwork.ForMnist([16], Activation.ReLU, seed: 42);
        using var b = NeuralNetwork.ForMnist([16], Activation.ReLU, seed: 42);
        using var c = NeuralNetwork.ForMnist([16], Activation.ReLU, seed: 43);

        Assert.Equal(a.Layers[0].GetWeights(), b.Layers[0].GetWeights());
        Assert.NotEqual(a.Layers[0].GetWeights(), c.Layers[0].GetWeights());
    }

    [Fact]
    public void DisposedNetworkIsRefusedByNameRatherThanByItsFreedBuffers()
    {
        var network = NeuralNetwork.ForMnist([8], Activation.Tanh, seed: 1);
        network.Dispose();
        network.Dispose();

        Assert.True(network.IsDisposed);
        string expected = "The 784-8-10 Tanh network was disposed, so its weights are gone; load it again or create " +
            "a new one.";
        Assert.StartsWith(expected, Assert.Throws<ObjectDisposedException>(() => new Predictor(network)).Message);
        Assert.StartsWith(expected, Assert.Throws<ObjectDisposedException>(() =>
            NetworkFile.Save(network, Path.Combine(Path.GetTempPath(), "never-written.mnn"))).Message);
        Assert.StartsWith(expected, Assert.Throws<ObjectDisposedException>(() =>
            NetworkTrainer.Train(network, TestData.Synthetic(10, seed: 1), null, new TrainingOptions())).Message);
    }
}

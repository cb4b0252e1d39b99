using MnistNet.Data;
using MnistNet.Evaluation;
using MnistNet.Native;
using MnistNet.Network;

namespace MnistNet.Tests.Network;

public class DropoutTests
{
    [Fact]
    public void DropsAboutTheRateAndPreservesTheMean()
    {
        const int units = 50_000;
        const int batch = 4;
        using var network = new NeuralNetwork([1, units, 1], Activation.ReLU);
        using var dropout = new Dropout(network, batch, rate: 0.3, new SeededRandom(1));
        float[] outputs = Enumerable.Repeat(1f, batch * units).ToArray();

        dropout.Forward(0, outputs);

        double dropped = outputs.Count(value => value == 0) / (double)outputs.Length;
        Assert.InRange(dropped, 0.295, 0.305);
        Assert.All(outputs, value => Assert.True(value == 0 || value == (float)(1 / 0.7), $"unexpected {value}"));
        Assert.InRange(outputs.Average(), 0.99, 1.01);
    }

    [Fact]
    public void BackwardPassesTheGradientThroughTheSameMask()
    {
        using var network = new NeuralNetwork([1, 1000, 1], Activation.Sigmoid);
        using var dropout = new Dropout(network, 1, rate: 0.5, new SeededRandom(2));
        float[] outputs = Enumerable.Range(1, 1000).Select(i => i / 1000f).ToArray();
        float[] original = [.. outputs];
        float[] gradient = Enumerable.Repeat(1f, 1000).ToArray();

        dropout.Forward(0, outputs);
        float[] undropped = dropout.Backward(0, gradient).ToArray();

        Assert.Equal(original, undropped);
        for (int i = 0; i < outputs.Length; i++)
        {
            Assert.Equal(outputs[i] == 0 ? 0f : 2f, gradient[i]);
        }
    }

    [Theory]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    public void BackwardMatchesNumericalGradientWithAFixedMask(Activation activation)
    {
        const int batch = 4;
        using var network = new NeuralNetwork([6, 8, 5, 3], activation, seed: 3);
        using var workspace = new NetworkWorkspace(network, batch, forTraining: true);
        using var dropout = new Dropout(network, batch, rate: 0.4, new SeededRandom(4));
        workspace.Dropout = dropout;
        var random = new SeededRandom(5);
        workspace.LoadInputs(Enumerable.Range(0, batch * 6).Select(_ => (float)random.NextDouble()).ToArray(),
            [0, 2, 1, 2]);

        workspace.Forward(batch, withLoss: true);
        dropout.KeepMasks = true;
        workspace.Backward(batch);

        AlignedBuffer weights = network.Layers[0].Weights;
        float[] analytic = workspace.WeightGradient(0).ToArray();
        for (int i = 0; i < weights.Length; i++)
        {
            const float step = 1e-3f;
            float original = weights.Span[i];
            weights.Span[i] = original + step;
            double plus = workspace.Forward(batch, withLoss: true) / batch;
            weights.Span[i] = original - step;
            double minus = workspace.Forward(batch, withLoss: true) / batch;
            weights.Span[i] = original;

            double numerical = (plus - minus) / (2.0 * step);
            Assert.True(Math.Abs(analytic[i] - numerical) <= 2e-3 + 2e-2 * Math.Abs(numerical),
                $"weight {i}: backprop {analytic[i]:G6}, finite differences {numerical:G6}");
        }
    }

    [Fact]
    public void TrainingPassesDropButPredictionDoesNot()
    {
        MnistDataset data = TestData.Synthetic(8, seed: 6);
        using var network = NeuralNetwork.ForMnist([64], Activation.ReLU, seed: 7);
        using var workspace = new NetworkWorkspace(network, 8, forTraining: true);
        using var dropout = new Dropout(network, 8, rate: 0.5, new SeededRandom(8));
        using var predictor = new Predictor(network);
        workspace.LoadRange(data, 0, 8);

        float[] plain = Probabilities(workspace);
        workspace.Dropout = dropout;
        float[] firstDrop = Probabilities(workspace);
        float[] secondDrop = Probabilities(workspace);
        float[] predicted = predictor.Predict(data).SelectMany(prediction => prediction.Probabilities).ToArray();

        Assert.NotEqual(plain, firstDrop);
        Assert.NotEqual(firstDrop, secondDrop);
        Assert.Equal(plain, predicted);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void RatesOutsideZeroToOneAreRefused(double rate)
    {
        using var network = new NeuralNetwork([2, 2, 1], Activation.ReLU);

        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(network, 1, rate, new SeededRandom(1)));
    }

    private static float[] Probabilities(NetworkWorkspace workspace)
    {
        workspace.Forward(8, withLoss: false);
        return workspace.Probabilities(8).ToArray();
    }
}

using MnistNet.Native;
using MnistNet.Network;

namespace MnistNet.Tests.Network;

/// <summary>Backpropagation against central finite differences of the loss, for every activation.</summary>
public class GradientCheckTests
{
    private const int Batch = 4;
    private static readonly int[] Sizes = [6, 5, 4, 3];

    [Theory]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    public void BackwardMatchesNumericalGradient(Activation activation)
    {
        using var network = new NeuralNetwork(Sizes, activation, seed: 11);
        using var workspace = new NetworkWorkspace(network, Batch, forTraining: true);
        var random = new SeededRandom(5);
        float[] inputs = Enumerable.Range(0, Batch * Sizes[0]).Select(_ => (float)random.NextDouble()).ToArray();
        byte[] labels = [0, 2, 1, 2];

        // Biases start at zero; give them values so their gradients are exercised away from the origin too.
        foreach (DenseLayer layer in network.Layers)
        {
            Span<float> biases = layer.Biases.Span;
            for (int i = 0; i < biases.Length; i++)
            {
                biases[i] = (float)(random.NextDouble() - 0.5) * 0.2f;
            }
        }

        workspace.LoadInputs(inputs, labels);
        workspace.Forward(Batch, withLoss: true);
        workspace.Backward(Batch);

        int checkedCount = 0;
        for (int l = 0; l < network.Layers.Count; l++)
        {
            DenseLayer layer = network.Layers[l];
            float[] weightGradient = workspace.WeightGradient(l).ToArray();
            float[] biasGradient = workspace.BiasGradient(l).ToArray();

            for (int i = 0; i < layer.Weights.Length; i++)
            {
                AssertClose(weightGradient[i], Numerical(workspace, layer.Weights, i), $"layer {l} weight {i}");
                checkedCount++;
            }

            for (int i = 0; i < layer.Biases.Length; i++)
            {
                AssertClose(biasGradient[i], Numerical(workspace, layer.Biases, i), $"layer {l} bias {i}");
                checkedCount++;
            }
        }

        Assert.Equal(6 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3, checkedCount);
    }

    /// <summary>d(mean loss)/d(parameter) by central differences, evaluated in double on float weights.</summary>
    private static double Numerical(NetworkWorkspace workspace, AlignedBuffer parameters, int index)
    {
        const float step = 1e-3f;
        Span<float> values = parameters.Span;
        float original = values[index];

        values[index] = original + step;
        double plus = workspace.Forward(Batch, withLoss: true) / Batch;
        values[index] = original - step;
        double minus = workspace.Forward(Batch, withLoss: true) / Batch;
        values[index] = original;

        return (plus - minus) / (2.0 * step);
    }

    private static void AssertClose(double analytic, double numerical, string what)
    {
        double tolerance = 2e-3 + 2e-2 * Math.Abs(numerical);
        Assert.True(Math.Abs(analytic - numerical) <= tolerance,
            $"{what}: backprop gives {analytic:G6}, finite differences {numerical:G6}.");
    }
}

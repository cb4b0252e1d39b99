using MnistNet.Native;
using MnistNet.Network;
using MnistNet.Training;

namespace MnistNet.Tests.Training;

/// <summary>
/// One layer of two weights and a bias, with gradients set by hand, so every update can be worked out on paper.
/// Start: w = (1, -2), b = 0.5; gradient dw = (0.5, -1), db = 0.25 unless a test says otherwise.
/// </summary>
public sealed class OptimizerTests : IDisposable
{
    private const float Tolerance = 1e-6f;

    private readonly NeuralNetwork _network = new([2, 1], Activation.ReLU);
    private readonly NetworkWorkspace _gradients;

    public OptimizerTests()
    {
        _gradients = new NetworkWorkspace(_network, 1, forTraining: true);
        SetWeights(1f, -2f, 0.5f);
        SetGradients(0.5f, -1f, 0.25f);
    }

    [Fact]
    public void SgdStepsAgainstTheGradient()
    {
        using var optimizer = new Optimizer(_network, OptimizerKind.Sgd, 0.1);

        optimizer.Apply(_gradients);

        // w - 0.1 · g: 1 - 0.05, -2 + 0.1; b: 0.5 - 0.025.
        AssertParameters(0.95f, -1.9f, 0.475f);
    }

    [Fact]
    public void MomentumAccumulatesVelocity()
    {
        using var optimizer = new Optimizer(_network, OptimizerKind.Momentum, 0.1);

        optimizer.Apply(_gradients);
        optimizer.Apply(_gradients);

        // Step 1: v = g, w -= 0.1 g. Step 2: v = 0.9 g + g = 1.9 g, w -= 0.19 g. In all w -= 0.29 g.
        AssertParameters(0.855f, -1.71f, 0.4275f);
    }

    [Fact]
    public void NesterovLooksAheadAlongTheVelocity()
    {
        using var optimizer = new Optimizer(_network, OptimizerKind.Nesterov, 0.1);

        optimizer.Apply(_gradients);
        AssertParameters(0.905f, -1.81f, 0.4525f); // v = g; w -= 0.1 (g + 0.9 g) = 0.19 g

        optimizer.Apply(_gradients);
        AssertParameters(0.7695f, -1.539f, 0.38475f); // v = 1.9 g; w -= 0.1 (g + 0.9 · 1.9 g) = 0.271 g
    }

    [Fact]
    public void AdamTakesStepsOfTheLearningRateWhileTheGradientIsSteady()
    {
        using var optimizer = new Optimizer(_network, OptimizerKind.Adam, 0.1);

        // Step 1: m = 0.1 g, v = 0.001 g², so m̂ = g and v̂ = g²: w -= 0.1 · g / |g|.
        optimizer.Apply(_gradients);
        AssertParameters(0.9f, -1.9f, 0.4f);

        // Step 2: m = 0.19 g over 1 - 0.81, v = 0.001999 g² over 1 - 0.998001: again m̂ = g, v̂ = g².
        optimizer.Apply(_gradients);
        AssertParameters(0.8f, -1.8f, 0.3f);
        Assert.Equal(2, optimizer.Step);
    }

    [Fact]
    public void SgdWeightDecayAddsTheL2GradientToWeightsOnly()
    {
        using var optimizer = new Optimizer(_network, OptimizerKind.Sgd, 0.1, weightDecay: 0.5);

        optimizer.Apply(_gradients);

        // g + 0.5 w = (0.5 + 0.5, -1 - 1) = (1, -2); w -= 0.1 of that. The bias is not decayed: 0.5 - 0.025.
        AssertParameters(0.9f, -1.8f, 0.475f);
    }

    [Fact]
    public void AdamWDecaysTheWeightsOutsideTheAdaptiveStep()
    {
        SetGradients(0f, 0f, 0f);
        using var adamW = new Optimizer(_network, OptimizerKind.AdamW, 0.1, weightDecay: 0.5);

        adamW.Apply(_gradients);

        // w · (1 - 0.1 · 0.5) = 0.95 w; with zero gradients Adam then moves nothing.
        AssertParameters(0.95f, -1.9f, 0.5f);
    }

    [Fact]
    public void AdamWithL2DecayRescalesTheDecayByTheAdaptiveStep()
    {
        SetGradients(0f, 0f, 0f);
        using var adam = new Optimizer(_network, OptimizerKind.Adam, 0.1, weightDecay: 0.5);

        adam.Apply(_gradients);

        // The gradient becomes 0.5 w = (0.5, -1), and Adam's first step is 0.1 against its sign, whatever its size.
        AssertParameters(0.9f, -1.9f, 0.5f);
    }

    [Fact]
    public void ClippingScalesAllGradientsByOneFactorToTheGlobalNorm()
    {
        SetGradients(3f, 0f, 4f); // global norm sqrt(9 + 0 + 16) = 5
        using var optimizer = new Optimizer(_network, OptimizerKind.Sgd, 1.0, gradientClip: 1.0);

        optimizer.Apply(_gradients);

        // Scaled by 1 / 5 to (0.6, 0) and 0.8.
        AssertParameters(0.4f, -2f, -0.3f);
    }

    [Fact]
    public void ClippingLeavesGradientsWithinTheLimitAlone()
    {
        SetGradients(3f, 0f, 4f);
        using var optimizer = new Optimizer(_network, OptimizerKind.Sgd, 1.0, gradientClip: 5.5);

        optimizer.Apply(_gradients);

        AssertParameters(-2f, -2f, -3.5f);
    }

    [Fact]
    public void RestoredStateContinuesExactly()
    {
        using var first = new Optimizer(_network, OptimizerKind.Adam, 0.1);
        first.Apply(_gradients);
        (long step, float[][] buffers) = first.SaveState();
        float[] weights = _network.Layers[0].GetWeights();
        first.Apply(_gradients);
        float[] expected = _network.Layers[0].GetWeights();

        SetWeights(weights[0], weights[1], _network.Layers[0].GetBiases()[0]);
        using var second = new Optimizer(_network, OptimizerKind.Adam, 0.1);
        second.RestoreState(step, buffers);
        second.Apply(_gradients);

        Assert.Equal(4, buffers.Length); // first and second moments of the weights and of the bias
        Assert.Equal(expected, _network.Layers[0].GetWeights());
    }

    [Fact]
    public void StateOfAnotherOptimizerIsRefused()
    {
        using var momentum = new Optimizer(_network, OptimizerKind.Momentum, 0.1);
        using var adam = new Optimizer(_network, OptimizerKind.Adam, 0.1);

        Assert.Throws<ArgumentException>(() => adam.RestoreState(1, momentum.SaveState().Buffers));
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd, 0.1)]
    [InlineData(OptimizerKind.Momentum, 0.01)]
    [InlineData(OptimizerKind.Nesterov, 0.01)]
    [InlineData(OptimizerKind.Adam, 0.001)]
    [InlineData(OptimizerKind.AdamW, 0.001)]
    public void EveryOptimizerHasADefaultLearningRate(OptimizerKind kind, double rate)
    {
        Assert.Equal(rate, Optimizer.DefaultLearningRate(kind));
    }

    public void Dispose()
    {
        _gradients.Dispose();
        _network.Dispose();
    }

    private void SetWeights(float w0, float w1, float b)
    {
        _network.Layers[0].Weights.Span[0] = w0;
        _network.Layers[0].Weights.Span[1] = w1;
        _network.Layers[0].Biases.Span[0] = b;
    }

    private void SetGradients(float dw0, float dw1, float db)
    {
        _gradients.WeightGradient(0)[0] = dw0;
        _gradients.WeightGradient(0)[1] = dw1;
        _gradients.BiasGradient(0)[0] = db;
    }

    private void AssertParameters(float w0, float w1, float b)
    {
        float[] weights = _network.Layers[0].GetWeights();
        Assert.Equal(w0, weights[0], Tolerance);
        Assert.Equal(w1, weights[1], Tolerance);
        Assert.Equal(b, _network.Layers[0].GetBiases()[0], Tolerance);
    }
}

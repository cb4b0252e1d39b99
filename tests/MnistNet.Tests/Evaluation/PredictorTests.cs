using MnistNet.Data;
using MnistNet.Evaluation;
using MnistNet.Native;
using MnistNet.Network;

namespace MnistNet.Tests.Evaluation;

public class PredictorTests
{
    [Fact]
    public void NetworkWithZeroWeightsPredictsTheSoftmaxOfItsBiases()
    {
        using var network = new NeuralNetwork([784, 10], Activation.ReLU);
        network.Layers[0].Biases.Span[3] = 2f;
        network.Layers[0].Biases.Span[7] = 1f;
        using var predictor = new Predictor(network);
        var sample = new MnistSample(5, 3, Enumerable.Repeat((byte)255, 784).ToArray());

        DigitPrediction prediction = predictor.Predict([sample])[0];

        // softmax: e^2, e^1 and eight e^0 over their sum 7.389056 + 2.718282 + 8 = 18.107338.
        Assert.Equal(3, prediction.Digit);
        Assert.Equal(7.389056f / 18.107338f, prediction.Confidence, 5);
        Assert.Equal(2.718282f / 18.107338f, prediction.Probabilities[7], 5);
        Assert.Equal(1f / 18.107338f, prediction.Probabilities[0], 5);
        Assert.Equal(5, prediction.ImageId);
        Assert.True(prediction.IsCorrect);
    }

    [Fact]
    public void SamplesAndDatasetGiveTheSamePredictionsAcrossBatchBoundaries()
    {
        MnistDataset data = TestData.Synthetic(70, seed: 3);
        using var network = NeuralNetwork.ForMnist([20], Activation.Tanh, seed: 4);
        using var predictor = new Predictor(network, batchSize: 16);

        List<DigitPrediction> fromSamples = predictor.Predict(data.AsSamples().ToList());
        List<DigitPrediction> fromDataset = predictor.Predict(data);

        Assert.Equal(70, fromDataset.Count);
        for (int i = 0; i < 70; i++)
        {
            Assert.Equal(fromDataset[i].Probabilities, fromSamples[i].Probabilities);
            Assert.Equal(i + 1, fromDataset[i].ImageId);
            Assert.Equal(1.0, fromDataset[i].Probabilities.Sum(p => (double)p), 5);
        }
    }

    [Fact]
    public void EvaluationCountsAgreeWithPredictions()
    {
        MnistDataset data = TestData.Synthetic(90, seed: 5);
        using var network = NeuralNetwork.ForMnist([12], Activation.ReLU, seed: 6);
        using var predictor = new Predictor(network, batchSize: 32);

        EvaluationResult result = predictor.Evaluate(data);
        List<DigitPrediction> predictions = predictor.Predict(data);

        Assert.Equal(90, result.Count);
        Assert.Equal(predictions.Count(p => p.IsCorrect == true), result.Correct);
        int total = 0;
        foreach (int cell in result.ConfusionMatrix)
        {
            total += cell;
        }

        Assert.Equal(90, total);
        double meanLoss = predictions.Average(p => -Math.Log(p.Probabilities[p.Label!.Value]));
        Assert.Equal(meanLoss, result.MeanLoss, 4);
    }

    [Fact]
    public void ConfusionMatrixPrintsTrueDigitsDownAndPredictionsAcross()
    {
        var confusion = new int[10, 10];
        confusion[4, 9] = 12;
        confusion[4, 4] = 3;
        var result = new EvaluationResult(15, 3.0, confusion, "memory");

        string[] lines = result.FormatConfusionMatrix().Split('\n');

        Assert.Equal(11, lines.Length);
        Assert.Equal("        4    0    0    0    0    3    0    0    0    0   12", lines[5]);
        Assert.Equal(0.2, result.Accuracy, 10);
        Assert.Equal(0.2, result.MeanLoss, 10);
    }
}

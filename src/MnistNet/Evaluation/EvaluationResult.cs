using System.Globalization;
using System.Text;

namespace MnistNet.Evaluation;

/// <summary>How well a network reads a labelled set of images.</summary>
public sealed class EvaluationResult
{
    internal EvaluationResult(int count, double totalLoss, int[,] confusionMatrix, string source)
    {
        Count = count;
        MeanLoss = count == 0 ? double.NaN : totalLoss / count;
        ConfusionMatrix = confusionMatrix;
        Source = source;

        for (int digit = 0; digit < confusionMatrix.GetLength(0); digit++)
        {
            Correct += confusionMatrix[digit, digit];
        }
    }

    public int Count { get; }

    public int Correct { get; }

    /// <summary>Fraction of images read correctly, 0..1.</summary>
    public double Accuracy => Count == 0 ? double.NaN : (double)Correct / Count;

    /// <summary>Mean cross-entropy per image.</summary>
    public double MeanLoss { get; }

    /// <summary>[true digit, predicted digit] counts; the diagonal holds the correct readings.</summary>
    public int[,] ConfusionMatrix { get; }

    public string Source { get; }

    /// <summary>The confusion matrix as a text table, true digits down the side, predictions across.</summary>
    public string FormatConfusionMatrix()
    {
        int classes = ConfusionMatrix.GetLength(0);
        var text = new StringBuilder();
        text.Append("true\\pred");
        for (int predicted = 0; predicted < classes; predicted++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{predicted,5}");
        }

        for (int actual = 0; actual < classes; actual++)
        {
            text.AppendLine();
            text.Append(CultureInfo.InvariantCulture, $"{actual,9}");
            for (int predicted = 0; predicted < classes; predicted++)
            {
                text.Append(CultureInfo.InvariantCulture, $"{ConfusionMatrix[actual, predicted],5}");
            }
        }

        return text.ToString();
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Correct}/{Count} correct ({Accuracy:P2}), mean loss {MeanLoss:F4}");
}

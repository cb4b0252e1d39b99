using System.Runtime.CompilerServices;

namespace MnistNet.Evaluation;

/// <summary>The network's reading of one image.</summary>
public sealed class DigitPrediction
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal DigitPrediction(int imageId, float[] probabilities, int? label, byte[]? pixels)
    {
        ImageId = imageId;
        Probabilities = probabilities;
        Label = label;
        Pixels = pixels;
        Digit = Predictor.ArgMax(probabilities);
    }

    /// <summary>The image's 1-based id in its source (the ImageId a Kaggle submission needs).</summary>
    public int ImageId { get; }

    /// <summary>The most probable digit.</summary>
    public int Digit { get; }

    /// <summary>The probability the network gives to <see cref="Digit"/>.</summary>
    public float Confidence => Probabilities[Digit];

    /// <summary>Probability of each digit 0..9; they sum to 1.</summary>
    public float[] Probabilities { get; }

    /// <summary>The true digit when the image was labelled, else null.</summary>
    public int? Label { get; }

    /// <summary>Whether the prediction matches the label; null for unlabelled images.</summary>
    public bool? IsCorrect => Label is { } label ? label == Digit : null;

    /// <summary>The image that was read, when it was kept, so that it can be drawn next to its prediction.</summary>
    public byte[]? Pixels { get; }

    public override string ToString() => $"Image {ImageId}: {Digit} ({Confidence:P1})";
}

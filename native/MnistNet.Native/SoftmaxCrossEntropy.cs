using System.Runtime.CompilerServices;

namespace MnistNet.Native;

/// <summary>
/// Softmax over each row of a rows x classes matrix of logits, with the cross-entropy loss against integer labels.
/// The loss is computed as log(Σ exp(z - max)) - (z_label - max), which is finite for any finite logits: it never
/// takes the logarithm of a probability that underflowed to 0.
/// </summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>
    /// Replaces each row of logits by its softmax probabilities (the row maximum is subtracted first so exp never
    /// overflows) and returns the summed cross-entropy of the rows against labels. With empty labels only the
    /// probabilities are computed and 0 is returned.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Forward(Span<float> logits, ReadOnlySpan<byte> labels, int rows, int classes)
        => Forward(logits, labels, rows, classes, default, KernelSelector.Active);

    /// <inheritdoc cref="Forward(Span{float}, ReadOnlySpan{byte}, int, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Forward(Span<float> logits, ReadOnlySpan<byte> labels, int rows, int classes, KernelPath path)
        => Forward(logits, labels, rows, classes, default, path);

    /// <inheritdoc cref="Forward(Span{float}, ReadOnlySpan{byte}, int, int, Span{float}, KernelPath)"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Forward(Span<float> logits, ReadOnlySpan<byte> labels, int rows, int classes,
        Span<float> rowLosses)
        => Forward(logits, labels, rows, classes, rowLosses, KernelSelector.Active);

    /// <summary>
    /// <see cref="Forward(Span{float}, ReadOnlySpan{byte}, int, int)"/> that also writes each row's cross-entropy
    /// to <paramref name="rowLosses"/> (when labels are given): the very terms of the returned sum, so that rows
    /// computed in separate calls can be added up in row order with the bits of one call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Forward(Span<float> logits, ReadOnlySpan<byte> labels, int rows, int classes,
        Span<float> rowLosses, KernelPath path)
    {
        Validate(logits.Length, labels, rows, classes, allowNoLabels: true);
        if (!rowLosses.IsEmpty && rowLosses.Length < rows)
        {
            throw new ArgumentException($"rowLosses has {rowLosses.Length} elements; {rows} needed.",
                nameof(rowLosses));
        }

        if (labels.IsEmpty)
        {
            rowLosses = default;
        }

        return KernelSelector.Require(path) switch
        {
            KernelPath.Avx2 => SoftmaxCrossEntropyAvx2.Forward(logits, labels, rows, classes, rowLosses),
            KernelPath.Vector128 => SoftmaxCrossEntropyVector128.Forward(logits, labels, rows, classes, rowLosses),
            _ => SoftmaxCrossEntropyScalar.Forward(logits, labels, rows, classes, rowLosses),
        };
    }

    /// <summary>
    /// gradient[r, c] = scale · (probabilities[r, c] - [c == labels[r]]): the gradient of the loss with respect to
    /// the logits. With scale = 1 / rows it is the gradient of the batch's mean loss.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> probabilities, ReadOnlySpan<byte> labels, Span<float> gradient,
        int rows, int classes, float scale)
        => Backward(probabilities, labels, gradient, rows, classes, scale, KernelSelector.Active);

    /// <inheritdoc cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{byte}, Span{float}, int, int, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> probabilities, ReadOnlySpan<byte> labels, Span<float> gradient,
        int rows, int classes, float scale, KernelPath path)
    {
        Validate(probabilities.Length, labels, rows, classes, allowNoLabels: false);
        if (gradient.Length < (long)rows * classes)
        {
            throw new ArgumentException($"gradient has {gradient.Length} elements; {rows} x {classes} needed.");
        }

        switch (KernelSelector.Require(path))
        {
            case KernelPath.Avx2:
                SoftmaxCrossEntropyAvx2.Backward(probabilities, labels, gradient, rows, classes, scale);
                break;
            case KernelPath.Vector128:
                SoftmaxCrossEntropyVector128.Backward(probabilities, labels, gradient, rows, classes, scale);
                break;
            default:
                SoftmaxCrossEntropyScalar.Backward(probabilities, labels, gradient, rows, classes, scale);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Validate(int length, ReadOnlySpan<byte> labels, int rows, int classes, bool allowNoLabels)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (length < (long)rows * classes)
        {
            throw new ArgumentException($"The matrix has {length} elements; {rows} x {classes} needed.");
        }

        if (labels.IsEmpty && allowNoLabels)
        {
            return;
        }

        if (labels.Length < rows)
        {
            throw new ArgumentException($"{labels.Length} labels for {rows} rows.");
        }

        for (int r = 0; r < rows; r++)
        {
            if (labels[r] >= classes)
            {
                throw new ArgumentOutOfRangeException(nameof(labels),
                    $"Label {labels[r]} of row {r} is outside 0..{classes - 1}.");
            }
        }
    }
}

/// <summary>The reference softmax and cross-entropy.</summary>
internal static class SoftmaxCrossEntropyScalar
{
    public static double Forward(Span<float> logits, ReadOnlySpan<byte> labels, int rows, int classes,
        Span<float> rowLosses)
    {
        double totalLoss = 0;
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = logits.Slice(r * classes, classes);

            float max = row[0];
            for (int c = 1; c < classes; c++)
            {
                max = MathF.Max(max, row[c]);
            }

            float labelLogit = labels.IsEmpty ? 0f : row[labels[r]] - max;
            float sum = 0f;
            for (int c = 0; c < classes; c++)
            {
                row[c] = MathF.Exp(row[c] - max);
                sum += row[c];
            }

            float inverse = 1f / sum;
            for (int c = 0; c < classes; c++)
            {
                row[c] *= inverse;
            }

            if (!labels.IsEmpty)
            {
                float rowLoss = MathF.Log(sum) - labelLogit;
                totalLoss += rowLoss;
                if (!rowLosses.IsEmpty)
                {
                    rowLosses[r] = rowLoss;
                }
            }
        }

        return totalLoss;
    }

    public static void Backward(ReadOnlySpan<float> probabilities, ReadOnlySpan<byte> labels, Span<float> gradient,
        int rows, int classes, float scale)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < classes; c++)
            {
                float target = c == labels[r] ? 1f : 0f;
                gradient[r * classes + c] = scale * (probabilities[r * classes + c] - target);
            }
        }
    }
}

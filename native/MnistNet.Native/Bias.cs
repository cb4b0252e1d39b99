using System.Runtime.CompilerServices;

namespace MnistNet.Native;

/// <summary>Bias vectors broadcast over the rows of a batch (rows x cols, row-major), and their gradient.</summary>
public static class Bias
{
    /// <summary>values[r, c] += bias[c] for every row r.</summary>
    public static void Add(Span<float> values, ReadOnlySpan<float> bias, int rows, int cols)
        => Add(values, bias, rows, cols, KernelSelector.Active);

    /// <inheritdoc cref="Add(Span{float}, ReadOnlySpan{float}, int, int)"/>
    public static void Add(Span<float> values, ReadOnlySpan<float> bias, int rows, int cols, KernelPath path)
    {
        Validate(values.Length, bias.Length, rows, cols);
        switch (KernelSelector.Require(path))
        {
            case KernelPath.Avx2:
                BiasAvx2.Add(values, bias, rows, cols);
                break;
            case KernelPath.Vector128:
                BiasVector128.Add(values, bias, rows, cols);
                break;
            default:
                BiasScalar.Add(values, bias, rows, cols);
                break;
        }
    }

    /// <summary>biasGradient[c] = Σ over rows r of gradient[r, c]; rows are added in ascending order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gradient(ReadOnlySpan<float> gradient, Span<float> biasGradient, int rows, int cols)
        => Gradient(gradient, biasGradient, rows, cols, KernelSelector.Active);

    /// <inheritdoc cref="Gradient(ReadOnlySpan{float}, Span{float}, int, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gradient(ReadOnlySpan<float> gradient, Span<float> biasGradient, int rows, int cols,
        KernelPath path)
    {
        Validate(gradient.Length, biasGradient.Length, rows, cols);
        switch (KernelSelector.Require(path))
        {
            case KernelPath.Avx2:
                BiasAvx2.Gradient(gradient, biasGradient, rows, cols);
                break;
            case KernelPath.Vector128:
                BiasVector128.Gradient(gradient, biasGradient, rows, cols);
                break;
            default:
                BiasScalar.Gradient(gradient, biasGradient, rows, cols);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Validate(int matrixLength, int biasLength, int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        if (matrixLength < (long)rows * cols || biasLength < cols)
        {
            throw new ArgumentException(
                $"Spans too short for {rows} x {cols}: matrix has {matrixLength}, bias has {biasLength}.");
        }
    }
}

/// <summary>The reference bias kernels.</summary>
internal static class BiasScalar
{
    public static void Add(Span<float> values, ReadOnlySpan<float> bias, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                values[r * cols + c] += bias[c];
            }
        }
    }

    public static void Gradient(ReadOnlySpan<float> gradient, Span<float> biasGradient, int rows, int cols)
    {
        biasGradient[..cols].Clear();
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                biasGradient[c] += gradient[r * cols + c];
            }
        }
    }
}

namespace MnistNet.Native;

/// <summary>
/// Single-precision matrix multiply in the three forms that backpropagation through a dense layer needs, on
/// row-major, densely packed matrices, without ever materialising a transpose. Dimension letters: C is m x n and
/// the sum runs over k.
/// <list type="bullet">
/// <item>Forward, Z = X·W: <see cref="MultiplyNN"/> with A m x k and B k x n.</item>
/// <item>Input gradient, dX = dZ·Wᵀ: <see cref="MultiplyNT"/> with A m x k and B n x k.</item>
/// <item>Weight gradient, dW = Xᵀ·dZ: <see cref="MultiplyTN"/> with A k x m and B k x n.</item>
/// </list>
/// With <c>accumulate</c> the product is added to C; otherwise C is overwritten. Scalar, NN and TN sum over k in
/// ascending order for every element; the vector NT paths keep one partial sum per lane and combine the lanes in a
/// fixed order. Either way a path's result does not depend on how the work is split between threads, but the
/// paths can differ from each other in the last bits (fused multiply-add, lane order).
/// </summary>
public static class Gemm
{
    /// <summary>C[m×n] = A[m×k] · B[k×n] (plus C when accumulating).</summary>
    public static void MultiplyNN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, bool accumulate = false)
        => MultiplyNN(a, b, c, m, k, n, accumulate, KernelSelector.Active);

    /// <inheritdoc cref="MultiplyNN(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/>
    public static void MultiplyNN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, bool accumulate, KernelPath path)
    {
        Validate(a, b, c, m, k, n, (long)m * k, (long)k * n);
        switch (KernelSelector.Require(path))
        {
            case KernelPath.Avx2:
                GemmAvx2.MultiplyNN(a, b, c, m, k, n, accumulate);
                break;
            case KernelPath.Vector128:
                GemmVector128.MultiplyNN(a, b, c, m, k, n, accumulate);
                break;
            default:
                GemmScalar.MultiplyNN(a, b, c, m, k, n, accumulate);
                break;
        }
    }

    /// <summary>C[m×n] = A[m×k] · B[n×k]ᵀ (plus C when accumulating).</summary>
    public static void MultiplyNT(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, bool accumulate = false)
        => MultiplyNT(a, b, c, m, k, n, accumulate, KernelSelector.Active);

    /// <inheritdoc cref="MultiplyNT(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/>
    public static void MultiplyNT(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, bool accumulate, KernelPath path)
    {
        Validate(a, b, c, m, k, n, (long)m * k, (long)n * k);
        switch (KernelSelector.Require(path))
        {
            case KernelPath.Avx2:
                GemmAvx2.MultiplyNT(a, b, c, m, k, n, accumulate);
                break;
            case KernelPath.Vector128:
                GemmVector128.MultiplyNT(a, b, c, m, k, n, accumulate);
                break;
            default:
                GemmScalar.MultiplyNT(a, b, c, m, k, n, accumulate);
                break;
        }
    }

    /// <summary>C[m×n] = A[k×m]ᵀ · B[k×n] (plus C when accumulating).</summary>
    public static void MultiplyTN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, bool accumulate = false)
        => MultiplyTN(a, b, c, m, k, n, accumulate, KernelSelector.Active);

    /// <inheritdoc cref="MultiplyTN(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/>
    public static void MultiplyTN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, bool accumulate, KernelPath path)
    {
        Validate(a, b, c, m, k, n, (long)k * m, (long)k * n);
        switch (KernelSelector.Require(path))
        {
            case KernelPath.Avx2:
                GemmAvx2.MultiplyTN(a, b, c, m, k, n, accumulate);
                break;
            case KernelPath.Vector128:
                GemmVector128.MultiplyTN(a, b, c, m, k, n, accumulate);
                break;
            default:
                GemmScalar.MultiplyTN(a, b, c, m, k, n, accumulate);
                break;
        }
    }

    private static void Validate(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, long aLength, long bLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (a.Length < aLength || b.Length < bLength || c.Length < (long)m * n)
        {
            throw new ArgumentException(
                $"Matrix spans are too short for m={m}, k={k}, n={n}: A has {a.Length} (needs {aLength}), " +
                $"B has {b.Length} (needs {bLength}), C has {c.Length} (needs {(long)m * n}).");
        }
    }
}

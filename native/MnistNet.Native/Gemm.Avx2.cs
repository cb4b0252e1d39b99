using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MnistNet.Native;

/// <summary>
/// Matrix multiply on 256-bit AVX2 vectors with fused multiply-add, for products of fewer than six rows (a single
/// image, a tiny batch); larger ones go to <see cref="GemmPackedAvx2"/>. NN and TN share one register-blocked
/// micro-kernel that reads A through a row stride and a depth stride, so TN needs no transposed copy. Every element
/// of C is still summed over k in ascending order (one accumulator lane per element), starting from C itself when
/// accumulating; only the fusing of each multiply-add differs from the scalar reference. NT is a dot product over
/// k, vectorised along k, so its lanes hold partial sums that are combined at the end.
/// </summary>
/// <remarks>
/// The loops skip tiered compilation (AggressiveOptimization). A script predicting one image at a time otherwise
/// ran them unoptimised for its first 0.2-0.3 s: 20 us an image instead of 5, then 6-8 us with this.
/// </remarks>
internal static unsafe class GemmAvx2
{
    private const int Lanes = 8;

    // Four rows by two vectors: eight independent accumulators cover the FMA latency times its throughput, and the
    // two B loads plus four A broadcasts per step stay within two loads a cycle.
    private const int BlockRows = 4;
    private const int BlockCols = 2 * Lanes;
    private const int WideCols = 8 * Lanes;

    /// <summary>C[m×n] = A[m×k] · B[k×n]; a(i, p) = A[i·k + p].</summary>
    public static void MultiplyNN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, bool accumulate)
    {
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            MultiplyStrided(pa, k, 1, pb, pc, m, k, n, accumulate);
        }
    }

    /// <summary>C[m×n] = A[k×m]ᵀ · B[k×n]; a(i, p) = A[p·m + i].</summary>
    public static void MultiplyTN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, bool accumulate)
    {
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            MultiplyStrided(pa, 1, m, pb, pc, m, k, n, accumulate);
        }
    }

    /// <summary>C[m×n] = A[m×k] · B[n×k]ᵀ; c(i, j) = Σp A[i·k + p] · B[j·k + p].</summary>
    public static void MultiplyNT(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, bool accumulate)
    {
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            MultiplyNT(pa, pb, pc, m, k, n, accumulate);
        }
    }

    /// <summary>
    /// C[m×n] = A · B[k×n] where a(i, p) = a[i·rowStride + p·depthStride]; B and C are dense row-major.
    /// </summary>
    private static void MultiplyStrided(float* a, nint rowStride, nint depthStride, float* b, float* c,
        int m, int k, int n, bool accumulate)
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        // Only products of fewer rows than the packed kernel's block reach this class, so A's few rows stay in L1
        // while B streams past once.
        MultiplyByRows(a, rowStride, depthStride, b, c, m, k, n, accumulate);
    }

    /// <summary>The strided product with row blocks of A outer: their few rows stay in L1 while B streams by.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyByRows(float* a, nint rowStride, nint depthStride, float* b, float* c,
        int m, int k, int n, bool accumulate)
    {
        int i = 0;
        for (; i + BlockRows <= m; i += BlockRows)
        {
            float* aBlock = a + i * rowStride;
            float* cBlock = c + (nint)i * n;
            int j = 0;
            for (; j + BlockCols <= n; j += BlockCols)
            {
                Kernel4x16(aBlock, rowStride, depthStride, b + j, n, cBlock + j, k, accumulate);
            }

            for (; j < n; j += Lanes)
            {
                Kernel4x8Masked(aBlock, rowStride, depthStride, b + j, n, cBlock + j, k, Math.Min(Lanes, n - j),
                    accumulate);
            }
        }

        for (; i < m; i++)
        {
            float* aRow = a + i * rowStride;
            float* cRow = c + (nint)i * n;
            int j = 0;
            for (; j + WideCols <= n; j += WideCols)
            {
                Kernel1x64(aRow, depthStride, b + j, n, cRow + j, k, accumulate);
            }

            for (; j + BlockCols <= n; j += BlockCols)
            {
                Kernel1x16(aRow, depthStride, b + j, n, cRow + j, k, accumulate);
            }

            for (; j < n; j += Lanes)
            {
                Kernel1x8Masked(aRow, depthStride, b + j, n, cRow + j, k, Math.Min(Lanes, n - j), accumulate);
            }
        }
    }

    /// <summary>
    /// C[4×16] = A[4×k] · B[k×16], plus C when accumulating; B and C both have row stride ldb (= n).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel4x16(float* a, nint rowStride, nint depthStride, float* b, nint ldb, float* c,
        int k, bool accumulate)
    {
        float* c0 = c;
        float* c1 = c0 + ldb;
        float* c2 = c1 + ldb;
        float* c3 = c2 + ldb;

        Vector256<float> acc00, acc01, acc10, acc11, acc20, acc21, acc30, acc31;
        if (accumulate)
        {
            acc00 = Avx.LoadVector256(c0);
            acc01 = Avx.LoadVector256(c0 + Lanes);
            acc10 = Avx.LoadVector256(c1);
            acc11 = Avx.LoadVector256(c1 + Lanes);
            acc20 = Avx.LoadVector256(c2);
            acc21 = Avx.LoadVector256(c2 + Lanes);
            acc30 = Avx.LoadVector256(c3);
            acc31 = Avx.LoadVector256(c3 + Lanes);
        }
        else
        {
            acc00 = acc01 = acc10 = acc11 = acc20 = acc21 = acc30 = acc31 = Vector256<float>.Zero;
        }

        float* a0 = a;
        float* a1 = a0 + rowStride;
        float* a2 = a1 + rowStride;
        float* a3 = a2 + rowStride;
        float* bRow = b;
        nint offset = 0;
        for (int p = 0; p < k; p++)
        {
            Vector256<float> b0 = Avx.LoadVector256(bRow);
            Vector256<float> b1 = Avx.LoadVector256(bRow + Lanes);

            Vector256<float> x = Avx.BroadcastScalarToVector256(a0 + offset);
            acc00 = Fma.MultiplyAdd(x, b0, acc00);
            acc01 = Fma.MultiplyAdd(x, b1, acc01);

            x = Avx.BroadcastScalarToVector256(a1 + offset);
            acc10 = Fma.MultiplyAdd(x, b0, acc10);
            acc11 = Fma.MultiplyAdd(x, b1, acc11);

            x = Avx.BroadcastScalarToVector256(a2 + offset);
            acc20 = Fma.MultiplyAdd(x, b0, acc20);
            acc21 = Fma.MultiplyAdd(x, b1, acc21);

            x = Avx.BroadcastScalarToVector256(a3 + offset);
            acc30 = Fma.MultiplyAdd(x, b0, acc30);
            acc31 = Fma.MultiplyAdd(x, b1, acc31);

            bRow += ldb;
            offset += depthStride;
        }

        Avx.Store(c0, acc00);
        Avx.Store(c0 + Lanes, acc01);
        Avx.Store(c1, acc10);
        Avx.Store(c1 + Lanes, acc11);
        Avx.Store(c2, acc20);
        Avx.Store(c2 + Lanes, acc21);
        Avx.Store(c3, acc30);
        Avx.Store(c3 + Lanes, acc31);
    }

    /// <summary>
    /// C[4×width] = A[4×k] · B[k×width] for 1 ≤ width ≤ 8; masked loads and stores keep the column tail inside
    /// the matrices (masked-off lanes are neither read nor written).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel4x8Masked(float* a, nint rowStride, nint depthStride, float* b, nint ldb, float* c,
        int k, int width, bool accumulate)
    {
        Vector256<float> mask = TailMask(width);
        float* c0 = c;
        float* c1 = c0 + ldb;
        float* c2 = c1 + ldb;
        float* c3 = c2 + ldb;

        Vector256<float> acc0, acc1, acc2, acc3;
        if (accumulate)
        {
            acc0 = Avx.MaskLoad(c0, mask);
            acc1 = Avx.MaskLoad(c1, mask);
            acc2 = Avx.MaskLoad(c2, mask);
            acc3 = Avx.MaskLoad(c3, mask);
        }
        else
        {
            acc0 = acc1 = acc2 = acc3 = Vector256<float>.Zero;
        }

        float* a0 = a;
        float* a1 = a0 + rowStride;
        float* a2 = a1 + rowStride;
        float* a3 = a2 + rowStride;
        float* bRow = b;
        nint offset = 0;
        for (int p = 0; p < k; p++)
        {
            Vector256<float> b0 = Avx.MaskLoad(bRow, mask);
            acc0 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a0 + offset), b0, acc0);
            acc1 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a1 + offset), b0, acc1);
            acc2 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a2 + offset), b0, acc2);
            acc3 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a3 + offset), b0, acc3);
            bRow += ldb;
            offset += depthStride;
        }

        Avx.MaskStore(c0, mask, acc0);
        Avx.MaskStore(c1, mask, acc1);
        Avx.MaskStore(c2, mask, acc2);
        Avx.MaskStore(c3, mask, acc3);
    }

    /// <summary>
    /// One row of C over 64 columns: eight independent chains of fused multiply-adds, enough to cover the FMA
    /// latency, where <see cref="Kernel1x16"/>'s two chains would wait on it at every step. Predicting one image
    /// is this kernel's work.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel1x64(float* a, nint depthStride, float* b, nint ldb, float* c, int k, bool accumulate)
    {
        Vector256<float> acc0 = Vector256<float>.Zero, acc1 = acc0, acc2 = acc0, acc3 = acc0;
        Vector256<float> acc4 = acc0, acc5 = acc0, acc6 = acc0, acc7 = acc0;
        if (accumulate)
        {
            acc0 = Avx.LoadVector256(c);
            acc1 = Avx.LoadVector256(c + Lanes);
            acc2 = Avx.LoadVector256(c + 2 * Lanes);
            acc3 = Avx.LoadVector256(c + 3 * Lanes);
            acc4 = Avx.LoadVector256(c + 4 * Lanes);
            acc5 = Avx.LoadVector256(c + 5 * Lanes);
            acc6 = Avx.LoadVector256(c + 6 * Lanes);
            acc7 = Avx.LoadVector256(c + 7 * Lanes);
        }

        float* bRow = b;
        nint offset = 0;
        for (int p = 0; p < k; p++)
        {
            Vector256<float> x = Avx.BroadcastScalarToVector256(a + offset);
            acc0 = Fma.MultiplyAdd(x, Avx.LoadVector256(bRow), acc0);
            acc1 = Fma.MultiplyAdd(x, Avx.LoadVector256(bRow + Lanes), acc1);
            acc2 = Fma.MultiplyAdd(x, Avx.LoadVector256(bRow + 2 * Lanes), acc2);
            acc3 = Fma.MultiplyAdd(x, Avx.LoadVector256(bRow + 3 * Lanes), acc3);
            acc4 = Fma.MultiplyAdd(x, Avx.LoadVector256(bRow + 4 * Lanes), acc4);
            acc5 = Fma.MultiplyAdd(x, Avx.LoadVector256(bRow + 5 * Lanes), acc5);
            acc6 = Fma.MultiplyAdd(x, Avx.LoadVector256(bRow + 6 * Lanes), acc6);
            acc7 = Fma.MultiplyAdd(x, Avx.LoadVector256(bRow + 7 * Lanes), acc7);
            bRow += ldb;
            offset += depthStride;
        }

        Avx.Store(c, acc0);
        Avx.Store(c + Lanes, acc1);
        Avx.Store(c + 2 * Lanes, acc2);
        Avx.Store(c + 3 * Lanes, acc3);
        Avx.Store(c + 4 * Lanes, acc4);
        Avx.Store(c + 5 * Lanes, acc5);
        Avx.Store(c + 6 * Lanes, acc6);
        Avx.Store(c + 7 * Lanes, acc7);
    }

    /// <summary>C[1×16] = A[1×k] · B[k×16]: the rows left over below the last 4-row block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel1x16(float* a, nint depthStride, float* b, nint ldb, float* c, int k, bool accumulate)
    {
        Vector256<float> acc0 = accumulate ? Avx.LoadVector256(c) : Vector256<float>.Zero;
        Vector256<float> acc1 = accumulate ? Avx.LoadVector256(c + Lanes) : Vector256<float>.Zero;

        float* bRow = b;
        nint offset = 0;
        for (int p = 0; p < k; p++)
        {
            Vector256<float> x = Avx.BroadcastScalarToVector256(a + offset);
            acc0 = Fma.MultiplyAdd(x, Avx.LoadVector256(bRow), acc0);
            acc1 = Fma.MultiplyAdd(x, Avx.LoadVector256(bRow + Lanes), acc1);
            bRow += ldb;
            offset += depthStride;
        }

        Avx.Store(c, acc0);
        Avx.Store(c + Lanes, acc1);
    }

    /// <summary>
    /// C[1×width] = A[1×k] · B[k×width] for 1 ≤ width ≤ 8, masked like <see cref="Kernel4x8Masked"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel1x8Masked(float* a, nint depthStride, float* b, nint ldb, float* c, int k, int width,
        bool accumulate)
    {
        Vector256<float> mask = TailMask(width);
        Vector256<float> acc = accumulate ? Avx.MaskLoad(c, mask) : Vector256<float>.Zero;

        float* bRow = b;
        nint offset = 0;
        for (int p = 0; p < k; p++)
        {
            acc = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a + offset), Avx.MaskLoad(bRow, mask), acc);
            bRow += ldb;
            offset += depthStride;
        }

        Avx.MaskStore(c, mask, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyNT(float* a, float* b, float* c, int m, int k, int n, bool accumulate)
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            float* aBlock = a + (nint)i * k;
            float* cBlock = c + (nint)i * n;
            int j = 0;
            for (; j + 2 <= n; j += 2)
            {
                Dot4x2(aBlock, b + (nint)j * k, cBlock + j, k, n, accumulate);
            }

            for (; j < n; j++)
            {
                for (int r = 0; r < 4; r++)
                {
                    float* cij = cBlock + (nint)r * n + j;
                    *cij = (accumulate ? *cij : 0f) + Dot(aBlock + (nint)r * k, b + (nint)j * k, k);
                }
            }
        }

        for (; i < m; i++)
        {
            float* aRow = a + (nint)i * k;
            float* cRow = c + (nint)i * n;
            for (int j = 0; j < n; j++)
            {
                cRow[j] = (accumulate ? cRow[j] : 0f) + Dot(aRow, b + (nint)j * k, k);
            }
        }
    }

    /// <summary>
    /// C[4×2] (row stride ldc) += A[4×k] · B[2×k]ᵀ: each A vector is loaded once for two columns
    /// and each B vector
    /// once for four rows. The last k % 8 elements come in through a masked load, which reads nothing past k.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4x2(float* a, float* b, float* c, int k, nint ldc, bool accumulate)
    {
        float* a0 = a;
        float* a1 = a0 + k;
        float* a2 = a1 + k;
        float* a3 = a2 + k;
        float* b0 = b;
        float* b1 = b0 + k;

        Vector256<float> s00 = Vector256<float>.Zero, s01 = s00, s10 = s00, s11 = s00;
        Vector256<float> s20 = s00, s21 = s00, s30 = s00, s31 = s00;
        int p = 0;
        for (; p + Lanes <= k; p += Lanes)
        {
            Vector256<float> y0 = Avx.LoadVector256(b0 + p);
            Vector256<float> y1 = Avx.LoadVector256(b1 + p);

            Vector256<float> x = Avx.LoadVector256(a0 + p);
            s00 = Fma.MultiplyAdd(x, y0, s00);
            s01 = Fma.MultiplyAdd(x, y1, s01);

            x = Avx.LoadVector256(a1 + p);
            s10 = Fma.MultiplyAdd(x, y0, s10);
            s11 = Fma.MultiplyAdd(x, y1, s11);

            x = Avx.LoadVector256(a2 + p);
            s20 = Fma.MultiplyAdd(x, y0, s20);
            s21 = Fma.MultiplyAdd(x, y1, s21);

            x = Avx.LoadVector256(a3 + p);
            s30 = Fma.MultiplyAdd(x, y0, s30);
            s31 = Fma.MultiplyAdd(x, y1, s31);
        }

        if (p < k)
        {
            Vector256<float> mask = TailMask(k - p);
            Vector256<float> y0 = Avx.MaskLoad(b0 + p, mask);
            Vector256<float> y1 = Avx.MaskLoad(b1 + p, mask);

            Vector256<float> x = Avx.MaskLoad(a0 + p, mask);
            s00 = Fma.MultiplyAdd(x, y0, s00);
            s01 = Fma.MultiplyAdd(x, y1, s01);

            x = Avx.MaskLoad(a1 + p, mask);
            s10 = Fma.MultiplyAdd(x, y0, s10);
            s11 = Fma.MultiplyAdd(x, y1, s11);

            x = Avx.MaskLoad(a2 + p, mask);
            s20 = Fma.MultiplyAdd(x, y0, s20);
            s21 = Fma.MultiplyAdd(x, y1, s21);

            x = Avx.MaskLoad(a3 + p, mask);
            s30 = Fma.MultiplyAdd(x, y0, s30);
            s31 = Fma.MultiplyAdd(x, y1, s31);
        }

        Store2(c, s00, s01, accumulate);
        Store2(c + ldc, s10, s11, accumulate);
        Store2(c + 2 * ldc, s20, s21, accumulate);
        Store2(c + 3 * ldc, s30, s31, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store2(float* c, Vector256<float> sum0, Vector256<float> sum1, bool accumulate)
    {
        c[0] = (accumulate ? c[0] : 0f) + HorizontalSum(sum0);
        c[1] = (accumulate ? c[1] : 0f) + HorizontalSum(sum1);
    }

    /// <summary>Σp x[p] · y[p] over p &lt; k, vectorised like <see cref="Dot4x2"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot(float* x, float* y, int k)
    {
        Vector256<float> sum = Vector256<float>.Zero;
        int p = 0;
        for (; p + Lanes <= k; p += Lanes)
        {
            sum = Fma.MultiplyAdd(Avx.LoadVector256(x + p), Avx.LoadVector256(y + p), sum);
        }

        if (p < k)
        {
            Vector256<float> mask = TailMask(k - p);
            sum = Fma.MultiplyAdd(Avx.MaskLoad(x + p, mask), Avx.MaskLoad(y + p, mask), sum);
        }

        return HorizontalSum(sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float HorizontalSum(Vector256<float> v)
    {
        Vector128<float> half = Sse.Add(v.GetLower(), v.GetUpper());
        Vector128<float> quarter = Sse.Add(half, Sse.MoveHighToLow(half, half));
        return Sse.AddScalar(quarter, Sse.Shuffle(quarter, quarter, 0b01)).ToScalar();
    }

    /// <summary>All-ones in the first <paramref name="width"/> lanes (1..8), zero in the rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> TailMask(int width)
        => Avx2.CompareGreaterThan(Vector256.Create(width), Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7)).AsSingle();
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MnistNet.Native;

/// <summary>
/// Matrix multiply on portable 128-bit vectors, the fallback where AVX2 is absent (older x64, Arm64). Same shape
/// as <see cref="GemmAvx2"/>: NN and TN share a strided register-blocked kernel that keeps k ascending for every
/// element; NT vectorises each dot product along k. There is no portable masked load, so the column and depth
/// tails are scalar.
/// </summary>
internal static unsafe class GemmVector128
{
    private const int Lanes = 4;

    // Four rows by two vectors, as in the AVX2 kernel; eight accumulators fit the sixteen SSE/NEON registers.
    private const int BlockRows = 4;
    private const int BlockCols = 2 * Lanes;

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

    /// <summary>C[m×n] = A · B[k×n] where a(i, p) = a[i·rowStride + p·depthStride].</summary>
    private static void MultiplyStrided(float* a, nint rowStride, nint depthStride, float* b, float* c,
        int m, int k, int n, bool accumulate)
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        int i = 0;
        for (; i + BlockRows <= m; i += BlockRows)
        {
            float* aBlock = a + i * rowStride;
            float* cBlock = c + (nint)i * n;
            int j = 0;
            for (; j + BlockCols <= n; j += BlockCols)
            {
                Kernel4x8(aBlock, rowStride, depthStride, b + j, n, cBlock + j, k, accumulate);
            }

            for (int r = 0; r < BlockRows; r++)
            {
                RowTail(aBlock + r * rowStride, depthStride, b, n, cBlock + (nint)r * n, k, j, accumulate);
            }
        }

        for (; i < m; i++)
        {
            RowTail(a + i * rowStride, depthStride, b, n, c + (nint)i * n, k, 0, accumulate);
        }
    }

    /// <summary>
    /// C[4×8] = A[4×k] · B[k×8], plus C when accumulating; B and C both have row stride ld (= n).
    /// </summary>
    private static void Kernel4x8(float* a, nint rowStride, nint depthStride, float* b, nint ld, float* c,
        int k, bool accumulate)
    {
        float* c0 = c;
        float* c1 = c0 + ld;
        float* c2 = c1 + ld;
        float* c3 = c2 + ld;

        Vector128<float> acc00, acc01, acc10, acc11, acc20, acc21, acc30, acc31;
        if (accumulate)
        {
            acc00 = Vector128.Load(c0);
            acc01 = Vector128.Load(c0 + Lanes);
            acc10 = Vector128.Load(c1);
            acc11 = Vector128.Load(c1 + Lanes);
            acc20 = Vector128.Load(c2);
            acc21 = Vector128.Load(c2 + Lanes);
            acc30 = Vector128.Load(c3);
            acc31 = Vector128.Load(c3 + Lanes);
        }
        else
        {
            acc00 = acc01 = acc10 = acc11 = acc20 = acc21 = acc30 = acc31 = Vector128<float>.Zero;
        }

        float* a0 = a;
        float* a1 = a0 + rowStride;
        float* a2 = a1 + rowStride;
        float* a3 = a2 + rowStride;
        float* bRow = b;
        nint offset = 0;
        for (int p = 0; p < k; p++)
        {
            Vector128<float> b0 = Vector128.Load(bRow);
            Vector128<float> b1 = Vector128.Load(bRow + Lanes);

            Vector128<float> x = Vector128.Create(a0[offset]);
            acc00 = Vector128.MultiplyAddEstimate(x, b0, acc00);
            acc01 = Vector128.MultiplyAddEstimate(x, b1, acc01);

            x = Vector128.Create(a1[offset]);
            acc10 = Vector128.MultiplyAddEstimate(x, b0, acc10);
            acc11 = Vector128.MultiplyAddEstimate(x, b1, acc11);

            x = Vector128.Create(a2[offset]);
            acc20 = Vector128.MultiplyAddEstimate(x, b0, acc20);
            acc21 = Vector128.MultiplyAddEstimate(x, b1, acc21);

            x = Vector128.Create(a3[offset]);
            acc30 = Vector128.MultiplyAddEstimate(x, b0, acc30);
            acc31 = Vector128.MultiplyAddEstimate(x, b1, acc31);

            bRow += ld;
            offset += depthStride;
        }

        acc00.Store(c0);
        acc01.Store(c0 + Lanes);
        acc10.Store(c1);
        acc11.Store(c1 + Lanes);
        acc20.Store(c2);
        acc21.Store(c2 + Lanes);
        acc30.Store(c3);
        acc31.Store(c3 + Lanes);
    }

    /// <summary>
    /// Columns from..n-1 of one row of C: single vectors while four columns remain, then one column at a time.
    /// </summary>
    private static void RowTail(float* a, nint depthStride, float* b, int n, float* c, int k, int from,
        bool accumulate)
    {
        nint ld = n;
        int j = from;
        for (; j + Lanes <= n; j += Lanes)
        {
            Vector128<float> acc = accumulate ? Vector128.Load(c + j) : Vector128<float>.Zero;
            float* bRow = b + j;
            nint offset = 0;
            for (int p = 0; p < k; p++)
            {
                acc = Vector128.MultiplyAddEstimate(Vector128.Create(a[offset]), Vector128.Load(bRow), acc);
                bRow += ld;
                offset += depthStride;
            }

            acc.Store(c + j);
        }

        for (; j < n; j++)
        {
            float sum = accumulate ? c[j] : 0f;
            float* bElement = b + j;
            nint offset = 0;
            for (int p = 0; p < k; p++)
            {
                sum += a[offset] * *bElement;
                bElement += ld;
                offset += depthStride;
            }

            c[j] = sum;
        }
    }

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
    /// C[4×2] (row stride ldc) += A[4×k] · B[2×k]ᵀ, the last k % 4 products added after the lanes.
    /// </summary>
    private static void Dot4x2(float* a, float* b, float* c, int k, nint ldc, bool accumulate)
    {
        float* a0 = a;
        float* a1 = a0 + k;
        float* a2 = a1 + k;
        float* a3 = a2 + k;
        float* b0 = b;
        float* b1 = b0 + k;

        Vector128<float> s00 = Vector128<float>.Zero, s01 = s00, s10 = s00, s11 = s00;
        Vector128<float> s20 = s00, s21 = s00, s30 = s00, s31 = s00;
        int p = 0;
        for (; p + Lanes <= k; p += Lanes)
        {
            Vector128<float> y0 = Vector128.Load(b0 + p);
            Vector128<float> y1 = Vector128.Load(b1 + p);

            Vector128<float> x = Vector128.Load(a0 + p);
            s00 = Vector128.MultiplyAddEstimate(x, y0, s00);
            s01 = Vector128.MultiplyAddEstimate(x, y1, s01);

            x = Vector128.Load(a1 + p);
            s10 = Vector128.MultiplyAddEstimate(x, y0, s10);
            s11 = Vector128.MultiplyAddEstimate(x, y1, s11);

            x = Vector128.Load(a2 + p);
            s20 = Vector128.MultiplyAddEstimate(x, y0, s20);
            s21 = Vector128.MultiplyAddEstimate(x, y1, s21);

            x = Vector128.Load(a3 + p);
            s30 = Vector128.MultiplyAddEstimate(x, y0, s30);
            s31 = Vector128.MultiplyAddEstimate(x, y1, s31);
        }

        float t00 = Vector128.Sum(s00), t01 = Vector128.Sum(s01), t10 = Vector128.Sum(s10), t11 = Vector128.Sum(s11);
        float t20 = Vector128.Sum(s20), t21 = Vector128.Sum(s21), t30 = Vector128.Sum(s30), t31 = Vector128.Sum(s31);
        for (; p < k; p++)
        {
            float y0 = b0[p];
            float y1 = b1[p];
            t00 += a0[p] * y0;
            t01 += a0[p] * y1;
            t10 += a1[p] * y0;
            t11 += a1[p] * y1;
            t20 += a2[p] * y0;
            t21 += a2[p] * y1;
            t30 += a3[p] * y0;
            t31 += a3[p] * y1;
        }

        Store2(c, t00, t01, accumulate);
        Store2(c + ldc, t10, t11, accumulate);
        Store2(c + 2 * ldc, t20, t21, accumulate);
        Store2(c + 3 * ldc, t30, t31, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store2(float* c, float sum0, float sum1, bool accumulate)
    {
        c[0] = (accumulate ? c[0] : 0f) + sum0;
        c[1] = (accumulate ? c[1] : 0f) + sum1;
    }

    /// <summary>Σp x[p] · y[p] over p &lt; k: vector lanes first, then the scalar tail.</summary>
    private static float Dot(float* x, float* y, int k)
    {
        Vector128<float> sum = Vector128<float>.Zero;
        int p = 0;
        for (; p + Lanes <= k; p += Lanes)
        {
            sum = Vector128.MultiplyAddEstimate(Vector128.Load(x + p), Vector128.Load(y + p), sum);
        }

        float total = Vector128.Sum(sum);
        for (; p < k; p++)
        {
            total += x[p] * y[p];
        }

        return total;
    }
}

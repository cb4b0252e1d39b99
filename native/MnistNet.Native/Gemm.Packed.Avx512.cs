using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MnistNet.Native;

/// <summary>
/// The 512-bit tile of <see cref="GemmPackedAvx2"/> for processors with AVX-512: six rows of C by two adjacent
/// 16-column panels, twelve 16-lane accumulators. Each lane does what a lane of the 256-bit kernel does (one fused
/// multiply-add per step of k, k ascending, from 0 or from C), so the results are bit-identical; only twice as many
/// columns move per instruction. On a core with two 512-bit FMA units that doubles the arithmetic peak.
/// </summary>
internal static unsafe class GemmPackedAvx512
{
    private const int PanelWidth = 16;

    /// <summary>Whether this processor has the instructions the tile needs.</summary>
    public static bool IsSupported => Avx512F.IsSupported;

    /// <summary>
    /// C[rows×32] (row stride ldc) = op(A)[rows×k] · [P0 P1] for two panels of 16 columns, P0 at panel and P1 at
    /// panel + secondPanel, each row of both bStep floats after the one before (packed panels, or B read in
    /// place), starting from C when loadC and from 0 otherwise, then + bias[c] and ReLU when given.
    /// op(A)(r, p) = a[r·rowStride + p·depthStride]; rows is 1 to 6.
    /// </summary>
    /// <remarks>
    /// Fewer than six rows (the end of a product whose row count is not a multiple of six) point the missing rows
    /// at the last real one: they repeat its arithmetic and store the same values to the same place. That runs at
    /// the full tile's speed, where a one-row kernel would wait on the latency of its two dependent FMA chains.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel6x32(float* a, nint rowStride, nint depthStride, float* panel, nint secondPanel,
        nint bStep, float* c, nint ldc, int k, int rows, bool loadC, float* bias, bool relu)
    {
        float* a0 = a;
        float* a1 = a + Math.Min(1, rows - 1) * rowStride;
        float* a2 = a + Math.Min(2, rows - 1) * rowStride;
        float* a3 = a + Math.Min(3, rows - 1) * rowStride;
        float* a4 = a + Math.Min(4, rows - 1) * rowStride;
        float* a5 = a + Math.Min(5, rows - 1) * rowStride;
        float* c0 = c;
        float* c1 = c + Math.Min(1, rows - 1) * ldc;
        float* c2 = c + Math.Min(2, rows - 1) * ldc;
        float* c3 = c + Math.Min(3, rows - 1) * ldc;
        float* c4 = c + Math.Min(4, rows - 1) * ldc;
        float* c5 = c + Math.Min(5, rows - 1) * ldc;

        Vector512<float> acc00, acc01, acc10, acc11, acc20, acc21, acc30, acc31, acc40, acc41, acc50, acc51;
        if (loadC)
        {
            acc00 = Avx512F.LoadVector512(c0);
            acc01 = Avx512F.LoadVector512(c0 + PanelWidth);
            acc10 = Avx512F.LoadVector512(c1);
            acc11 = Avx512F.LoadVector512(c1 + PanelWidth);
            acc20 = Avx512F.LoadVector512(c2);
            acc21 = Avx512F.LoadVector512(c2 + PanelWidth);
            acc30 = Avx512F.LoadVector512(c3);
            acc31 = Avx512F.LoadVector512(c3 + PanelWidth);
            acc40 = Avx512F.LoadVector512(c4);
            acc41 = Avx512F.LoadVector512(c4 + PanelWidth);
            acc50 = Avx512F.LoadVector512(c5);
            acc51 = Avx512F.LoadVector512(c5 + PanelWidth);
        }
        else
        {
            acc00 = acc01 = acc10 = acc11 = acc20 = acc21 = Vector512<float>.Zero;
            acc30 = acc31 = acc40 = acc41 = acc50 = acc51 = Vector512<float>.Zero;
        }

        float* end = panel + (nint)k * bStep;
        nint offset = 0;
        for (float* bRow = panel; bRow < end; bRow += bStep)
        {
            Vector512<float> b0 = Avx512F.LoadVector512(bRow);
            Vector512<float> b1 = Avx512F.LoadVector512(bRow + secondPanel);

            Vector512<float> x = Vector512.Create(a0[offset]);
            acc00 = Avx512F.FusedMultiplyAdd(x, b0, acc00);
            acc01 = Avx512F.FusedMultiplyAdd(x, b1, acc01);

            x = Vector512.Create(a1[offset]);
            acc10 = Avx512F.FusedMultiplyAdd(x, b0, acc10);
            acc11 = Avx512F.FusedMultiplyAdd(x, b1, acc11);

            x = Vector512.Create(a2[offset]);
            acc20 = Avx512F.FusedMultiplyAdd(x, b0, acc20);
            acc21 = Avx512F.FusedMultiplyAdd(x, b1, acc21);

            x = Vector512.Create(a3[offset]);
            acc30 = Avx512F.FusedMultiplyAdd(x, b0, acc30);
            acc31 = Avx512F.FusedMultiplyAdd(x, b1, acc31);

            x = Vector512.Create(a4[offset]);
            acc40 = Avx512F.FusedMultiplyAdd(x, b0, acc40);
            acc41 = Avx512F.FusedMultiplyAdd(x, b1, acc41);

            x = Vector512.Create(a5[offset]);
            acc50 = Avx512F.FusedMultiplyAdd(x, b0, acc50);
            acc51 = Avx512F.FusedMultiplyAdd(x, b1, acc51);

            offset += depthStride;
        }

        Vector512<float> bias0 = Vector512<float>.Zero, bias1 = bias0;
        bool addBias = bias != null;
        if (addBias)
        {
            bias0 = Avx512F.LoadVector512(bias);
            bias1 = Avx512F.LoadVector512(bias + PanelWidth);
        }

        Finish(c0, acc00, acc01, addBias, bias0, bias1, relu);
        Finish(c1, acc10, acc11, addBias, bias0, bias1, relu);
        Finish(c2, acc20, acc21, addBias, bias0, bias1, relu);
        Finish(c3, acc30, acc31, addBias, bias0, bias1, relu);
        Finish(c4, acc40, acc41, addBias, bias0, bias1, relu);
        Finish(c5, acc50, acc51, addBias, bias0, bias1, relu);
    }

    /// <summary>
    /// Stores one row of 32 after the epilogue, with the 256-bit kernel's arithmetic: the bias in one rounding,
    /// and ReLU keeping z only where z &gt; 0, so NaN and -0 become +0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(float* c, Vector512<float> low, Vector512<float> high, bool addBias,
        Vector512<float> bias0, Vector512<float> bias1, bool relu)
    {
        if (addBias)
        {
            low = Avx512F.Add(low, bias0);
            high = Avx512F.Add(high, bias1);
        }

        if (relu)
        {
            low = Vector512.ConditionalSelect(Vector512.GreaterThan(low, Vector512<float>.Zero), low,
                Vector512<float>.Zero);
            high = Vector512.ConditionalSelect(Vector512.GreaterThan(high, Vector512<float>.Zero), high,
                Vector512<float>.Zero);
        }

        Avx512F.Store(c, low);
        Avx512F.Store(c + PanelWidth, high);
    }
}

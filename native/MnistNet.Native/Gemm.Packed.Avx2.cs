using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MnistNet.Native;

/// <summary>
/// Matrix multiply on AVX2/FMA with B packed into contiguous 16-column panels and a 6 x 16 register-blocked
/// micro-kernel (twelve 8-lane accumulators). A is read in place through a row stride and a depth stride, so NN,
/// TN and NT differ only in those strides and in how B is packed: NT's packing is its transpose. The sum over k is
/// cut into depth blocks whose partial results pass through C exactly, so every element of C is the same chain of
/// fused multiply-adds, k ascending, from 0 (or from C when accumulating), whichever tile, edge kernel or thread
/// computes it. That makes results bit-identical for any thread count, and NN and TN bit-identical to
/// <see cref="GemmAvx2"/>. Where the processor has AVX-512, pairs of whole panels go through the 512-bit tile of
/// <see cref="GemmPackedAvx512"/> instead, which does the same arithmetic on twice the columns per instruction.
/// NN and TN products exactly ten columns wide (a digit classifier's output layer) go to <see cref="GemmTenColumns"/>.
/// </summary>
/// <remarks>
/// The hot methods skip tiered compilation (AggressiveOptimization): with tiering, the worker thread and the
/// caller spent the first epochs in instrumented code at different speeds, and the faster one waited.
/// </remarks>
internal static unsafe partial class GemmPackedAvx2
{
    private const int Lanes = 8;
    private const int Rows = 6;
    private const int Cols = 2 * Lanes;

    // A depth block of up to 512: six rows of A (12 KB) stay in L1 and a packed block of B for 128 columns
    // (256 KB) in L2. Blocks are balanced (k = 784 gives two of 392) and depend on k alone, never on threads.
    private const int MaxDepth = 512;

    // Below this many multiply-adds the second thread's wake-up and the shared cache lines cost more than it saves.
    private const long SplitThreshold = 256 * 1024;

    /// <summary>
    /// Whether pairs of whole panels go through <see cref="GemmPackedAvx512"/>'s 512-bit tile. On by default where
    /// the processor has AVX-512; the bits are the same either way, so this only exists to test and measure both.
    /// </summary>
    internal static bool UseAvx512 { get; set; } = GemmPackedAvx512.IsSupported;

    /// <summary>
    /// Whether products ten columns wide (NN and TN) go through <see cref="GemmTenColumns"/>, whose lanes run down
    /// C's rows, instead of panels with six lanes in sixteen idle. The bits are the same either way, so this only
    /// exists to test and measure both.
    /// </summary>
    internal static bool UseTenColumns { get; set; } = true;

    /// <summary>How C's epilogue treats each finished element: plain, or with a bias and ReLU.</summary>
    internal struct Epilogue
    {
        public float* Bias;
        public bool Relu;
    }

    private struct Job
    {
        public float* A;
        public nint RowStride;
        public nint DepthStride;
        public float* B;
        public bool TransposedB;
        public float* C;
        public int M;
        public int K;
        public int N;
        public bool Accumulate;
        public Epilogue Epilogue;
        public bool SplitRows;
        public bool Wide;
    }

    /// <summary>
    /// C[m×n] = op(A) · op(B) (+ C when accumulating), then + bias[j] and ReLU if the epilogue asks, where
    /// op(A)(i, p) = a[i·rowStride + p·depthStride] and op(B)(p, j) = b[p·n + j], or b[j·k + p] when transposedB.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(float* a, nint rowStride, nint depthStride, float* b, bool transposedB, float* c,
        int m, int k, int n, bool accumulate, Epilogue epilogue)
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        if (n == GemmTenColumns.Columns && !transposedB && UseTenColumns)
        {
            GemmTenColumns.Multiply(a, rowStride, depthStride, b, c, m, k, accumulate, epilogue);
            return;
        }

        int rowBlocks = (m + Rows - 1) / Rows;
        int colPanels = (n + Cols - 1) / Cols;
        var job = new Job
        {
            A = a,
            RowStride = rowStride,
            DepthStride = depthStride,
            B = b,
            TransposedB = transposedB,
            C = c,
            M = m,
            K = k,
            N = n,
            Accumulate = accumulate,
            Epilogue = epilogue,
            SplitRows = n < m || colPanels < 2,
            Wide = UseAvx512 && GemmPackedAvx512.IsSupported,
        };

        int maxParts = (long)m * k * n < SplitThreshold ? 1 : job.SplitRows ? rowBlocks : PanelGroups(ref job);
        KernelThreads.Run(&RunPart, &job, maxParts, PartsPerThread);
    }

    // At most this many parts per thread, so that a thread that starts late can still take its share.
    private const int PartsPerThread = 4;

    /// <summary>
    /// The arguments <see cref="Multiply"/> gives <see cref="KernelThreads.Run"/> when it splits a product of m rows
    /// by rows, for work that should split the same rows the same way (and so, thread by thread, find them in its
    /// own cache): with these, part p covers <see cref="RowBand"/>(m, p, parts) and runs on the same thread.
    /// </summary>
    internal static (int MaxParts, int PartsPerThread) RowParts(int m) => ((m + Rows - 1) / Rows, PartsPerThread);

    /// <summary>The rows [start, end) of part <paramref name="part"/> of <paramref name="parts"/>, by rows.</summary>
    internal static (int Start, int End) RowBand(int m, int part, int parts)
    {
        int blocks = (m + Rows - 1) / Rows;
        return (Math.Min(m, blocks * part / parts * Rows), Math.Min(m, blocks * (part + 1) / parts * Rows));
    }

    /// <summary>
    /// Part <paramref name="part"/> of <paramref name="parts"/>: a fixed band of whole rows or panels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunPart(void* context, int part, int parts)
    {
        ref Job job = ref Unsafe.AsRef<Job>(context);
        int i0 = 0, i1 = job.M, j0 = 0, j1 = job.N;
        if (job.SplitRows)
        {
            (i0, i1) = RowBand(job.M, part, parts);
        }
        else
        {
            int groups = PanelGroups(ref job);
            int groupWidth = job.Wide ? 2 * Cols : Cols;
            j0 = Math.Min(job.N, groups * part / parts * groupWidth);
            j1 = Math.Min(job.N, groups * (part + 1) / parts * groupWidth);
        }

        if (i0 < i1 && j0 < j1)
        {
            MultiplyBlock(ref job, i0, i1, j0, j1);
        }
    }

    /// <summary>
    /// The units a column split deals out: panels, or pairs of panels for the 512-bit tile, so that no thread is
    /// left a single panel where it could have had a pair.
    /// </summary>
    private static int PanelGroups(ref Job job)
    {
        int panels = (job.N + Cols - 1) / Cols;
        return job.Wide ? (panels + 1) / 2 : panels;
    }

    /// <summary>Rows [i0, i1) and columns [j0, j1) of C, which start at a panel boundary.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyBlock(ref Job job, int i0, int i1, int j0, int j1)
    {
        int k = job.K;
        int n = job.N;
        int panels = (j1 - j0 + Cols - 1) / Cols;
        int maxDepth = MaxDepthOf(ref job);
        int depthBlocks = Math.Max(1, (k + maxDepth - 1) / maxDepth);

        // Pairs of whole panels take the 512-bit tile where there is one. An untransposed B is read in place for
        // them: a row of a pair is two whole vectors, so packing would only copy it. Only the rest is packed.
        int pairs = job.Wide ? Math.Min(panels, (j1 - j0) / Cols) / 2 : 0;
        bool inPlace = pairs > 0 && !job.TransposedB;
        int firstPacked = inPlace ? 2 * pairs : 0;
        float* packed = firstPacked < panels
            ? PackBuffer.Get((long)(panels - firstPacked) * Cols * Math.Min(k, (k + depthBlocks - 1) / depthBlocks))
            : null;

        for (int block = 0; block < depthBlocks; block++)
        {
            int p0 = (int)((long)k * block / depthBlocks);
            int p1 = (int)((long)k * (block + 1) / depthBlocks);
            int depth = p1 - p0;
            bool loadC = job.Accumulate || block > 0;
            bool last = block == depthBlocks - 1;
            float* bias = last ? job.Epilogue.Bias : null;
            bool relu = last && job.Epilogue.Relu;

            if (job.TransposedB)
            {
                PackTransposed(job.B, k, p0, depth, j0, j1, packed);
            }
            else if (firstPacked < panels)
            {
                Pack(job.B, n, p0, depth, j0 + firstPacked * Cols, j1, packed);
            }

            // Rows outer: six rows of A stay in L1 while the panels of B stream from L2, which suits TN, where
            // those rows are columns of a row-major matrix and share cache lines, and reads A from memory only
            // once however many rows it has.
            float* aDepth = job.A + p0 * job.DepthStride;
            for (int i = i0; i < i1; i += Rows)
            {
                int rows = Math.Min(Rows, i1 - i);
                float* aRows = aDepth + i * job.RowStride;
                float* cRows = job.C + (nint)i * n;
                for (int pair = 0; pair < pairs; pair++)
                {
                    int j = j0 + 2 * pair * Cols;
                    float* pairBias = bias == null ? null : bias + j;
                    if (inPlace)
                    {
                        GemmPackedAvx512.Kernel6x32(aRows, job.RowStride, job.DepthStride, job.B + (nint)p0 * n + j,
                            Cols, n, cRows + j, n, depth, rows, loadC, pairBias, relu);
                    }
                    else
                    {
                        GemmPackedAvx512.Kernel6x32(aRows, job.RowStride, job.DepthStride,
                            packed + (nint)2 * pair * depth * Cols, (nint)depth * Cols, Cols, cRows + j, n, depth,
                            rows, loadC, pairBias, relu);
                    }
                }

                for (int q = 2 * pairs; q < panels; q++)
                {
                    int j = j0 + q * Cols;
                    int cols = Math.Min(Cols, j1 - j);
                    float* panel = packed + (nint)(q - firstPacked) * depth * Cols;
                    float* panelBias = bias == null ? null : bias + j;
                    if (rows == Rows)
                    {
                        Kernel6x16(aRows, job.RowStride, job.DepthStride, panel, cRows + j, n, depth, cols, loadC,
                            panelBias, relu);
                    }
                    else
                    {
                        for (int r = 0; r < rows; r++)
                        {
                            Kernel1x16(aRows + r * job.RowStride, job.DepthStride, panel, cRows + (nint)r * n + j,
                                depth, cols, loadC, panelBias, relu);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The deepest depth block for this product. When A is read down its columns (TN), its whole depth block is
    /// swept once per row block, so the block is kept to about half of L2 (128 K floats); otherwise
    /// <see cref="MaxDepth"/>. Depends on the shape alone, so the sums are cut the same way on any thread count.
    /// </summary>
    private static int MaxDepthOf(ref Job job)
        => job.DepthStride == 1 ? MaxDepth : Math.Clamp(128 * 1024 / Math.Max(job.M, 1), 64, MaxDepth);

    /// <summary>
    /// C[6×cols] (row stride ldc) = op(A)[6×k] · P[k×16] restricted to the first cols ≤ 16 columns, starting
    /// from C when loadC and from 0 otherwise, then + bias[c] and ReLU when given. P is a packed panel (16 floats
    /// per step of k); op(A)(r, p) = a[r·rowStride + p·depthStride].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(float* a, nint rowStride, nint depthStride, float* panel, float* c, nint ldc,
        int k, int cols, bool loadC, float* bias, bool relu)
    {
        Vector256<float> maskLow = Vector256<float>.AllBitsSet, maskHigh = maskLow;
        if (cols < Cols)
        {
            maskLow = GemmAvx2.TailMask(Math.Min(cols, Lanes));
            maskHigh = cols > Lanes ? GemmAvx2.TailMask(cols - Lanes) : Vector256<float>.Zero;
        }

        float* c0 = c;
        float* c1 = c0 + ldc;
        float* c2 = c1 + ldc;
        float* c3 = c2 + ldc;
        float* c4 = c3 + ldc;
        float* c5 = c4 + ldc;

        Vector256<float> acc00, acc01, acc10, acc11, acc20, acc21, acc30, acc31, acc40, acc41, acc50, acc51;
        if (loadC && cols == Cols)
        {
            acc00 = Avx.LoadVector256(c0);
            acc01 = Avx.LoadVector256(c0 + Lanes);
            acc10 = Avx.LoadVector256(c1);
            acc11 = Avx.LoadVector256(c1 + Lanes);
            acc20 = Avx.LoadVector256(c2);
            acc21 = Avx.LoadVector256(c2 + Lanes);
            acc30 = Avx.LoadVector256(c3);
            acc31 = Avx.LoadVector256(c3 + Lanes);
            acc40 = Avx.LoadVector256(c4);
            acc41 = Avx.LoadVector256(c4 + Lanes);
            acc50 = Avx.LoadVector256(c5);
            acc51 = Avx.LoadVector256(c5 + Lanes);
        }
        else if (loadC)
        {
            acc00 = Avx.MaskLoad(c0, maskLow);
            acc01 = Avx.MaskLoad(c0 + Lanes, maskHigh);
            acc10 = Avx.MaskLoad(c1, maskLow);
            acc11 = Avx.MaskLoad(c1 + Lanes, maskHigh);
            acc20 = Avx.MaskLoad(c2, maskLow);
            acc21 = Avx.MaskLoad(c2 + Lanes, maskHigh);
            acc30 = Avx.MaskLoad(c3, maskLow);
            acc31 = Avx.MaskLoad(c3 + Lanes, maskHigh);
            acc40 = Avx.MaskLoad(c4, maskLow);
            acc41 = Avx.MaskLoad(c4 + Lanes, maskHigh);
            acc50 = Avx.MaskLoad(c5, maskLow);
            acc51 = Avx.MaskLoad(c5 + Lanes, maskHigh);
        }
        else
        {
            acc00 = acc01 = acc10 = acc11 = acc20 = acc21 = Vector256<float>.Zero;
            acc30 = acc31 = acc40 = acc41 = acc50 = acc51 = Vector256<float>.Zero;
        }

        float* a0 = a;
        float* a1 = a0 + rowStride;
        float* a2 = a1 + rowStride;
        float* a3 = a2 + rowStride;
        float* a4 = a3 + rowStride;
        float* a5 = a4 + rowStride;
        float* end = panel + (nint)k * Cols;
        nint offset = 0;
        for (float* bRow = panel; bRow < end; bRow += Cols)
        {
            Vector256<float> b0 = Avx.LoadAlignedVector256(bRow);
            Vector256<float> b1 = Avx.LoadAlignedVector256(bRow + Lanes);

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

            x = Avx.BroadcastScalarToVector256(a4 + offset);
            acc40 = Fma.MultiplyAdd(x, b0, acc40);
            acc41 = Fma.MultiplyAdd(x, b1, acc41);

            x = Avx.BroadcastScalarToVector256(a5 + offset);
            acc50 = Fma.MultiplyAdd(x, b0, acc50);
            acc51 = Fma.MultiplyAdd(x, b1, acc51);

            offset += depthStride;
        }

        Vector256<float> bias0 = Vector256<float>.Zero, bias1 = bias0;
        if (bias != null)
        {
            bias0 = Avx.MaskLoad(bias, maskLow);
            bias1 = Avx.MaskLoad(bias + Lanes, maskHigh);
        }

        bool full = cols == Cols;
        Finish(c0, acc00, acc01, full, maskLow, maskHigh, bias != null, bias0, bias1, relu);
        Finish(c1, acc10, acc11, full, maskLow, maskHigh, bias != null, bias0, bias1, relu);
        Finish(c2, acc20, acc21, full, maskLow, maskHigh, bias != null, bias0, bias1, relu);
        Finish(c3, acc30, acc31, full, maskLow, maskHigh, bias != null, bias0, bias1, relu);
        Finish(c4, acc40, acc41, full, maskLow, maskHigh, bias != null, bias0, bias1, relu);
        Finish(c5, acc50, acc51, full, maskLow, maskHigh, bias != null, bias0, bias1, relu);
    }

    /// <summary>One row of <see cref="Kernel6x16"/>: the rows left below the last whole block of six.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel1x16(float* a, nint depthStride, float* panel, float* c, int k, int cols, bool loadC,
        float* bias, bool relu)
    {
        Vector256<float> maskLow = Vector256<float>.AllBitsSet, maskHigh = maskLow;
        if (cols < Cols)
        {
            maskLow = GemmAvx2.TailMask(Math.Min(cols, Lanes));
            maskHigh = cols > Lanes ? GemmAvx2.TailMask(cols - Lanes) : Vector256<float>.Zero;
        }

        Vector256<float> acc0 = loadC ? Avx.MaskLoad(c, maskLow) : Vector256<float>.Zero;
        Vector256<float> acc1 = loadC ? Avx.MaskLoad(c + Lanes, maskHigh) : Vector256<float>.Zero;
        float* end = panel + (nint)k * Cols;
        nint offset = 0;
        for (float* bRow = panel; bRow < end; bRow += Cols)
        {
            Vector256<float> x = Avx.BroadcastScalarToVector256(a + offset);
            acc0 = Fma.MultiplyAdd(x, Avx.LoadAlignedVector256(bRow), acc0);
            acc1 = Fma.MultiplyAdd(x, Avx.LoadAlignedVector256(bRow + Lanes), acc1);
            offset += depthStride;
        }

        Vector256<float> bias0 = Vector256<float>.Zero, bias1 = bias0;
        if (bias != null)
        {
            bias0 = Avx.MaskLoad(bias, maskLow);
            bias1 = Avx.MaskLoad(bias + Lanes, maskHigh);
        }

        Finish(c, acc0, acc1, cols == Cols, maskLow, maskHigh, bias != null, bias0, bias1, relu);
    }

    /// <summary>
    /// Stores one row of 16 (fewer under the masks), after the epilogue: the bias is added in one rounding, like
    /// <see cref="Bias.Add(Span{float}, ReadOnlySpan{float}, int, int)"/>, and ReLU keeps z only where z &gt; 0,
    /// mapping NaN and -0 to +0 like <see cref="Activations"/>, so fusing changes no bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(float* c, Vector256<float> low, Vector256<float> high, bool full,
        Vector256<float> maskLow, Vector256<float> maskHigh, bool addBias, Vector256<float> bias0,
        Vector256<float> bias1, bool relu)
    {
        if (addBias)
        {
            low = Avx.Add(low, bias0);
            high = Avx.Add(high, bias1);
        }

        if (relu)
        {
            low = Avx.And(Avx.CompareGreaterThan(low, Vector256<float>.Zero), low);
            high = Avx.And(Avx.CompareGreaterThan(high, Vector256<float>.Zero), high);
        }

        // Masked stores are slow on some processors, so whole rows take the plain ones.
        if (full)
        {
            Avx.Store(c, low);
            Avx.Store(c + Lanes, high);
        }
        else
        {
            Avx.MaskStore(c, maskLow, low);
            Avx.MaskStore(c + Lanes, maskHigh, high);
        }
    }
}

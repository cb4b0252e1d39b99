using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MnistNet.Native;

/// <summary>
/// Products exactly ten columns wide, the output layer of a digit classifier: its forward product and its weight
/// gradient. Kernels with C's columns in the vector lanes use 10 of every 16 lanes on such a product; here the
/// lanes run down C's rows instead. A block of sixteen rows is computed transposed, ten columns by two vectors of
/// rows, each step of k multiplying two vectors of A (sixteen rows at one depth) by a broadcast element of B, and
/// is transposed back into C on the way out. A is read in place where those sixteen rows are adjacent in memory
/// (TN) and packed into a sixteen-wide panel otherwise (NN). Every element of C is still one chain of fused
/// multiply-adds, k ascending, from 0 or from C, with the bias added after it and ReLU last, so the results are
/// bit-identical to the other AVX2 kernels. With AVX-512 the sixteen rows are one vector and all ten columns go
/// in one pass (the switch is <see cref="GemmPackedAvx2.UseAvx512"/>); otherwise two passes of five columns.
/// </summary>
/// <remarks>Other narrow widths still go through the panel kernels, with the idle lanes that brings.</remarks>
internal static unsafe class GemmTenColumns
{
    /// <summary>The one width these kernels handle.</summary>
    public const int Columns = 10;

    private const int Lanes = 8;
    private const int BlockRows = 2 * Lanes;

    // On AVX2, five columns by two vectors of rows: ten independent FMA chains, enough to cover the FMA latency on
    // two units, in the sixteen registers there are.
    private const int GroupColumns = 5;

    // Below this many multiply-adds a second thread costs more to wake than it saves (as in GemmPackedAvx2).
    private const long SplitThreshold = 256 * 1024;

    private struct Job
    {
        public float* A;
        public nint RowStride;
        public nint DepthStride;
        public float* B;
        public float* C;
        public int M;
        public int K;
        public bool Accumulate;
        public float* Bias;
        public bool Relu;
    }

    /// <summary>
    /// C[m×10] = op(A)[m×k] · B[k×10] (+ C when accumulating), then + bias[j] and ReLU if the epilogue asks, where
    /// op(A)(i, p) = a[i·rowStride + p·depthStride] and B is row-major.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(float* a, nint rowStride, nint depthStride, float* b, float* c, int m, int k,
        bool accumulate, GemmPackedAvx2.Epilogue epilogue)
    {
        if (m == 0)
        {
            return;
        }

        var job = new Job
        {
            A = a,
            RowStride = rowStride,
            DepthStride = depthStride,
            B = b,
            C = c,
            M = m,
            K = k,
            Accumulate = accumulate,
            Bias = epilogue.Bias,
            Relu = epilogue.Relu,
        };

        int blocks = (m + BlockRows - 1) / BlockRows;
        int maxParts = (long)m * k * Columns < SplitThreshold ? 1 : blocks;
        KernelThreads.Run(&RunPart, &job, maxParts, partsPerThread: 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunPart(void* context, int part, int parts)
    {
        ref Job job = ref Unsafe.AsRef<Job>(context);
        int blocks = (job.M + BlockRows - 1) / BlockRows;
        int firstBlock = blocks * part / parts;
        int endBlock = blocks * (part + 1) / parts;

        // The block of C transposed: column j of its rows at transposed[j·16].
        float* transposed = stackalloc float[Columns * BlockRows];
        float* panel = null;
        for (int block = firstBlock; block < endBlock; block++)
        {
            int i = block * BlockRows;
            int rows = Math.Min(BlockRows, job.M - i);

            float* rowsOfA;
            nint depthStep;
            if (job.RowStride == 1 && rows == BlockRows)
            {
                rowsOfA = job.A + i;
                depthStep = job.DepthStride;
            }
            else
            {
                panel = panel != null ? panel : GemmPackedAvx2.PackBuffer.Get((long)job.K * BlockRows);
                PackRows(ref job, i, rows, panel);
                rowsOfA = panel;
                depthStep = BlockRows;
            }

            float* c = job.C + (nint)i * Columns;
            if (job.Accumulate)
            {
                LoadTransposed(c, rows, transposed);
            }

            if (GemmPackedAvx2.UseAvx512 && GemmPackedAvx512.IsSupported)
            {
                Kernel16x10Avx512(rowsOfA, depthStep, job.B, job.K, transposed, job.Accumulate);
            }
            else
            {
                Kernel16x5(rowsOfA, depthStep, job.B, job.K, transposed, job.Accumulate);
                Kernel16x5(rowsOfA, depthStep, job.B + GroupColumns, job.K, transposed + GroupColumns * BlockRows,
                    job.Accumulate);
            }

            StoreRows(ref job, transposed, c, rows);
        }
    }

    /// <summary>
    /// panel[p·16 + r] = op(A)(i + r, p) for r &lt; rows, and 0 for the rows past the end of A: rows of NN's A are
    /// k apart, so they are transposed eight by eight into lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackRows(ref Job job, int i, int rows, float* panel)
    {
        float* a = job.A + i * job.RowStride;
        int k = job.K;
        int p = 0;
        if (job.DepthStride == 1 && rows == BlockRows)
        {
            for (; p + Lanes <= k; p += Lanes)
            {
                GemmPackedAvx2.Transpose8x8(a + p, job.RowStride, panel + (nint)p * BlockRows, BlockRows);
                GemmPackedAvx2.Transpose8x8(a + Lanes * job.RowStride + p, job.RowStride,
                    panel + (nint)p * BlockRows + Lanes, BlockRows);
            }
        }

        for (; p < k; p++)
        {
            float* target = panel + (nint)p * BlockRows;
            for (int r = 0; r < BlockRows; r++)
            {
                target[r] = r < rows ? a[r * job.RowStride + p * job.DepthStride] : 0f;
            }
        }
    }

    /// <summary>
    /// transposed[q·16 + r] (for five columns q) = Σp a[p·depthStep + r] · b[p·10 + q], over r &lt; 16, starting
    /// from transposed when accumulating.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel16x5(float* a, nint depthStep, float* b, int k, float* transposed, bool accumulate)
    {
        Vector256<float> acc00, acc01, acc10, acc11, acc20, acc21, acc30, acc31, acc40, acc41;
        if (accumulate)
        {
            acc00 = Avx.LoadVector256(transposed);
            acc01 = Avx.LoadVector256(transposed + Lanes);
            acc10 = Avx.LoadVector256(transposed + BlockRows);
            acc11 = Avx.LoadVector256(transposed + BlockRows + Lanes);
            acc20 = Avx.LoadVector256(transposed + 2 * BlockRows);
            acc21 = Avx.LoadVector256(transposed + 2 * BlockRows + Lanes);
            acc30 = Avx.LoadVector256(transposed + 3 * BlockRows);
            acc31 = Avx.LoadVector256(transposed + 3 * BlockRows + Lanes);
            acc40 = Avx.LoadVector256(transposed + 4 * BlockRows);
            acc41 = Avx.LoadVector256(transposed + 4 * BlockRows + Lanes);
        }
        else
        {
            acc00 = acc01 = acc10 = acc11 = acc20 = acc21 = acc30 = acc31 = acc40 = acc41 = Vector256<float>.Zero;
        }

        float* bEnd = b + (nint)k * Columns;
        for (; b < bEnd; b += Columns, a += depthStep)
        {
            Vector256<float> low = Avx.LoadVector256(a);
            Vector256<float> high = Avx.LoadVector256(a + Lanes);

            Vector256<float> x = Avx.BroadcastScalarToVector256(b);
            acc00 = Fma.MultiplyAdd(low, x, acc00);
            acc01 = Fma.MultiplyAdd(high, x, acc01);

            x = Avx.BroadcastScalarToVector256(b + 1);
            acc10 = Fma.MultiplyAdd(low, x, acc10);
            acc11 = Fma.MultiplyAdd(high, x, acc11);

            x = Avx.BroadcastScalarToVector256(b + 2);
            acc20 = Fma.MultiplyAdd(low, x, acc20);
            acc21 = Fma.MultiplyAdd(high, x, acc21);

            x = Avx.BroadcastScalarToVector256(b + 3);
            acc30 = Fma.MultiplyAdd(low, x, acc30);
            acc31 = Fma.MultiplyAdd(high, x, acc31);

            x = Avx.BroadcastScalarToVector256(b + 4);
            acc40 = Fma.MultiplyAdd(low, x, acc40);
            acc41 = Fma.MultiplyAdd(high, x, acc41);
        }

        Avx.Store(transposed, acc00);
        Avx.Store(transposed + Lanes, acc01);
        Avx.Store(transposed + BlockRows, acc10);
        Avx.Store(transposed + BlockRows + Lanes, acc11);
        Avx.Store(transposed + 2 * BlockRows, acc20);
        Avx.Store(transposed + 2 * BlockRows + Lanes, acc21);
        Avx.Store(transposed + 3 * BlockRows, acc30);
        Avx.Store(transposed + 3 * BlockRows + Lanes, acc31);
        Avx.Store(transposed + 4 * BlockRows, acc40);
        Avx.Store(transposed + 4 * BlockRows + Lanes, acc41);
    }

    /// <summary>
    /// <see cref="Kernel16x5"/> for all ten columns at once, with the sixteen rows in one 512-bit vector: half the
    /// loads and instructions per multiply-add, and twice the arithmetic where the core has two 512-bit FMA units.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel16x10Avx512(float* a, nint depthStep, float* b, int k, float* transposed,
        bool accumulate)
    {
        Vector512<float> acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7, acc8, acc9;
        if (accumulate)
        {
            acc0 = Avx512F.LoadVector512(transposed);
            acc1 = Avx512F.LoadVector512(transposed + BlockRows);
            acc2 = Avx512F.LoadVector512(transposed + 2 * BlockRows);
            acc3 = Avx512F.LoadVector512(transposed + 3 * BlockRows);
            acc4 = Avx512F.LoadVector512(transposed + 4 * BlockRows);
            acc5 = Avx512F.LoadVector512(transposed + 5 * BlockRows);
            acc6 = Avx512F.LoadVector512(transposed + 6 * BlockRows);
            acc7 = Avx512F.LoadVector512(transposed + 7 * BlockRows);
            acc8 = Avx512F.LoadVector512(transposed + 8 * BlockRows);
            acc9 = Avx512F.LoadVector512(transposed + 9 * BlockRows);
        }
        else
        {
            acc0 = acc1 = acc2 = acc3 = acc4 = acc5 = acc6 = acc7 = acc8 = acc9 = Vector512<float>.Zero;
        }

        float* bEnd = b + (nint)k * Columns;
        for (; b < bEnd; b += Columns, a += depthStep)
        {
            Vector512<float> rows = Avx512F.LoadVector512(a);
            acc0 = Avx512F.FusedMultiplyAdd(rows, Vector512.Create(b[0]), acc0);
            acc1 = Avx512F.FusedMultiplyAdd(rows, Vector512.Create(b[1]), acc1);
            acc2 = Avx512F.FusedMultiplyAdd(rows, Vector512.Create(b[2]), acc2);
            acc3 = Avx512F.FusedMultiplyAdd(rows, Vector512.Create(b[3]), acc3);
            acc4 = Avx512F.FusedMultiplyAdd(rows, Vector512.Create(b[4]), acc4);
            acc5 = Avx512F.FusedMultiplyAdd(rows, Vector512.Create(b[5]), acc5);
            acc6 = Avx512F.FusedMultiplyAdd(rows, Vector512.Create(b[6]), acc6);
            acc7 = Avx512F.FusedMultiplyAdd(rows, Vector512.Create(b[7]), acc7);
            acc8 = Avx512F.FusedMultiplyAdd(rows, Vector512.Create(b[8]), acc8);
            acc9 = Avx512F.FusedMultiplyAdd(rows, Vector512.Create(b[9]), acc9);
        }

        Avx512F.Store(transposed, acc0);
        Avx512F.Store(transposed + BlockRows, acc1);
        Avx512F.Store(transposed + 2 * BlockRows, acc2);
        Avx512F.Store(transposed + 3 * BlockRows, acc3);
        Avx512F.Store(transposed + 4 * BlockRows, acc4);
        Avx512F.Store(transposed + 5 * BlockRows, acc5);
        Avx512F.Store(transposed + 6 * BlockRows, acc6);
        Avx512F.Store(transposed + 7 * BlockRows, acc7);
        Avx512F.Store(transposed + 8 * BlockRows, acc8);
        Avx512F.Store(transposed + 9 * BlockRows, acc9);
    }

    /// <summary>
    /// transposed[j·16 + r] = c[r·10 + j] for r &lt; rows. Only accumulating products need it, and none of the
    /// network's do, so it stays a plain loop.
    /// </summary>
    private static void LoadTransposed(float* c, int rows, float* transposed)
    {
        for (int j = 0; j < Columns; j++)
        {
            for (int r = 0; r < BlockRows; r++)
            {
                transposed[j * BlockRows + r] = r < rows ? c[r * Columns + j] : 0f;
            }
        }
    }

    /// <summary>
    /// Applies the epilogue to the transposed block, a whole column at a time (the bias added in one rounding, ReLU
    /// mapping values not above zero, NaN and -0 included, to +0, as the other kernels do), then writes its rows
    /// into C: columns 0-7 of eight rows by an 8 x 8 transpose and columns 8-9 two at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreRows(ref Job job, float* transposed, float* c, int rows)
    {
        if (job.Bias != null || job.Relu)
        {
            for (int j = 0; j < Columns; j++)
            {
                Vector256<float> bias = job.Bias != null
                    ? Avx.BroadcastScalarToVector256(job.Bias + j)
                    : Vector256<float>.Zero;
                for (int half = 0; half < BlockRows; half += Lanes)
                {
                    float* column = transposed + j * BlockRows + half;
                    Vector256<float> z = Avx.LoadVector256(column);
                    if (job.Bias != null)
                    {
                        z = Avx.Add(z, bias);
                    }

                    if (job.Relu)
                    {
                        z = Avx.And(Avx.CompareGreaterThan(z, Vector256<float>.Zero), z);
                    }

                    Avx.Store(column, z);
                }
            }
        }

        int r = 0;
        for (; r + Lanes <= rows; r += Lanes)
        {
            float* target = c + (nint)r * Columns;
            GemmPackedAvx2.Transpose8x8(transposed + r, BlockRows, target, Columns);

            // Columns 8 and 9 of rows r..r+7, interleaved into pairs: rows 0, 1, 4, 5 in the first, 2, 3, 6, 7 in
            // the second.
            Vector256<float> eighth = Avx.LoadVector256(transposed + 8 * BlockRows + r);
            Vector256<float> ninth = Avx.LoadVector256(transposed + 9 * BlockRows + r);
            Vector256<float> pairs0 = Avx.UnpackLow(eighth, ninth);
            Vector256<float> pairs1 = Avx.UnpackHigh(eighth, ninth);
            Sse.StoreLow(target + 8, pairs0.GetLower());
            Sse.StoreHigh(target + Columns + 8, pairs0.GetLower());
            Sse.StoreLow(target + 2 * Columns + 8, pairs1.GetLower());
            Sse.StoreHigh(target + 3 * Columns + 8, pairs1.GetLower());
            Sse.StoreLow(target + 4 * Columns + 8, pairs0.GetUpper());
            Sse.StoreHigh(target + 5 * Columns + 8, pairs0.GetUpper());
            Sse.StoreLow(target + 6 * Columns + 8, pairs1.GetUpper());
            Sse.StoreHigh(target + 7 * Columns + 8, pairs1.GetUpper());
        }

        for (; r < rows; r++)
        {
            for (int j = 0; j < Columns; j++)
            {
                c[r * Columns + j] = transposed[j * BlockRows + r];
            }
        }
    }
}

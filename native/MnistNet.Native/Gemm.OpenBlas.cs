using System.Runtime.InteropServices;

namespace MnistNet.Native;

/// <summary>Where the default matrix multiplies run.</summary>
public enum GemmBackend
{
    /// <summary>This library's own kernels, on the path <see cref="KernelSelector.Active"/> names.</summary>
    Managed,

    /// <summary>The system's OpenBLAS (libopenblas.so.0) through cblas_sgemm, for comparison.</summary>
    OpenBlas,
}

/// <summary>
/// The three products through OpenBLAS's cblas_sgemm, loaded at run time with <see cref="NativeLibrary.TryLoad(
/// string, out nint)"/> so that a machine without the library gets a clear error instead of a crash. OpenBLAS
/// uses its own blocking and threads; its results differ from the managed kernels in the last bits, and it makes
/// no promise that they are independent of its thread count.
/// </summary>
internal static unsafe class GemmOpenBlas
{
    public const string LibraryName = "libopenblas.so.0";

    // The CBLAS enumeration values, fixed by the CBLAS interface.
    private const int RowMajor = 101;
    private const int NoTrans = 111;
    private const int Trans = 112;

    private static readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float,
        float*, int, void> Sgemm;

    private static readonly delegate* unmanaged<int, void> SetThreadCount;
    private static int _threadsSet;

    static GemmOpenBlas()
    {
        if (!NativeLibrary.TryLoad(LibraryName, out nint library))
        {
            return;
        }

        if (NativeLibrary.TryGetExport(library, "cblas_sgemm", out nint sgemm))
        {
            Sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*,
                int, void>)sgemm;
        }

        if (NativeLibrary.TryGetExport(library, "openblas_set_num_threads", out nint setThreads))
        {
            SetThreadCount = (delegate* unmanaged<int, void>)setThreads;
        }
    }

    /// <summary>Whether libopenblas.so.0 could be loaded and exports cblas_sgemm.</summary>
    public static bool IsAvailable => Sgemm != null;

    /// <summary>C[m×n] = A[m×k] · B[k×n] (+ C when accumulating).</summary>
    public static void MultiplyNN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n,
        bool accumulate) => Multiply(a, NoTrans, k, b, NoTrans, n, c, m, k, n, accumulate);

    /// <summary>C[m×n] = A[m×k] · B[n×k]ᵀ (+ C when accumulating).</summary>
    public static void MultiplyNT(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n,
        bool accumulate) => Multiply(a, NoTrans, k, b, Trans, k, c, m, k, n, accumulate);

    /// <summary>C[m×n] = A[k×m]ᵀ · B[k×n] (+ C when accumulating).</summary>
    public static void MultiplyTN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n,
        bool accumulate) => Multiply(a, Trans, m, b, NoTrans, n, c, m, k, n, accumulate);

    /// <summary>Throws the error a caller who chose OpenBLAS on a machine without it should see.</summary>
    public static void Require()
    {
        if (!IsAvailable)
        {
            throw new DllNotFoundException(
                $"The OpenBLAS matrix multiply was selected ({Gemm.BackendVariable}=openblas or Gemm.Backend), but " +
                $"{LibraryName} with cblas_sgemm could not be loaded. Install it (Debian/Ubuntu: apt-get install " +
                "libopenblas0) or use the managed backend.");
        }
    }

    private static void Multiply(ReadOnlySpan<float> a, int transA, int lda, ReadOnlySpan<float> b, int transB,
        int ldb, Span<float> c, int m, int k, int n, bool accumulate)
    {
        Require();
        if (m == 0 || n == 0)
        {
            return;
        }

        // BLAS rejects leading dimensions below 1, and an empty sum needs no call at all.
        if (k == 0)
        {
            if (!accumulate)
            {
                c[..(m * n)].Clear();
            }

            return;
        }

        int threads = KernelThreads.ThreadCount;
        if (SetThreadCount != null && threads != _threadsSet)
        {
            SetThreadCount(threads);
            _threadsSet = threads;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            Sgemm(RowMajor, transA, transB, m, n, k, 1f, pa, lda, pb, ldb, accumulate ? 1f : 0f, pc, n);
        }
    }
}

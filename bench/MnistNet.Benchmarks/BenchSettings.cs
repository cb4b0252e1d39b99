using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using MnistNet.Native;

namespace MnistNet.Benchmarks;

/// <summary>
/// The one place where the benchmarks choose how many threads the kernels use and which GEMM backend runs. It sets
/// <c>KernelThreads.ThreadCount</c> and <c>Gemm.Backend</c> for this process, and the environment variables
/// those read, so that the child processes the end-to-end runner starts get the same settings.
/// </summary>
internal static class BenchSettings
{
    public const string Managed = "managed";
    public const string OpenBlas = "openblas";

    private const string ThreadsVariable = "MNISTNET_THREADS";
    private const string BackendVariable = "MNISTNET_GEMM";
    private const string OpenBlasThreadsVariable = "OPENBLAS_NUM_THREADS";
    private const string OpenBlasLibrary = "libopenblas.so.0";
    private const string OpenBlasCoreVariable = "OPENBLAS_CORETYPE";

    // OpenBLAS's kernels built on AVX2 and FMA. A release older than the processor does not recognise it and falls
    // back to an SSE kernel: Debian's 0.3.21 runs an Emerald Rapids Xeon as "Prescott", at about a quarter of the
    // speed of its SkylakeX kernel there, which makes no yardstick at all.
    private static readonly string[] VectorCores = ["Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids"];

    private static readonly Lazy<string> OpenBlasReport = new(ChooseOpenBlasCore);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nint CoreNameFunction();

    /// <summary>
    /// Sets the kernels' thread count for this process and for the processes it starts. OpenBLAS reads its
    /// variable when the library loads, so this must run before the first OpenBLAS call.
    /// </summary>
    public static void SetThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        string text = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Environment.SetEnvironmentVariable(ThreadsVariable, text);
        Environment.SetEnvironmentVariable(OpenBlasThreadsVariable, text);
        KernelThreads.ThreadCount = threads;
    }

    /// <summary>Selects the GEMM backend ("managed" or "openblas") for this process and the ones it starts.</summary>
    public static void SetBackend(string backend)
    {
        bool openBlas = string.Equals(backend, OpenBlas, StringComparison.OrdinalIgnoreCase);
        if (!openBlas && !string.Equals(backend, Managed, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Unknown GEMM backend '{backend}'; expected {Managed} or {OpenBlas}.");
        }

        Environment.SetEnvironmentVariable(BackendVariable, openBlas ? OpenBlas : null);
        if (openBlas && !Gemm.IsOpenBlasAvailable)
        {
            return;
        }

        Gemm.Backend = openBlas ? GemmBackend.OpenBlas : GemmBackend.Managed;
    }

    /// <summary>The backends this machine can benchmark: managed always, OpenBLAS when it can be selected.</summary>
    public static IReadOnlyList<string> AvailableBackends() =>
        Gemm.IsOpenBlasAvailable ? [Managed, OpenBlas] : [Managed];

    /// <summary>
    /// One line for reports: the kernels' thread count and whether OpenBLAS can be compared, with which of its
    /// kernels. The first call also settles that kernel for the processes started after it (see
    /// <see cref="ChooseOpenBlasCore"/>), so it must come before the benchmarks start theirs.
    /// </summary>
    public static string Describe() =>
        $"kernel threads {KernelThreads.ThreadCount}; " +
        (Gemm.IsOpenBlasAvailable ? OpenBlasReport.Value : $"{OpenBlasLibrary} not found");

    /// <summary>
    /// Keeps the OpenBLAS kernel that OpenBLAS detects, unless that is an SSE fallback on a processor with AVX2 and
    /// FMA: then the processes started from here on get the closest kernel OpenBLAS has through OPENBLAS_CORETYPE
    /// (SkylakeX with AVX-512, else Haswell). A core the user set there is kept. This process's own copy of the
    /// library stays as loaded; it only runs the benchmarks' child processes, which read the variable afresh.
    /// </summary>
    private static string ChooseOpenBlasCore()
    {
        string? chosen = Environment.GetEnvironmentVariable(OpenBlasCoreVariable);
        string detected = DetectedOpenBlasCore() ?? "unknown";
        if (!string.IsNullOrEmpty(chosen))
        {
            return $"{OpenBlasLibrary} loaded for comparison, core {chosen} ({OpenBlasCoreVariable} set by the user)";
        }

        bool vectorCore = VectorCores.Contains(detected, StringComparer.OrdinalIgnoreCase);
        if (vectorCore || !Avx2.IsSupported || !Fma.IsSupported)
        {
            return $"{OpenBlasLibrary} loaded for comparison, core {detected} (detected)";
        }

        string replacement = Avx512F.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported &&
            Avx512F.VL.IsSupported ? "SkylakeX" : "Haswell";
        Environment.SetEnvironmentVariable(OpenBlasCoreVariable, replacement);
        return $"{OpenBlasLibrary} loaded for comparison, core {replacement} (it detected {detected}, an SSE " +
            $"fallback for a processor it does not know, so {OpenBlasCoreVariable}={replacement} is set)";
    }

    /// <summary>The kernel name the loaded OpenBLAS reports (openblas_get_corename), or null if it has none.</summary>
    private static string? DetectedOpenBlasCore()
    {
        if (!NativeLibrary.TryLoad(OpenBlasLibrary, out nint library) ||
            !NativeLibrary.TryGetExport(library, "openblas_get_corename", out nint export))
        {
            return null;
        }

        var coreName = Marshal.GetDelegateForFunctionPointer<CoreNameFunction>(export);
        return Marshal.PtrToStringAnsi(coreName())?.Trim();
    }
}

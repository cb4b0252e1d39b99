using System.Runtime.InteropServices;

namespace MnistNet.Benchmarks;

/// <summary>
/// The one place where the benchmarks choose how many threads the kernels use and which GEMM backend runs. The
/// native project is gaining <c>KernelThreads.ThreadCount</c> and <c>Gemm.Backend</c> on another branch; until
/// they are merged, this class can only set the environment variables those will read, and reports that the
/// thread count and the OpenBLAS backend are not in effect. Wiring them means changing this file alone.
/// </summary>
internal static class BenchSettings
{
    public const string Managed = "managed";
    public const string OpenBlas = "openblas";

    private const string ThreadsVariable = "MNISTNET_THREADS";
    private const string BackendVariable = "MNISTNET_GEMM";
    private const string OpenBlasThreadsVariable = "OPENBLAS_NUM_THREADS";
    private const string OpenBlasLibrary = "libopenblas.so.0";

    /// <summary>
    /// Whether <see cref="SetThreads"/> changes what the kernels do. Becomes true once SetThreads assigns
    /// <c>MnistNet.Native.KernelThreads.ThreadCount</c>.
    /// </summary>
    public static bool ThreadCountInEffect => false;

    /// <summary>
    /// Whether <see cref="SetBackend"/> can switch Gemm to OpenBLAS. Becomes true once SetBackend assigns
    /// <c>MnistNet.Native.Gemm.Backend</c>.
    /// </summary>
    public static bool BackendSwitchInEffect => false;

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
        // After the merge, also: MnistNet.Native.KernelThreads.ThreadCount = threads;
        // and make ThreadCountInEffect true.
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
        // After the merge, also: MnistNet.Native.Gemm.Backend = openBlas ? GemmBackend.OpenBlas : GemmBackend.Managed;
        // and make BackendSwitchInEffect true.
    }

    /// <summary>The backends this machine can benchmark: managed always, OpenBLAS when it can be selected.</summary>
    public static IReadOnlyList<string> AvailableBackends() =>
        BackendSwitchInEffect && IsOpenBlasInstalled() ? [Managed, OpenBlas] : [Managed];

    /// <summary>One line for reports: what the thread and backend settings really do in this build.</summary>
    public static string Describe()
    {
        string threads = ThreadCountInEffect
            ? "thread count set through KernelThreads.ThreadCount"
            : "kernels run on one thread whatever the thread count (KernelThreads is not merged yet)";
        string library = IsOpenBlasInstalled() ? $"{OpenBlasLibrary} found" : $"{OpenBlasLibrary} not found";
        string backend = BackendSwitchInEffect
            ? $"OpenBLAS backend available, {library}"
            : $"no OpenBLAS backend in this build (Gemm.Backend is not merged yet; {library})";
        return $"{threads}; {backend}";
    }

    private static bool IsOpenBlasInstalled()
    {
        if (!NativeLibrary.TryLoad(OpenBlasLibrary, out IntPtr handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }
}

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

    /// <summary>One line for reports: the kernels' thread count and whether OpenBLAS can be compared.</summary>
    public static string Describe() =>
        $"kernel threads {KernelThreads.ThreadCount}; " +
        (Gemm.IsOpenBlasAvailable ? $"{OpenBlasLibrary} loaded for comparison" : $"{OpenBlasLibrary} not found");
}

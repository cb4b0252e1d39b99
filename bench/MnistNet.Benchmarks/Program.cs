using System.Globalization;
using MnistNet.Benchmarks.EndToEnd;
using MnistNet.Benchmarks.Kernels;

namespace MnistNet.Benchmarks;

public static class Program
{
    private const string Usage = """
        Usage: MnistNet.Benchmarks <mode> [--root <repository>]
          kernels    BenchmarkDotNet runs of the GEMM shapes and the FMA peak; other arguments go to
                     BenchmarkDotNet (e.g. --filter *Fma*). Writes bench/results/kernels.json.
          endtoend   training, prediction, CSV and PowerShell pipeline jobs timed in child processes.
                     Needs the module built. Writes bench/results/endtoend.json.
        Run both through 'dotnet pwsh ./build.ps1 Bench'.
        """;

    public static int Main(string[] arguments)
    {
        // Tables, JSON and the numbers passed to child processes read the same in every locale.
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

        if (arguments.Length == 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var options = new CommandLine(arguments[1..]);
        RepositoryPaths paths = RepositoryPaths.Find(options.Take("--root"));
        switch (arguments[0])
        {
            case "kernels":
                return KernelRun.Run(paths, options.Rest);
            case "endtoend":
                options.RequireNoneLeft();
                return EndToEndRunner.Run(paths);
            case "job":
                return RunJob(paths, options);
            default:
                Console.Error.WriteLine($"Unknown mode '{arguments[0]}'.");
                Console.Error.WriteLine(Usage);
                return 2;
        }
    }

    /// <summary>One end-to-end job in this process, started by the end-to-end runner.</summary>
    private static int RunJob(RepositoryPaths paths, CommandLine options)
    {
        string job = options.TakePositional() ?? throw new ArgumentException("'job' needs a job name.");
        BenchSettings.SetBackend(BenchSettings.Managed);
        int threads = int.Parse(options.Take("--threads") ?? "1", CultureInfo.InvariantCulture);
        BenchSettings.SetThreads(threads);
        string? model = options.Take("--model");
        string? saveModel = options.Take("--save-model");
        string? csv = options.Take("--csv");
        bool augment = options.Take("--augment") is "true";
        options.RequireNoneLeft();

        switch (job)
        {
            case "protocol":
                ChildProcess.Report(ChildJobs.Protocol(paths, saveModel, augment));
                return 0;
            case "predict":
                ChildProcess.Report(ChildJobs.Predict(paths, model ?? throw Missing("--model")));
                return 0;
            case "csv":
                ChildProcess.Report(ChildJobs.ReadCsv(csv ?? throw Missing("--csv")));
                return 0;
            case "fullbatch":
                ChildProcess.Report(ChildJobs.FullBatch(csv ?? throw Missing("--csv")));
                return 0;
            default:
                throw new ArgumentException($"Unknown job '{job}'.");
        }
    }

    private static ArgumentException Missing(string option) => new($"This job needs {option}.");
}

using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using MnistNet.Benchmarks.Reporting;
using MnistNet.Native;
using Perfolizer.Horology;

namespace MnistNet.Benchmarks.Kernels;

/// <summary>
/// The <c>kernels</c> mode: runs the GEMM and FMA-peak benchmarks, prints BenchmarkDotNet's tables and then the
/// targets table, and writes a summary to results/kernels.json.
/// </summary>
public static class KernelRun
{
    public static int Run(RepositoryPaths paths, string[] arguments)
    {
        if (!KernelSelector.IsSupported(KernelPath.Avx2))
        {
            Console.Error.WriteLine("The kernel benchmarks measure the AVX2 path, which this processor cannot run.");
            return 1;
        }

        // A few short iterations per case: about 50 cases, each in its own process, fit in a few minutes, and
        // the median of seven iterations is steady enough to compare backends measured in the same run.
        Job job = Job.Default
            .WithId("Short")
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(7)
            .WithIterationTime(TimeInterval.FromMilliseconds(150));
        IConfig config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(job)
            .AddColumn(StatisticColumn.Median, new GflopsColumn())
            .AddExporter(JsonExporter.Brief)
            .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(40))
            .WithArtifactsPath(Path.Combine(paths.Bench, "BenchmarkDotNet.Artifacts"))
            .WithOptions(ConfigOptions.DisableLogFile);

        Console.WriteLine($"Kernel settings: {BenchSettings.Describe()}");
        string[] switcherArguments = arguments.Any(a => a.StartsWith("--filter", StringComparison.Ordinal))
            ? arguments
            : [.. arguments, "--filter", "*"];
        Summary[] summaries = [.. BenchmarkSwitcher
            .FromTypes([typeof(FmaPeakBenchmarks), typeof(GemmBenchmarks), typeof(GemmBesideBusyCoreBenchmarks)])
            .Run(switcherArguments, config)];

        KernelMeasurement[] measurements = [.. summaries
            .SelectMany(summary => summary.BenchmarksCases.Select(c => KernelMeasurement.From(summary, c)))
            .OfType<KernelMeasurement>()];
        int failed = summaries.Sum(summary => summary.Reports.Count(report => !report.Success));

        IReadOnlyList<ResultRow> rows = KernelTargets.Evaluate(measurements);
        Console.WriteLine();
        Console.WriteLine(ResultTable.Format("Kernel targets (medians; indicative on a loaded machine)", rows));
        if (failed > 0)
        {
            Console.WriteLine($"{failed} benchmark case(s) failed; see the BenchmarkDotNet log above.");
        }

        string output = Path.Combine(paths.Results, "kernels.json");
        ResultFile.Write(output, rows, new { cases = measurements.Select(Describe), failedCases = failed });
        Console.WriteLine($"Wrote {output}");
        return failed > 0 ? 1 : 0;
    }

    private static object Describe(KernelMeasurement m) => new
    {
        m.Benchmark,
        form = m.Shape?.Form.ToString(),
        dimensions = m.Shape?.Dimensions,
        role = m.Shape?.Role,
        backend = m.Shape is null ? null : m.Backend,
        vectorBits = m.Shape is null ? m.VectorBits : (int?)null,
        m.Threads,
        medianMicroseconds = Math.Round(m.MedianNanoseconds / 1000, 3),
        gflops = Math.Round(m.Gflops, 1),
    };
}

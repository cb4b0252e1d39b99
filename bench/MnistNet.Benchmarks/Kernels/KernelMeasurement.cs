using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace MnistNet.Benchmarks.Kernels;

/// <summary>What one benchmark case measured, read back from a BenchmarkDotNet summary.</summary>
public sealed record KernelMeasurement(string Benchmark, GemmShape? Shape, string Backend, int VectorBits,
    int Threads, double MedianNanoseconds, double Flops)
{
    /// <summary>The <see cref="Benchmark"/> of a product of <see cref="GemmBenchmarks"/>.</summary>
    public const string Gemm = "gemm";

    /// <summary>The <see cref="Benchmark"/> of a product measured while the other core multiplies too.</summary>
    public const string BesideBusyCore = "gemm-beside-busy-core";

    public double Gflops => Flops / MedianNanoseconds;

    /// <summary>Reads a case's parameters and median time; null when the case failed and has no statistics.</summary>
    public static KernelMeasurement? From(Summary summary, BenchmarkCase benchmarkCase)
    {
        double? median = summary[benchmarkCase]?.ResultStatistics?.Median;
        if (median is not > 0)
        {
            return null;
        }

        int threads = (int)(Parameter(benchmarkCase, nameof(GemmBenchmarks.Threads)) ?? 1);
        if (benchmarkCase.Descriptor.Type == typeof(GemmBesideBusyCoreBenchmarks)
            && Parameter(benchmarkCase, nameof(GemmBesideBusyCoreBenchmarks.Shape)) is GemmShape busyShape)
        {
            return new KernelMeasurement(BesideBusyCore, busyShape, BenchSettings.Managed, 0, 1, median.Value,
                busyShape.Flops);
        }

        if (Parameter(benchmarkCase, nameof(GemmBenchmarks.Shape)) is GemmShape shape)
        {
            string backend = (string?)Parameter(benchmarkCase, nameof(GemmBenchmarks.Backend)) ?? "";
            return new KernelMeasurement(Gemm, shape, backend, 0, threads, median.Value, shape.Flops);
        }

        int bits = (int)(Parameter(benchmarkCase, nameof(FmaPeakBenchmarks.VectorBits)) ?? 256);
        return new KernelMeasurement("fma-peak", null, "", bits, threads, median.Value,
            FmaPeakBenchmarks.FlopsOf(bits, threads));
    }

    private static object? Parameter(BenchmarkCase benchmarkCase, string name) =>
        benchmarkCase.Parameters.Items.FirstOrDefault(parameter => parameter.Name == name)?.Value;
}

using MnistNet.Benchmarks.Reporting;

namespace MnistNet.Benchmarks.Kernels;

/// <summary>Holds the kernel measurements of one run to the project's GEMM targets.</summary>
public static class KernelTargets
{
    private const double OneThreadGflops = 80;
    private const double TwoThreadGflops = 150;
    private const double ShareOfOpenBlas = 0.9;

    public static IReadOnlyList<ResultRow> Evaluate(IReadOnlyList<KernelMeasurement> measurements)
    {
        var rows = new List<ResultRow>();
        foreach (KernelMeasurement peak in measurements.Where(m => m.Shape is null).OrderBy(m => m.VectorBits)
            .ThenBy(m => m.Threads))
        {
            rows.Add(ResultRow.Context($"FMA peak, {peak.VectorBits}-bit, {Threads(peak.Threads)}", peak.Gflops,
                "GFLOPS", "F1"));
        }

        KernelMeasurement[] managed = [.. Gemm(measurements, BenchSettings.Managed)];
        foreach (KernelMeasurement m in managed.Where(m => m.Shape!.IsFirstLayerTrainingShape))
        {
            double limit = m.Threads == 1 ? OneThreadGflops : TwoThreadGflops;
            rows.Add(ResultRow.AtLeast($"GEMM {m.Shape}, managed, {Threads(m.Threads)}", m.Gflops, "GFLOPS",
                limit, "F1"));
        }

        foreach (KernelMeasurement m in measurements.Where(m => m.Benchmark == KernelMeasurement.BesideBusyCore)
            .OrderBy(m => GemmShape.All.ToList().IndexOf(m.Shape!)))
        {
            rows.Add(ResultRow.Context($"GEMM {m.Shape}, managed, 1 thread beside a busy core", m.Gflops, "GFLOPS",
                "F1"));
        }

        foreach (KernelMeasurement m in managed.Where(m => !m.Shape!.IsFirstLayerTrainingShape))
        {
            rows.Add(ResultRow.Context($"GEMM {m.Shape}, managed, {Threads(m.Threads)}", m.Gflops, "GFLOPS", "F1"));
        }

        KernelMeasurement[] openBlas = [.. Gemm(measurements, BenchSettings.OpenBlas)];
        if (openBlas.Length == 0)
        {
            rows.Add(ResultRow.Missing("GEMM managed vs OpenBLAS, every shape", "no OpenBLAS backend in this build",
                $">= {ShareOfOpenBlas:F2}x"));
            return rows;
        }

        foreach (KernelMeasurement reference in openBlas)
        {
            KernelMeasurement? own = managed.FirstOrDefault(m => m.Shape == reference.Shape
                && m.Threads == reference.Threads);
            string job = $"GEMM {reference.Shape}, managed/OpenBLAS, {Threads(reference.Threads)}";
            rows.Add(own is null
                ? ResultRow.Missing(job, "managed case failed", $">= {ShareOfOpenBlas:F2}x")
                : ResultRow.AtLeast(job, own.Gflops / reference.Gflops, "x", ShareOfOpenBlas, "F2"));
        }

        return rows;
    }

    private static IEnumerable<KernelMeasurement> Gemm(IEnumerable<KernelMeasurement> measurements, string backend) =>
        measurements.Where(m => m.Benchmark == KernelMeasurement.Gemm && m.Backend == backend)
            .OrderBy(m => GemmShape.All.ToList().IndexOf(m.Shape!)).ThenBy(m => m.Threads);

    private static string Threads(int count) => count == 1 ? "1 thread" : $"{count} threads";
}

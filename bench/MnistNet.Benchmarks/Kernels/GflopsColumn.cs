using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace MnistNet.Benchmarks.Kernels;

/// <summary>Throughput of each case: floating-point operations of one invocation over its median time.</summary>
public sealed class GflopsColumn : IColumn
{
    public string Id => "MnistNet.Gflops";

    public string ColumnName => "GFLOPS";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Billions of float operations a second: 2·m·n·k (2 per FMA lane) over the median time";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        KernelMeasurement.From(summary, benchmarkCase)?.Gflops.ToString("F1", CultureInfo.InvariantCulture) ?? "-";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MnistNet.Benchmarks.Reporting;

/// <summary>
/// Writes a small, diff-friendly JSON file of results: where they were measured, the table rows and the raw
/// figures behind them. The README's table is what people read; these files are for comparing runs.
/// </summary>
public static class ResultFile
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // The file is read by people and diff tools, not embedded in HTML: keep "<=" and "µs" as they are.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(string path, IReadOnlyList<ResultRow> rows, object details)
    {
        var document = new
        {
            measuredAt = DateTimeOffset.UtcNow.ToString("u", System.Globalization.CultureInfo.InvariantCulture),
            machine = new
            {
                processors = Environment.ProcessorCount,
                os = RuntimeInformation.OSDescription,
                runtime = RuntimeInformation.FrameworkDescription,
                cpu = ProcessorName(),
                settings = BenchSettings.Describe(),
            },
            rows = rows.Select(row => new
            {
                row.Job,
                row.Figure,
                value = row.Value is { } value ? Math.Round(value, 6) : (double?)null,
                row.Unit,
                row.Target,
                result = row.Verdict,
            }),
            details,
        };

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(document, Options) + Environment.NewLine);
    }

    // The model name tells readers of an old results file what hardware the figures came from.
    private static string ProcessorName()
    {
        const string cpuInfo = "/proc/cpuinfo";
        if (!File.Exists(cpuInfo))
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }

        string? line = File.ReadLines(cpuInfo)
            .FirstOrDefault(text => text.StartsWith("model name", StringComparison.Ordinal));
        return line is null
            ? RuntimeInformation.ProcessArchitecture.ToString()
            : line[(line.IndexOf(':') + 1)..].Trim();
    }
}

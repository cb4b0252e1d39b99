namespace MnistNet.Benchmarks.Reporting;

/// <summary>One line of a results table: a measured figure, its target, and whether it meets it.</summary>
/// <param name="Job">What was run.</param>
/// <param name="Figure">The measured value as people read it, unit included, or why there is none.</param>
/// <param name="Value">The measured value in <paramref name="Unit"/>, or null when nothing was measured.</param>
/// <param name="Target">The target as people read it, or "-" for figures shown for context.</param>
/// <param name="Pass">Whether the figure meets the target; null when there is no target or no figure.</param>
public sealed record ResultRow(string Job, string Figure, double? Value, string Unit, string Target, bool? Pass)
{
    public const string NoTarget = "-";

    /// <summary>A figure that is better when smaller, held to an upper bound.</summary>
    public static ResultRow AtMost(string job, double value, string unit, double limit, string format) =>
        new(job, Show(value, unit, format), value, unit, $"<= {Show(limit, unit, format)}", value <= limit);

    /// <summary>A figure that is better when larger, held to a lower bound.</summary>
    public static ResultRow AtLeast(string job, double value, string unit, double limit, string format) =>
        new(job, Show(value, unit, format), value, unit, $">= {Show(limit, unit, format)}", value >= limit);

    /// <summary>A figure shown for context only.</summary>
    public static ResultRow Context(string job, double value, string unit, string format) =>
        new(job, Show(value, unit, format), value, unit, NoTarget, null);

    /// <summary>A job that could not be measured here, and why.</summary>
    public static ResultRow Missing(string job, string reason, string target) =>
        new(job, reason, null, "", target, null);

    public string Verdict => Pass switch
    {
        true => "pass",
        false => "FAIL",
        null => Value is null && Target != NoTarget ? "n/a" : "-",
    };

    private static string Show(double value, string unit, string format)
    {
        string number = value.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
        return unit switch
        {
            "" => number,
            "x" or "%" => number + unit,
            _ => $"{number} {unit}",
        };
    }
}

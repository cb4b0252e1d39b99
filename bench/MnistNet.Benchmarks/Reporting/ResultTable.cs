using System.Text;

namespace MnistNet.Benchmarks.Reporting;

/// <summary>Prints result rows as an aligned text table that reads the same in a terminal and in a CI log.</summary>
public static class ResultTable
{
    public static string Format(string title, IReadOnlyList<ResultRow> rows)
    {
        string[] headers = ["job", "figure", "target", "result"];
        string[][] cells = [.. rows.Select(row => new[] { row.Job, row.Figure, row.Target, row.Verdict })];
        int[] widths = [.. headers.Select((header, column) =>
            cells.Select(line => line[column].Length).Append(header.Length).Max())];

        var text = new StringBuilder();
        text.AppendLine(title);
        AppendLine(text, headers, widths);
        AppendLine(text, [.. widths.Select(width => new string('-', width))], widths);
        foreach (string[] line in cells)
        {
            AppendLine(text, line, widths);
        }

        int passed = rows.Count(row => row.Pass == true);
        int failed = rows.Count(row => row.Pass == false);
        int open = rows.Count(row => row.Pass is null && row.Target != ResultRow.NoTarget);
        text.AppendLine($"Targets: {passed} met, {failed} missed, {open} not measured.");
        return text.ToString();
    }

    private static void AppendLine(StringBuilder text, string[] cells, int[] widths)
    {
        text.Append("| ");
        text.AppendJoin(" | ", cells.Select((cell, column) => cell.PadRight(widths[column])));
        text.AppendLine(" |");
    }
}

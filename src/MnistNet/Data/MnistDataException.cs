namespace MnistNet.Data;

/// <summary>
/// A data file that does not hold what it should. The message names the file and, where they are known, the line
/// (or record) and the column, and says what was expected and what was found.
/// </summary>
public sealed class MnistDataException : FormatException
{
    public MnistDataException(string path, long? line, string? column, string problem, Exception? inner = null)
        : base(Compose(path, line, column, problem), inner)
    {
        Path = path;
        Line = line;
        Column = column;
        Problem = problem;
    }

    /// <summary>The file that was read.</summary>
    public string Path { get; }

    /// <summary>1-based line of a text file, or record number of a binary one; null for the file as a whole.</summary>
    public long? Line { get; }

    /// <summary>The column (a CSV header name, or a field such as "magic number"); null when not tied to one.</summary>
    public string? Column { get; }

    /// <summary>What was expected and what was found, without the location.</summary>
    public string Problem { get; }

    private static string Compose(string path, long? line, string? column, string problem)
    {
        string where = System.IO.Path.GetFileName(path);
        if (line is { } number)
        {
            where += $", line {number}";
        }

        if (column is not null)
        {
            where += $", column {column}";
        }

        return $"{where}: {problem} (file: {path})";
    }
}

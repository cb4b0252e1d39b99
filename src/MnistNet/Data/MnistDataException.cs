namespace MnistNet.Data;

/// <summary>
/// A data file that does not hold what it should. The message names the file and, where they are known, the line
/// (or record) and the column, and says what was expected and what was found.
/// </summary>
public sealed class MnistDataException : FormatException
{
    public MnistDataException(string path, long? line, string? column, string problem, Exception? inner = null)
        : this(Compose(path, line, column, problem), path, line, column, problem, inner)
    {
    }

    private MnistDataException(string message, string path, long? line, string? column, string problem,
        Exception? inner)
        : base(message, inner)
    {
        Path = path;
        Line = line;
        Column = column;
        Problem = problem;
    }

    /// <summary>
    /// A problem with one field of a binary file, such as a network file's checksum. <see cref="Column"/> holds the
    /// field for programs, but the message does not call it a column, which it is not; the problem itself says
    /// what failed.
    /// </summary>
    public static MnistDataException InField(string path, string field, string problem, Exception? inner = null) =>
        new(Compose(path, null, null, problem), path, null, field, problem, inner);

    /// <summary>The file that was read.</summary>
    public string Path { get; }

    /// <summary>1-based line of a text file, or record number of a binary one; null for the file as a whole.</summary>
    public long? Line { get; }

    /// <summary>The column (a CSV header name), or a binary file's field such as "magic number"; null for neither.
    /// </summary>
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

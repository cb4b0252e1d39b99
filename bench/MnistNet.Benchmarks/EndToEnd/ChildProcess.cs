using System.Diagnostics;
using System.Text.Json;

namespace MnistNet.Benchmarks.EndToEnd;

/// <summary>
/// Starts the runner itself, or PowerShell, as a child process and collects what it reports: the runner's
/// children print one line starting with <see cref="ResultPrefix"/> followed by JSON; all else is passed through.
/// </summary>
public static class ChildProcess
{
    public const string ResultPrefix = "RESULT ";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // The full-batch job is the longest, about a minute on a quiet two-core machine; a hung child must not stall CI.
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(15);

    /// <summary>Runs one job of this runner in a new process and returns its result.</summary>
    public static T RunJob<T>(IEnumerable<string> arguments)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        var start = new ProcessStartInfo(host);
        // Started through 'dotnet MnistNet.Benchmarks.dll', the host is dotnet and needs the assembly first.
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        List<string> lines = Run(start);
        string result = lines.LastOrDefault(line => line.StartsWith(ResultPrefix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The child job {string.Join(' ', arguments)} reported nothing.");
        return JsonSerializer.Deserialize<T>(result[ResultPrefix.Length..], Json)
            ?? throw new InvalidOperationException("The child job reported null.");
    }

    /// <summary>Prints a job's result in the form <see cref="RunJob{T}"/> reads.</summary>
    public static void Report<T>(T result) =>
        Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(result, Json));

    /// <summary>Runs a process to the end and returns its standard output lines; a failure throws.</summary>
    public static List<string> Run(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.UseShellExecute = false;
        var lines = new List<string>();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                return;
            }

            lock (lines)
            {
                lines.Add(line.Data);
            }

            if (!line.Data.StartsWith(ResultPrefix, StringComparison.Ordinal))
            {
                Console.WriteLine("    " + line.Data);
            }
        };

        process.Start();
        process.BeginOutputReadLine();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} did not finish within {Timeout.TotalMinutes} minutes.");
        }

        // The parameterless wait drains the redirected output after the timed wait has seen the exit.
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{start.FileName} {string.Join(' ', start.ArgumentList)} " +
                $"failed with exit code {process.ExitCode}.");
        }

        return lines;
    }
}

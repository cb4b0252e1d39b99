using System.Diagnostics;
using System.Globalization;

namespace MnistNet.Benchmarks.EndToEnd;

/// <summary>Runs bench/PipelineTimings.ps1 in the repository's PowerShell and reads the timings it prints.</summary>
public static class PipelineJobs
{
    public static PipelineResult Run(RepositoryPaths paths, string csvPath, string modelPath)
    {
        if (!File.Exists(paths.ModuleAssembly))
        {
            throw new FileNotFoundException(
                $"The module is not built ({paths.ModuleAssembly} is missing); run 'dotnet pwsh ./build.ps1' first.");
        }

        string script = Path.Combine(paths.Bench, "PipelineTimings.ps1");
        // The repository's tool manifest pins PowerShell, so 'dotnet pwsh' has to start in the repository.
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = paths.Root };
        foreach (string argument in new[] { "pwsh", "-NoProfile", "-NonInteractive", "-Command" })
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add($"& {Quote(script)} -CsvPath {Quote(csvPath)} -ModelPath {Quote(modelPath)}");
        List<string> lines = ChildProcess.Run(start);

        return new PipelineResult(Timings(lines, "training-samples"), Timings(lines, "training-dataset"),
            Timings(lines, "prediction"));
    }

    private static double[] Timings(List<string> lines, string name)
    {
        double[] values = [.. lines
            .Where(line => line.StartsWith(name + "=", StringComparison.Ordinal))
            .Select(line => double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture))];
        return values.Length > 0
            ? values
            : throw new InvalidOperationException($"PipelineTimings.ps1 printed no '{name}=' timing.");
    }

    // A single-quoted PowerShell string takes everything literally except a single quote, which is doubled.
    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}

using System.Diagnostics;
using System.Globalization;
using MnistNet.Benchmarks.Reporting;
using MnistNet.Data;

namespace MnistNet.Benchmarks.EndToEnd;

/// <summary>
/// The <c>endtoend</c> mode: runs every job in child processes, one after another, prints the targets table and
/// writes results/endtoend.json. The one- and two-thread protocol runs alternate, so a burst of load from other
/// work on the machine falls on both rather than skewing their ratio.
/// </summary>
public static class EndToEndRunner
{
    public const int CsvRows = 42_000;
    // Five rounds: on a virtual machine the host at times runs both processors at one core's speed for seconds,
    // slowing a whole two-thread process (its machine FMA scaling, printed per process, shows it), or makes every
    // exchange between them slow (which the FMA scaling does not show); with five rounds two such processes still
    // cannot move the median of the processes' figures.
    private const int ProtocolRounds = 5;
    private const int Threads = 2;

    public static int Run(RepositoryPaths paths)
    {
        BenchSettings.SetBackend(BenchSettings.Managed);
        BenchSettings.SetThreads(Threads);
        Console.WriteLine($"End-to-end settings: {BenchSettings.Describe()}");

        DirectoryInfo temp = Directory.CreateTempSubdirectory("mnistnet-bench-");
        var outcome = new Outcome();
        try
        {
            string csv = Path.Combine(temp.FullName, "train42k.csv");
            string model = Path.Combine(temp.FullName, "protocol.mnn");
            Step($"writing {CsvRows:N0} rows of Kaggle train.csv layout", () =>
                KaggleCsv.WriteTrain(IdxReader.ReadDataset(paths.TrainImages, paths.TrainLabels), CsvRows, csv));

            for (int round = 1; round <= ProtocolRounds; round++)
            {
                string[] saveModel = round == 1 ? ["--save-model", model] : [];
                AddIfMeasured(outcome.TwoThreads, TryJob<ProtocolResult>($"protocol, {Threads} threads, round {round}",
                    true, ["job", "protocol", "--threads", $"{Threads}", .. Root(paths), .. saveModel]));
                AddIfMeasured(outcome.OneThread, TryJob<ProtocolResult>($"protocol, 1 thread, round {round}",
                    true, ["job", "protocol", "--threads", "1", .. Root(paths)]));
                AddIfMeasured(outcome.Augmented, TryJob<ProtocolResult>(
                    $"protocol with augmentation, {Threads} threads, round {round}", true,
                    ["job", "protocol", "--threads", $"{Threads}", "--augment", "true", .. Root(paths)]));
            }

            outcome.Predict = TryJob<PredictResult>("prediction", File.Exists(model),
                ["job", "predict", "--threads", $"{Threads}", "--model", model, .. Root(paths)]);
            outcome.Csv = TryJob<CsvResult>("CSV read", File.Exists(csv), ["job", "csv", "--csv", csv]);
            outcome.FullBatch = TryJob<FullBatchResult>("full batch, 100 epochs", File.Exists(csv),
                ["job", "fullbatch", "--threads", $"{Threads}", "--csv", csv]);
            outcome.Pipeline = TryStep("PowerShell pipelines", File.Exists(model),
                () => PipelineJobs.Run(paths, csv, model));
        }
        finally
        {
            temp.Delete(recursive: true);
        }

        IReadOnlyList<ResultRow> rows = EndToEndTargets.Evaluate(outcome);
        Console.WriteLine();
        Console.WriteLine(ResultTable.Format("End-to-end targets (medians; indicative on a loaded machine)", rows));
        string output = Path.Combine(paths.Results, "endtoend.json");
        ResultFile.Write(output, rows, outcome.Details());
        Console.WriteLine($"Wrote {output}");
        return outcome.Errors.Count == 0 ? 0 : 1;

        T? TryJob<T>(string name, bool ready, string[] arguments) where T : class =>
            TryStep(name, ready, () => ChildProcess.RunJob<T>(arguments));

        T? TryStep<T>(string name, bool ready, Func<T> step) where T : class
        {
            if (!ready)
            {
                outcome.Errors.Add($"{name}: skipped, an earlier job it depends on failed");
                return null;
            }

            try
            {
                T? result = null;
                Step(name, () => result = step());
                return result;
            }
            catch (Exception error) when (error is InvalidOperationException or TimeoutException
                or IOException or System.Text.Json.JsonException)
            {
                Console.WriteLine($"  {name} failed: {error.Message}");
                outcome.Errors.Add($"{name}: {error.Message}");
                return null;
            }
        }
    }

    private static string[] Root(RepositoryPaths paths) => ["--root", paths.Root];

    private static void AddIfMeasured(List<ProtocolResult> results, ProtocolResult? result)
    {
        if (result is null)
        {
            return;
        }

        results.Add(result);
        Console.WriteLine("  epochs (s):          " + Join(result.EpochSeconds, "F3") + ", median " +
            Statistics.Median(result.EpochSeconds).ToString("F3", CultureInfo.InvariantCulture));
        Console.WriteLine("  worker share:        " + Join(result.WorkerShare, "P0"));
        Console.WriteLine("  other processes:     " + Join(result.OtherCores, "F2") + " cores");
        Console.WriteLine("  machine FMA scaling: " + Join(result.CoreScaling, "F2") + "x on two threads, " +
            "before and after");
        Console.WriteLine("  core round trip:     " + Join(result.RoundTripNanoseconds, "F0") + " ns for a cache " +
            "line between two threads, before and after");
    }

    private static string Join(IEnumerable<double> values, string format) =>
        string.Join(' ', values.Select(value => value.ToString(format, CultureInfo.InvariantCulture)));

    private static void Step(string name, Action action)
    {
        Console.WriteLine($"- {name}");
        long start = Stopwatch.GetTimestamp();
        action();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  done in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s"));
    }
}

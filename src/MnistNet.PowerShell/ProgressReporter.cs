using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using MnistNet.Training;

namespace MnistNet.PowerShell;

/// <summary>
/// Shows training progress as two progress bars (epochs, and batches within the epoch) and one verbose line per
/// epoch. Batch updates are throttled: drawing a progress bar for each of 469 batches would cost more than the
/// batches themselves.
/// </summary>
internal sealed class ProgressReporter(Cmdlet cmdlet) : ITrainingObserver
{
    private const int EpochActivityId = 1;
    private const int BatchActivityId = 2;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    private readonly Stopwatch _sinceLastDraw = Stopwatch.StartNew();
    private bool _drawnOnce;

    public void OnBatch(BatchProgress progress)
    {
        bool lastBatch = progress.Batch == progress.Batches;
        if (_drawnOnce && !lastBatch && _sinceLastDraw.Elapsed < Interval)
        {
            return;
        }

        _drawnOnce = true;
        _sinceLastDraw.Restart();

        cmdlet.WriteProgress(new ProgressRecord(EpochActivityId, "Training network",
            $"Epoch {progress.Epoch} of {progress.Epochs}")
        {
            PercentComplete = Percent(progress.Epoch - 1, progress.Epochs),
        });
        cmdlet.WriteProgress(new ProgressRecord(BatchActivityId, $"Epoch {progress.Epoch}",
            string.Create(CultureInfo.InvariantCulture,
                $"Batch {progress.Batch} of {progress.Batches}, loss {progress.RunningLoss:F4}"))
        {
            ParentActivityId = EpochActivityId,
            PercentComplete = Percent(progress.Batch, progress.Batches),
        });
    }

    public void OnEpoch(EpochRecord record)
    {
        string validation = record.ValidationLoss is { } loss
            ? string.Create(CultureInfo.InvariantCulture,
                $", validation loss {loss:F4}, validation accuracy {record.ValidationAccuracy:P2}")
            : "";
        cmdlet.WriteVerbose(string.Create(CultureInfo.InvariantCulture,
            $"Epoch {record.Epoch}: loss {record.Loss:F4}, accuracy {record.Accuracy:P2}{validation}, " +
            $"{record.Seconds:F1} s"));
    }

    public void OnMessage(string message) => cmdlet.WriteVerbose(message);

    public void OnWarning(string message) => cmdlet.WriteWarning(message);

    public void Complete()
    {
        cmdlet.WriteProgress(new ProgressRecord(BatchActivityId, "Epoch", "Done")
        {
            ParentActivityId = EpochActivityId,
            RecordType = ProgressRecordType.Completed,
        });
        cmdlet.WriteProgress(new ProgressRecord(EpochActivityId, "Training network", "Done")
        {
            RecordType = ProgressRecordType.Completed,
        });
    }

    private static int Percent(int done, int total) => total == 0 ? 100 : Math.Clamp(done * 100 / total, 0, 100);
}

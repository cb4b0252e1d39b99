namespace MnistNet.Storage;

/// <summary>
/// The two files a checkpoint path stands for: "run.mnn" (or "run") gives run.latest.mnn, rewritten after every
/// epoch with the state to resume from, and run.best.mnn, the network of the best epoch by validation. Either file's
/// own name also works as the checkpoint path, so resuming from what a directory listing shows does the right thing.
/// </summary>
public static class CheckpointPaths
{
    private const string LatestSuffix = ".latest";
    private const string BestSuffix = ".best";

    public static string Latest(string checkpointPath) => Stem(checkpointPath) + LatestSuffix + NetworkFile.Extension;

    public static string Best(string checkpointPath) => Stem(checkpointPath) + BestSuffix + NetworkFile.Extension;

    private static string Stem(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);

        string stem = path.EndsWith(NetworkFile.Extension, StringComparison.OrdinalIgnoreCase)
            ? path[..^NetworkFile.Extension.Length]
            : path;
        foreach (string suffix in (string[])[LatestSuffix, BestSuffix])
        {
            if (stem.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return stem[..^suffix.Length];
            }
        }

        return stem;
    }
}

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

    /// <summary>
    /// Throws an <see cref="IOException"/> when the path cannot name checkpoint files: a folder, a path ending in
    /// a separator, or a blank file name.
    /// </summary>
    public static void RequireFileName(string checkpointPath)
    {
        string Problem(string what) => $"Cannot use {checkpointPath} for checkpoints: {what}";

        // A folder would quietly become a name stem: "runs" saves runs.latest.mnn beside it, "runs/" a hidden
        // .latest.mnn inside it; neither is where its owner would look.
        if (Path.EndsInDirectorySeparator(checkpointPath) || Directory.Exists(checkpointPath))
        {
            throw new IOException(Problem(
                "that is a folder; give a file name in it, such as " +
                $"{Path.Join(Path.TrimEndingDirectorySeparator(checkpointPath), "run" + NetworkFile.Extension)}, " +
                "which saves run.latest.mnn and run.best.mnn."));
        }

        if (string.IsNullOrWhiteSpace(Path.GetFileNameWithoutExtension(checkpointPath)))
        {
            throw new IOException(Problem("the file name is blank; give a name such as run.mnn."));
        }
    }

    /// <summary>
    /// Proves, before a run starts, that its checkpoints can be written, so that a bad path is not discovered only
    /// when the first epoch is saved: the folder exists (created first when <paramref name="createFolder"/>),
    /// neither file name is taken by a folder, and a file can be created and deleted beside them, as every save
    /// does with its temporary file.
    /// </summary>
    /// <exception cref="UnauthorizedAccessException">Permission to create the folder or a file in it is denied.
    /// </exception>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist and is not to be created.</exception>
    /// <exception cref="IOException">The folder cannot be created, or no file can be created in it.</exception>
    public static void RequireWritable(string checkpointPath, bool createFolder = false)
    {
        string latest = Path.GetFullPath(Latest(checkpointPath));
        string folder = Path.GetDirectoryName(latest)!;
        string Problem(string what) => $"Cannot write checkpoints to {checkpointPath}: {what}";

        RequireFileName(checkpointPath);

        if (!Directory.Exists(folder))
        {
            if (!createFolder)
            {
                throw new DirectoryNotFoundException(Problem($"the folder {folder} does not exist."));
            }

            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (UnauthorizedAccessException error)
            {
                throw new UnauthorizedAccessException(
                    Problem($"the folder {folder} does not exist, and permission to create it is denied."), error);
            }
            catch (IOException error)
            {
                string reason = FileInTheWay(folder) switch
                {
                    null => SystemReason(error),
                    string file when new FileInfo(file).LinkTarget is string target =>
                        $": {file} is a symbolic link to {target}, which is not a folder that exists",
                    string file when file == folder => ": a file has that name",
                    string file => $": {file} is a file",
                };
                throw new IOException(Problem($"the folder {folder} does not exist and cannot be created{reason}."),
                    error);
            }
        }

        // Saves follow links, so each name is checked, and its folder probed, where its link leads.
        var targets = new List<string>();
        foreach (string file in (string[])[latest, Path.GetFullPath(Best(checkpointPath))])
        {
            (string Target, string? NotAFile) found;
            try
            {
                found = SaveTarget.Find(file);
            }
            catch (IOException error)
            {
                throw new IOException(Problem(error.Message), error);
            }

            (string target, string? notAFile) = found;
            if (notAFile is not null)
            {
                throw new IOException(
                    Problem($"{file} is {notAFile}, so no checkpoint can be saved under that name."));
            }

            string targetFolder = Path.GetDirectoryName(target)!;
            if (!Directory.Exists(targetFolder))
            {
                throw new DirectoryNotFoundException(
                    Problem($"{file} links to {target}, in a folder that does not exist."));
            }

            targets.Add(target);
        }

        foreach (string target in targets)
        {
            Probe(target, Problem);
        }
    }

    // Creates and deletes a file with the same kind of name a save of the target uses for its temporary file, so
    // the probe meets the same rules.
    private static void Probe(string target, Func<string, string> problem)
    {
        string folder = Path.GetDirectoryName(target)!;
        string probe = target + $".{Guid.NewGuid():N}.tmp";
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write))
            {
            }

            File.Delete(probe);
        }
        catch (UnauthorizedAccessException error)
        {
            throw new UnauthorizedAccessException(
                problem($"permission to create files in the folder {folder} is denied."), error);
        }
        catch (IOException error)
        {
            throw new IOException(problem($"no file can be created in the folder {folder}{SystemReason(error)}."),
                error);
        }
    }

    /// <summary>
    /// The nearest of the folder's would-be parents that is a file or a link to no folder, and so stops it being
    /// created.
    /// </summary>
    private static string? FileInTheWay(string folder)
    {
        for (string? parent = folder; parent is not null; parent = Path.GetDirectoryName(parent))
        {
            if (File.Exists(parent))
            {
                return parent;
            }

            if (Directory.Exists(parent))
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>
    /// The operating system's own reason, for errors that carry one (a read-only file system, a full disk). The
    /// messages of the more specific exceptions name only a path, which the caller's message already gives.
    /// </summary>
    private static string SystemReason(IOException error) =>
        error.GetType() == typeof(IOException) ? $" ({error.Message.TrimEnd('.')})" : "";

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

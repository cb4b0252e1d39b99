using MnistNet.Storage;

namespace MnistNet.Tests.Storage;

/// <summary>A fact that is reported as skipped, with the reason, on systems other than Linux.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "It uses parts of the file system only Linux has (/proc, named pipes, /dev/null).";
        }
    }
}

/// <summary>A fact that is reported as skipped, with the reason, unless the tests run as root.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            Skip = "It gives files away to another owner, which only root may do on Linux.";
        }
    }
}

public sealed class CheckpointPathsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mnistnet-paths-").FullName;

    [Theory]
    [InlineData("run.mnn")]
    [InlineData("run")]
    [InlineData("run.latest.mnn")]
    [InlineData("run.best.mnn")]
    [InlineData("RUN.MNN")]
    public void EveryFormOfThePathNamesTheSamePair(string path)
    {
        string stem = path.StartsWith("RUN", StringComparison.Ordinal) ? "RUN" : "run";

        Assert.Equal($"{stem}.latest.mnn", CheckpointPaths.Latest(path));
        Assert.Equal($"{stem}.best.mnn", CheckpointPaths.Best(path));
    }

    [Fact]
    public void RequireWritableCreatesAMissingFolderWhenAskedAndLeavesNothingBehind()
    {
        string folder = Path.Combine(_folder, "new", "deeper");

        CheckpointPaths.RequireWritable(Path.Combine(folder, "run.mnn"), createFolder: true);

        Assert.True(Directory.Exists(folder));
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
    }

    [Fact]
    public void RequireWritableNamesAMissingFolderItIsNotToCreate()
    {
        string folder = Path.Combine(_folder, "missing");

        var error = Assert.Throws<DirectoryNotFoundException>(() =>
            CheckpointPaths.RequireWritable(Path.Combine(folder, "run.mnn")));

        Assert.Contains($"the folder {folder} does not exist", error.Message);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void RequireWritableSaysWhenTheFolderCannotBeCreated()
    {
        string blocker = Path.Combine(_folder, "blocker");
        File.WriteAllText(blocker, "a file where the folder should go");
        string path = Path.Combine(blocker, "sub", "run.mnn");

        var error = Assert.Throws<IOException>(() => CheckpointPaths.RequireWritable(path, createFolder: true));

        Assert.StartsWith($"Cannot write checkpoints to {path}: the folder {Path.Combine(blocker, "sub")} does not " +
            $"exist and cannot be created: {blocker} is a file.", error.Message);
        Assert.NotNull(error.InnerException);
    }

    [Fact]
    public void RequireWritableRefusesACheckpointNameTakenByAFolder()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "run.best.mnn"));

        var error = Assert.Throws<IOException>(() => CheckpointPaths.RequireWritable(Path.Combine(_folder, "run.mnn")));

        Assert.Contains($"{Path.Combine(_folder, "run.best.mnn")} is a folder", error.Message);
    }

    /// <remarks>/proc takes no new files, even from root, so this holds wherever the tests run on Linux.</remarks>
    [LinuxFact]
    public void RequireWritableSaysWhenNoFileCanBeCreatedInTheFolder()
    {
        var error = Assert.ThrowsAny<IOException>(() => CheckpointPaths.RequireWritable("/proc/run.mnn"));

        Assert.StartsWith("Cannot write checkpoints to /proc/run.mnn: no file can be created in the folder /proc",
            error.Message);
    }

    [LinuxFact]
    public void RequireWritableRefusesACheckpointNameThatIsAPipe()
    {
        NetworkFileTests.MakePipe(Path.Combine(_folder, "run.best.mnn"));

        var error = Assert.ThrowsAny<IOException>(() => CheckpointPaths.RequireWritable(Path.Combine(_folder, "run")));

        Assert.Contains("run.best.mnn is a pipe, so no checkpoint can be saved under that name.", error.Message);
    }

    [LinuxFact]
    public void RequireWritableProbesTheFolderALinkLeadsTo()
    {
        File.CreateSymbolicLink(Path.Combine(_folder, "run.best.mnn"), "/proc/self/run.best.mnn");

        var error = Assert.ThrowsAny<IOException>(() => CheckpointPaths.RequireWritable(Path.Combine(_folder, "run")));

        Assert.Contains("no file can be created in the folder /proc/self", error.Message);
    }

    [Fact]
    public void RequireWritableRefusesALinkIntoAMissingFolder()
    {
        string missing = Path.Combine(_folder, "gone", "run.latest.mnn");
        File.CreateSymbolicLink(Path.Combine(_folder, "run.latest.mnn"), missing);

        var error = Assert.Throws<DirectoryNotFoundException>(
            () => CheckpointPaths.RequireWritable(Path.Combine(_folder, "run.mnn")));

        Assert.Contains($"run.latest.mnn links to {missing}, in a folder that does not exist.", error.Message);
    }

    [Fact]
    public void RequireWritableSaysWhenTheFolderIsALinkToNothing()
    {
        string link = Path.Combine(_folder, "runs");
        string missing = Path.Combine(_folder, "gone", "runs");
        Directory.CreateSymbolicLink(link, missing);

        var error = Assert.ThrowsAny<IOException>(
            () => CheckpointPaths.RequireWritable(Path.Combine(link, "run.mnn"), createFolder: true));

        Assert.Contains($"the folder {link} does not exist and cannot be created: {link} is a symbolic link to " +
            $"{missing}, which is not a folder that exists.", error.Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

using MnistNet.Storage;

namespace MnistNet.Tests.Storage;

public class CheckpointPathsTests
{
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
}

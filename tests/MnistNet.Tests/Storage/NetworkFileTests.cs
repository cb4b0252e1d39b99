using MnistNet.Data;
using MnistNet.Evaluation;
using MnistNet.Native;
using MnistNet.Network;
using MnistNet.Storage;
using MnistNet.Training;

namespace MnistNet.Tests.Storage;

public sealed class NetworkFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mnistnet-file-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void RoundTripKeepsWeightsHistoryAndPredictions()
    {
        MnistDataset data = TestData.Synthetic(200, seed: 1);
        using NeuralNetwork trained = NetworkTrainer.Train(data, null,
            new TrainingOptions { HiddenLayers = [24, 12], Activation = Activation.Tanh, Epochs = 2, Seed = 5 });
        string path = Path.Combine(_folder, "net.mnn");

        NetworkFile.Save(trained, path);
        using NeuralNetwork loaded = NetworkFile.Load(path);

        Assert.Equal("784-24-12-10", loaded.Architecture);
        Assert.Equal(Activation.Tanh, loaded.Activation);
        Assert.Equal(5, loaded.Seed);
        Assert.Equal(trained.History, loaded.History);
        Assert.Equal(trained.TrainedWith!.Epochs, loaded.TrainedWith!.Epochs);
        Assert.Equal([24, 12], loaded.TrainedWith.HiddenLayers);
        for (int l = 0; l < trained.Layers.Count; l++)
        {
            Assert.Equal(trained.Layers[l].GetWeights(), loaded.Layers[l].GetWeights());
            Assert.Equal(trained.Layers[l].GetBiases(), loaded.Layers[l].GetBiases());
        }

        using var before = new Predictor(trained);
        using var after = new Predictor(loaded);
        Assert.Equal(before.Predict(data).Select(p => p.Probabilities),
            after.Predict(data).Select(p => p.Probabilities));
        Assert.Equal(["net.mnn"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void SavingReplacesAnExistingFileWhole()
    {
        string path = Path.Combine(_folder, "net.mnn");
        File.WriteAllText(path, new string('x', 100_000));
        using var network = NeuralNetwork.ForMnist([8], Activation.ReLU, seed: 1);

        NetworkFile.Save(network, path);

        using NeuralNetwork loaded = NetworkFile.Load(path);
        Assert.Equal("784-8-10", loaded.Architecture);
    }

    [Fact]
    public void TruncatedFileIsRefusedByItsChecksum()
    {
        string path = SaveSmallNetwork();
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);

        var error = Assert.Throws<MnistDataException>(() => NetworkFile.Load(path));

        Assert.Equal("checksum", error.Column);
        Assert.StartsWith("small.mnn: the checksum stored in the file does not match its contents, so the file is " +
            "damaged or truncated (it records ", error.Message);
        Assert.DoesNotContain("column", error.Message);
        Assert.Equal(path, error.Path);
    }

    [Fact]
    public void DamagedByteIsRefusedByItsChecksum()
    {
        string path = SaveSmallNetwork();
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<MnistDataException>(() => NetworkFile.Load(path));

        Assert.Equal("checksum", error.Column);
        Assert.Contains("does not match its contents, so the file is damaged or truncated", error.Message);
        Assert.DoesNotContain("column", error.Message);
    }

    [Fact]
    public void FileTooShortForAChecksumIsCalledTruncated()
    {
        string path = SaveSmallNetwork();
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..12]);

        var error = Assert.Throws<MnistDataException>(() => NetworkFile.Load(path));

        Assert.Equal("checksum", error.Column);
        Assert.StartsWith(
            "small.mnn: the file is truncated: at 12 bytes it is too short to hold a header and a checksum.",
            error.Message);
    }

    [Fact]
    public void ForeignFileIsRefusedByItsMagicNumber()
    {
        string path = Path.Combine(_folder, "train.csv");
        File.WriteAllText(path, "label,pixel0\n1,0\n");

        var error = Assert.Throws<MnistDataException>(() => NetworkFile.Load(path));

        Assert.Equal("magic number", error.Column);
        Assert.Contains("not a MnistNet network file", error.Message);
    }

    [Theory]
    [InlineData(3, true)]
    [InlineData(0, false)]
    public void UnknownFormatVersionIsRefusedWithAHintOnlyWhenNewer(byte version, bool newer)
    {
        string path = SaveSmallNetwork();
        byte[] bytes = File.ReadAllBytes(path);
        bytes[8] = version;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<MnistDataException>(() => NetworkFile.Load(path));

        Assert.Equal("format version", error.Column);
        Assert.Contains($"the file has format version {version}; this MnistNet reads versions 1 and 2.",
            error.Message);
        Assert.Equal(newer, error.Message.Contains("A newer MnistNet may have written it.", StringComparison.Ordinal));
    }

    [Fact]
    public void NetworkWithANaNParameterIsRefusedWhereItIsRead()
    {
        string path = Path.Combine(_folder, "nan.mnn");
        using (var network = NeuralNetwork.ForMnist([8], Activation.ReLU, seed: 2))
        {
            float[] weights = network.Layers[1].GetWeights();
            weights[5] = float.NaN;
            network.Layers[1].SetWeights(weights);
            NetworkFile.Save(network, path);
        }

        var error = Assert.Throws<MnistDataException>(() => NetworkFile.Load(path));

        Assert.Equal("parameters", error.Column);
        Assert.Contains("weight of layer 2 number 5 is NaN; a network's parameters must be finite numbers.",
            error.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SavingThroughALinkWritesTheFileItNamesAndKeepsTheLink(bool targetExists)
    {
        string target = Path.Combine(_folder, "real.mnn");
        if (targetExists)
        {
            File.WriteAllText(target, "old contents");
        }

        string link = Path.Combine(_folder, "link.mnn");
        File.CreateSymbolicLink(link, target);
        using var network = NeuralNetwork.ForMnist([8], Activation.ReLU, seed: 1);

        NetworkFile.Save(network, link);

        Assert.Equal(target, new FileInfo(link).LinkTarget);
        using NeuralNetwork loaded = NetworkFile.Load(target);
        Assert.Equal("784-8-10", loaded.Architecture);
        Assert.Equal(["link.mnn", "real.mnn"], Directory.GetFiles(_folder).Select(Path.GetFileName).Order());
    }

    [LinuxFact]
    public void SavingOverAPipeIsRefusedAndLeavesThePipe()
    {
        string pipe = Path.Combine(_folder, "pipe.mnn");
        MakePipe(pipe);
        using var network = NeuralNetwork.ForMnist([8], Activation.ReLU, seed: 1);

        var error = Assert.Throws<IOException>(() => NetworkFile.Save(network, pipe));

        Assert.Equal($"Cannot save the network to {pipe}: that is a pipe, not a regular file.", error.Message);
        Assert.Equal("a pipe", SaveTarget.SpecialKind(pipe));
        Assert.Equal(["pipe.mnn"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [LinuxFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void SavingOverAFileKeepsItsPermissions()
    {
        string path = SaveSmallNetwork();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var network = NeuralNetwork.ForMnist([8], Activation.ReLU, seed: 3);

        NetworkFile.Save(network, path);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using NeuralNetwork loaded = NetworkFile.Load(path);
        Assert.Equal(3, loaded.Seed);
    }

    [RootFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void SavingOverAnotherUsersFileKeepsItsOwnerGroupAndPermissions()
    {
        string path = SaveSmallNetwork();
        RunTool("chown", "1234:2345", path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        using var network = NeuralNetwork.ForMnist([8], Activation.ReLU, seed: 3);

        NetworkFile.Save(network, path);

        Assert.Equal("1234:2345", RunTool("stat", "-c", "%u:%g", path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
            File.GetUnixFileMode(path));
    }

    [LinuxFact]
    public void AFolderWhereNoFileCanBeCreatedIsNamedWithoutTheTemporaryFile()
    {
        using var network = NeuralNetwork.ForMnist([8], Activation.ReLU, seed: 1);

        var error = Assert.ThrowsAny<IOException>(() => NetworkFile.Save(network, "/proc/self/net.mnn"));

        Assert.Equal("Cannot save the network to /proc/self/net.mnn: no file can be written in /proc/self (the " +
            "system refuses to create files there).", error.Message);
    }

    [Fact]
    public void ALoopOfLinksIsRefusedAndNotReplaced()
    {
        string first = Path.Combine(_folder, "a.mnn");
        string second = Path.Combine(_folder, "b.mnn");
        File.CreateSymbolicLink(first, second);
        File.CreateSymbolicLink(second, first);
        using var network = NeuralNetwork.ForMnist([8], Activation.ReLU, seed: 1);

        var error = Assert.Throws<IOException>(() => NetworkFile.Save(network, first));

        Assert.Equal($"{first} is a symbolic link that leads round a loop of links to no file.", error.Message);
        Assert.Equal(second, new FileInfo(first).LinkTarget);
        Assert.False(SaveTarget.ReplacesAFile(first));
    }

    [Fact]
    public void OnlyAnExistingFileAtTheEndOfItsLinksCountsAsReplaced()
    {
        string file = SaveSmallNetwork();
        string toFile = Path.Combine(_folder, "to-file.mnn");
        string toNothing = Path.Combine(_folder, "to-nothing.mnn");
        File.CreateSymbolicLink(toFile, file);
        File.CreateSymbolicLink(toNothing, Path.Combine(_folder, "absent.mnn"));

        Assert.True(SaveTarget.ReplacesAFile(file));
        Assert.True(SaveTarget.ReplacesAFile(toFile));
        Assert.False(SaveTarget.ReplacesAFile(toNothing));
        Assert.False(SaveTarget.ReplacesAFile(Path.Combine(_folder, "absent.mnn")));
    }

    [LinuxFact]
    public void SpecialKindTellsDevicesFromRegularFilesAndFolders()
    {
        string file = SaveSmallNetwork();

        Assert.Equal("a device", SaveTarget.SpecialKind("/dev/null"));
        Assert.Null(SaveTarget.SpecialKind(file));
        Assert.Null(SaveTarget.SpecialKind(_folder));
        Assert.Null(SaveTarget.SpecialKind(Path.Combine(_folder, "missing.mnn")));
    }

    [Fact]
    public void EmptyAndMissingFilesAreRefused()
    {
        string empty = Path.Combine(_folder, "empty.mnn");
        File.WriteAllBytes(empty, []);

        Assert.Equal("magic number", Assert.Throws<MnistDataException>(() => NetworkFile.Load(empty)).Column);
        Assert.Throws<FileNotFoundException>(() => NetworkFile.Load(Path.Combine(_folder, "missing.mnn")));
    }

    [Fact]
    public void CheckpointRoundTripKeepsTheTrainingState()
    {
        using var network = NeuralNetwork.ForMnist([8], Activation.ReLU, seed: 2);
        var random = new SeededRandom(3);
        random.NextUInt64();
        var checkpoint = new TrainingCheckpoint
        {
            Options = new TrainingOptions { HiddenLayers = [8], Seed = 2, Dropout = 0.25, WeightDecay = 0.01 },
            EpochsCompleted = 3,
            Random = random.SaveState(),
            OptimizerStep = 42,
            BestEpoch = 2,
            BestValue = 0.125,
            EpochsSinceBest = 1,
            Order = [2, 0, 1],
            OptimizerState = [[1f, 2f], [3f]],
            BestParameters = [[0.5f], [], [-1f, float.Epsilon]],
        };
        string path = Path.Combine(_folder, "run.latest.mnn");

        NetworkFile.SaveCheckpoint(network, checkpoint, path);
        (NeuralNetwork loaded, TrainingCheckpoint back) = NetworkFile.LoadCheckpoint(path);
        using NeuralNetwork plain = NetworkFile.Load(path);
        loaded.Dispose();

        Assert.Equal(2, File.ReadAllBytes(path)[8]);
        Assert.Equal(checkpoint.Options with { HiddenLayers = back.Options.HiddenLayers }, back.Options);
        Assert.Equal((3, 42L, 2, 0.125, 1), (back.EpochsCompleted, back.OptimizerStep, back.BestEpoch!.Value,
            back.BestValue, back.EpochsSinceBest));
        Assert.Equal(checkpoint.Random, back.Random);
        Assert.Equal(checkpoint.Order, back.Order);
        Assert.Equal(checkpoint.OptimizerState, back.OptimizerState);
        Assert.Equal(checkpoint.BestParameters, back.BestParameters);
        Assert.Equal(network.Layers[0].GetWeights(), plain.Layers[0].GetWeights());
    }

    [Fact]
    public void PlainNetworkIsNotACheckpoint()
    {
        string path = SaveSmallNetwork();

        var error = Assert.Throws<MnistDataException>(() => NetworkFile.LoadCheckpoint(path));

        Assert.Contains("not a checkpoint", error.Message);
        Assert.Equal(1, File.ReadAllBytes(path)[8]);
    }

    /// <summary>Makes a named pipe with coreutils' mkfifo, which every Linux this runs on has.</summary>
    internal static void MakePipe(string path) => RunTool("mkfifo", path);

    /// <summary>Runs a coreutils program, requires it to succeed, and returns what it printed, trimmed.</summary>
    private static string RunTool(string program, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program, arguments) { RedirectStandardOutput = true };
        using var tool = System.Diagnostics.Process.Start(start)!;
        string output = tool.StandardOutput.ReadToEnd();
        tool.WaitForExit();
        Assert.Equal(0, tool.ExitCode);
        return output.Trim();
    }

    private string SaveSmallNetwork()
    {
        string path = Path.Combine(_folder, "small.mnn");
        using var network = NeuralNetwork.ForMnist([8], Activation.ReLU, seed: 2);
        NetworkFile.Save(network, path);
        return path;
    }
}

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
        Assert.Equal(before.Predict(data).Select(p => p.Probabilities), after.Predict(data).Select(p => p.Probabilities));
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
        Assert.Contains("truncated or damaged", error.Message);
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

    [Fact]
    public void NewerFormatVersionIsRefusedWithAHint()
    {
        string path = SaveSmallNetwork();
        byte[] bytes = File.ReadAllBytes(path);
        bytes[8] = 3;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<MnistDataException>(() => NetworkFile.Load(path));

        Assert.Equal("format version", error.Column);
        Assert.Contains("version 3", error.Message);
    }

    [Fact]
    public void EmptyAndMissingFilesAreRefused()
    {
        string empty = Path.Combine(_folder, "empty.mnn");
        File.WriteAllBytes(empty, []);

        Assert.Equal("magic number", Assert.Throws<MnistDataException>(() => NetworkFile.Load(empty)).Column);
        Assert.Throws<FileNotFoundException>(() => NetworkFile.Load(Path.Combine(_folder, "missing.mnn")));
    }

    private string SaveSmallNetwork()
    {
        string path = Path.Combine(_folder, "small.mnn");
        using var network = NeuralNetwork.ForMnist([8], Activation.ReLU, seed: 2);
        NetworkFile.Save(network, path);
        return path;
    }
}

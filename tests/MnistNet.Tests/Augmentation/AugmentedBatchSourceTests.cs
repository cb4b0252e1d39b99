using MnistNet.Augmentation;
using MnistNet.Data;
using MnistNet.Network;

namespace MnistNet.Tests.Augmentation;

public class AugmentedBatchSourceTests
{
    private const int PixelCount = MnistSample.PixelCount;

    private static readonly MnistDataset Data = TestData.Synthetic(300, seed: 4);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void BatchesEqualTheSynchronousFillWhateverTheWorkers(int workers)
    {
        const int batchSize = 32;
        int[] order = Shuffled(Data.Count, seed: 9);
        using var source = new AugmentedBatchSource(Data, batchSize, AugmentationOptions.Standard, 77, workers);

        for (int epoch = 1; epoch <= 2; epoch++)
        {
            source.StartEpoch(epoch, order);
            Assert.Equal(10, source.BatchCount);

            int batch = 0;
            while (source.TryTake(out ReadOnlySpan<float> images, out ReadOnlySpan<byte> labels))
            {
                int first = batch * batchSize;
                int count = Math.Min(batchSize, order.Length - first);
                float[] expectedImages = new float[count * PixelCount];
                byte[] expectedLabels = new byte[count];
                source.Fill(expectedImages, expectedLabels, order.AsSpan(first, count), epoch, first);

                Assert.Equal(expectedImages, images.ToArray());
                Assert.Equal(expectedLabels, labels.ToArray());
                Assert.Equal(order.AsSpan(first, count).ToArray().Select(i => (byte)Data.GetLabel(i)!.Value),
                    labels.ToArray());
                source.Release();
                batch++;
            }

            Assert.Equal(10, batch);
        }
    }

    [Fact]
    public void EpochsAndPositionsGetDifferentDistortionsAndASeedRepeatsThem()
    {
        int[] sameImage = [5, 5];
        float[] twice = new float[2 * PixelCount];
        float[] nextEpoch = new float[PixelCount];
        float[] repeated = new float[PixelCount];
        float[] otherSeed = new float[PixelCount];
        byte[] labels = new byte[2];
        using var source = new AugmentedBatchSource(Data, 8, AugmentationOptions.Standard, 1, workerCount: 0);
        using var sameSeed = new AugmentedBatchSource(Data, 8, AugmentationOptions.Standard, 1, workerCount: 2);
        using var anotherSeed = new AugmentedBatchSource(Data, 8, AugmentationOptions.Standard, 2, workerCount: 0);

        source.Fill(twice, labels, sameImage, epoch: 1, firstPosition: 0);
        source.Fill(nextEpoch, labels, sameImage.AsSpan(0, 1), epoch: 2, firstPosition: 0);
        sameSeed.Fill(repeated, labels, sameImage.AsSpan(0, 1), epoch: 1, firstPosition: 0);
        anotherSeed.Fill(otherSeed, labels, sameImage.AsSpan(0, 1), epoch: 1, firstPosition: 0);

        float[] first = twice[..PixelCount];
        Assert.NotEqual(first, twice[PixelCount..]);
        Assert.NotEqual(first, nextEpoch);
        Assert.NotEqual(first, otherSeed);
        Assert.Equal(first, repeated);
    }

    [Fact]
    public void NoneServesTheImagesUnchanged()
    {
        int[] order = [3, 1, 2];
        using var source = new AugmentedBatchSource(Data, 2, AugmentationOptions.None, 1);
        source.StartEpoch(1, order);

        Assert.True(source.TryTake(out ReadOnlySpan<float> images, out ReadOnlySpan<byte> labels));
        float[] expected = [.. Data.GetPixels(3).ToArray().Select(level => level * (1f / 255f)),
            .. Data.GetPixels(1).ToArray().Select(level => level * (1f / 255f))];
        Assert.Equal(expected, images.ToArray());
        Assert.Equal(2, labels.Length);
        source.Release();

        Assert.True(source.TryTake(out images, out labels));
        Assert.Equal(PixelCount, images.Length);
        Assert.Equal((byte)Data.GetLabel(2)!.Value, labels[0]);
        source.Release();

        Assert.False(source.TryTake(out images, out labels));
        Assert.True(images.IsEmpty);
    }

    [Fact]
    public void TheCallerMayReshuffleItsOrderAsSoonAsTheEpochStarts()
    {
        int[] order = Shuffled(Data.Count, seed: 1);
        int[] kept = (int[])order.Clone();
        using var source = new AugmentedBatchSource(Data, 50, AugmentationOptions.None, 1);
        source.StartEpoch(1, order);
        Array.Reverse(order);

        var labels = new List<byte>();
        while (source.TryTake(out _, out ReadOnlySpan<byte> batch))
        {
            labels.AddRange(batch.ToArray());
            source.Release();
        }

        Assert.Equal(kept.Select(i => (byte)Data.GetLabel(i)!.Value), labels);
    }

    [Fact]
    public void StartingAnEpochMidwayDropsTheRestOfThePrevious()
    {
        int[] order = Shuffled(Data.Count, seed: 2);
        using var source = new AugmentedBatchSource(Data, 16, AugmentationOptions.Standard, 3, workerCount: 2);
        source.StartEpoch(1, order);
        Assert.True(source.TryTake(out _, out _));

        // Still holding a batch of epoch 1: starting epoch 2 releases it.
        source.StartEpoch(2, order[..40]);
        float[] expected = new float[16 * PixelCount];
        source.Fill(expected, new byte[16], order.AsSpan(0, 16), epoch: 2, firstPosition: 0);

        Assert.True(source.TryTake(out ReadOnlySpan<float> images, out _));
        Assert.Equal(expected, images.ToArray());
        source.Release();
        Assert.True(source.TryTake(out _, out _));
        source.Release();
        Assert.True(source.TryTake(out _, out ReadOnlySpan<byte> last));
        Assert.Equal(8, last.Length);
        source.Release();
        Assert.False(source.TryTake(out _, out _));
    }

    [Fact]
    public void AWorkersExceptionSurfacesOnTheConsumer()
    {
        using var source = new AugmentedBatchSource(Data, 16, AugmentationOptions.Standard, 1, workerCount: 2);
        source.BeforeWorkerBatch = batch =>
        {
            if (batch == 3)
            {
                throw new InvalidDataException("batch 3 broke");
            }
        };
        source.StartEpoch(1, Shuffled(Data.Count, seed: 3));

        var error = Assert.Throws<InvalidDataException>(() =>
        {
            while (source.TryTake(out _, out _))
            {
                source.Release();
            }
        });

        Assert.Equal("batch 3 broke", error.Message);
        Assert.Throws<InvalidDataException>(() => source.StartEpoch(2, [0, 1]));
        SpinWait.SpinUntil(() => !source.AnyWorkerAlive, TimeSpan.FromSeconds(10));
        Assert.False(source.AnyWorkerAlive);
    }

    [Fact]
    public void DisposeStopsTheWorkersEvenWhenTheyWaitForABufferOrAnEpoch()
    {
        var idle = new AugmentedBatchSource(Data, 16, AugmentationOptions.Standard, 1, workerCount: 2);
        var busy = new AugmentedBatchSource(Data, 16, AugmentationOptions.Standard, 1, workerCount: 2);
        busy.StartEpoch(1, Shuffled(Data.Count, seed: 4));
        Assert.True(busy.TryTake(out _, out _));
        Assert.True(idle.AnyWorkerAlive);
        Assert.True(busy.AnyWorkerAlive);

        idle.Dispose();
        busy.Dispose();

        Assert.False(idle.AnyWorkerAlive);
        Assert.False(busy.AnyWorkerAlive);
        Assert.Throws<ObjectDisposedException>(() => busy.TryTake(out _, out _));
        Assert.Throws<ObjectDisposedException>(() => busy.StartEpoch(2, [0]));
        busy.Dispose();
    }

    [Fact]
    public void MisuseIsReportedClearly()
    {
        using var source = new AugmentedBatchSource(Data, 16, AugmentationOptions.Standard, 1);

        var early = Assert.Throws<InvalidOperationException>(() => source.TryTake(out _, out _));
        Assert.Contains("StartEpoch", early.Message);
        Assert.Throws<InvalidOperationException>(source.Release);

        var outside = Assert.Throws<ArgumentOutOfRangeException>(() => source.StartEpoch(1, [0, Data.Count]));
        Assert.Contains("Position 1", outside.Message);

        source.StartEpoch(1, [0, 1, 2]);
        Assert.True(source.TryTake(out _, out _));
        var twice = Assert.Throws<InvalidOperationException>(() => source.TryTake(out _, out _));
        Assert.Contains("Release", twice.Message);

        Assert.Throws<ArgumentException>(() => new AugmentedBatchSource(
            new MnistDataset(new byte[PixelCount], null), 16, AugmentationOptions.Standard, 1));
        Assert.Throws<ArgumentException>(() => source.Fill(new float[PixelCount], new byte[2], [0, 1], 1, 0));
    }

    private static int[] Shuffled(int count, int seed)
    {
        int[] order = Enumerable.Range(0, count).ToArray();
        new SeededRandom(seed).Shuffle(order);
        return order;
    }
}

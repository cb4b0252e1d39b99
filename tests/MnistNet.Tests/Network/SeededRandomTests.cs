using MnistNet.Network;

namespace MnistNet.Tests.Network;

public class SeededRandomTests
{
    [Fact]
    public void SameSeedRepeatsTheSequence()
    {
        var a = new SeededRandom(7);
        var b = new SeededRandom(7);
        var c = new SeededRandom(8);

        ulong[] first = Enumerable.Range(0, 8).Select(_ => a.NextUInt64()).ToArray();
        Assert.Equal(first, Enumerable.Range(0, 8).Select(_ => b.NextUInt64()).ToArray());
        Assert.NotEqual(first, Enumerable.Range(0, 8).Select(_ => c.NextUInt64()).ToArray());
    }

    [Fact]
    public void NextIntCoversItsRangeEvenly()
    {
        var random = new SeededRandom(1);
        int[] counts = new int[10];
        for (int i = 0; i < 100_000; i++)
        {
            counts[random.NextInt(10)]++;
        }

        Assert.All(counts, count => Assert.InRange(count, 9_500, 10_500));
    }

    [Fact]
    public void GaussianHasZeroMeanAndUnitVariance()
    {
        var random = new SeededRandom(2);
        double[] draws = Enumerable.Range(0, 200_000).Select(_ => random.NextGaussian()).ToArray();

        double mean = draws.Average();
        double variance = draws.Average(x => (x - mean) * (x - mean));

        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(variance, 0.98, 1.02);
    }

    [Fact]
    public void ShuffleIsAPermutation()
    {
        int[] values = Enumerable.Range(0, 1000).ToArray();
        new SeededRandom(3).Shuffle(values);

        Assert.NotEqual(Enumerable.Range(0, 1000), values);
        Assert.Equal(Enumerable.Range(0, 1000), values.Order());
    }

    [Fact]
    public void RestoredStateContinuesTheSequenceExactly()
    {
        var random = new SeededRandom(11);
        random.NextGaussian();
        SeededRandomState saved = random.SaveState();
        double[] expected = [random.NextGaussian(), random.NextDouble(), random.NextInt(1000)];

        var other = new SeededRandom(99);
        other.RestoreState(saved);

        double[] actual = [other.NextGaussian(), other.NextDouble(), other.NextInt(1000)];
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void ReseedStartsOverAsANewGeneratorWould()
    {
        var reused = new SeededRandom(5);
        reused.NextGaussian();

        reused.Reseed(42);
        var fresh = new SeededRandom(42);

        // The first Gaussian would be the held-back spare of the old stream if Reseed kept it.
        Assert.Equal(fresh.NextGaussian(), reused.NextGaussian());
        Assert.Equal(fresh.NextUInt64(), reused.NextUInt64());
    }

    [Fact]
    public void AllZeroStateIsRefused()
    {
        var random = new SeededRandom(1);

        Assert.Throws<ArgumentException>(() => random.RestoreState(new SeededRandomState(0, 0, 0, 0, null)));
    }
}

using MnistNet.Augmentation;
using MnistNet.Data;

namespace MnistNet.Tests.Augmentation;

public class ElasticFieldBankTests
{
    [Fact]
    public void ASeedRepeatsThePoolAndEntriesDiffer()
    {
        var pool = new ElasticFieldBank(sigma: 5, seed: 3, count: 8);
        var again = new ElasticFieldBank(sigma: 5, seed: 3, count: 8);
        var other = new ElasticFieldBank(sigma: 5, seed: 4, count: 8);

        Assert.Equal(8, pool.Count);
        Assert.Equal(5, pool.Sigma);
        for (int entry = 0; entry < pool.Count; entry++)
        {
            Assert.Equal(MnistSample.PixelCount, pool[entry].Length);
            Assert.True(pool[entry].SequenceEqual(again[entry]));
            Assert.False(pool[entry].SequenceEqual(other[entry]));
        }

        Assert.False(pool[0].SequenceEqual(pool[1]));
    }

    [Fact]
    public void AnEntryIsSmoothedNoiseOfTheExpectedSpread()
    {
        const double sigma = 4;
        var pool = new ElasticFieldBank(sigma, seed: 1, count: 256);
        double squares = 0, neighbourSquares = 0;
        int samples = 0;

        for (int entry = 0; entry < pool.Count; entry++)
        {
            ReadOnlySpan<float> field = pool[entry];

            // Away from the border, where the zeros outside the image weaken the field.
            for (int y = 12; y < 16; y++)
            {
                for (int x = 12; x < 16; x++)
                {
                    float here = field[y * MnistSample.Width + x];
                    float right = field[y * MnistSample.Width + x + 1];
                    squares += here * here;
                    neighbourSquares += (right - here) * (right - here);
                    samples++;
                }
            }
        }

        // Uniform noise in [-1, 1] has variance 1/3; a 2-D Gaussian of weights summing to 1 keeps 1/(4π σ²) of it.
        double expected = Math.Sqrt(1.0 / 3 / (4 * Math.PI * sigma * sigma));
        double spread = Math.Sqrt(squares / samples);
        Assert.InRange(spread, 0.85 * expected, 1.15 * expected);

        // Unsmoothed noise would differ between neighbours by about √2 times its spread.
        Assert.True(Math.Sqrt(neighbourSquares / samples) < 0.3 * spread);
    }

    [Theory]
    [InlineData(0.0, 8, "sigma")]
    [InlineData(double.NaN, 8, "sigma")]
    [InlineData(5.0, 0, "count")]
    [InlineData(5.0, 1, "count")]
    [InlineData(5.0, 100, "count")]
    [InlineData(5.0, 131_072, "count")]
    public void BadSettingsAreNamed(double sigma, int count, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ElasticFieldBank(sigma, seed: 1, count));

        Assert.Equal(parameter, error.ParamName);
    }
}

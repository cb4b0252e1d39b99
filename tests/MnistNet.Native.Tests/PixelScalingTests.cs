namespace MnistNet.Native.Tests;

[Collection(nameof(ThreadCountCollection))]
public class PixelScalingTests
{
    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void GreyLevelsBecomeFractionsOfOne(KernelPath path)
    {
        byte[] pixels = [0, 1, 51, 128, 254, 255, 0, 17, 255];
        float[] values = new float[pixels.Length + 1];
        values[^1] = 42f;

        PixelScaling.ToUnitRange(pixels, values, path);

        Assert.Equal(0f, values[0]);
        Assert.Equal(0.2f, values[2], 6);
        Assert.Equal(1f, values[5]);
        Assert.Equal(1f, values[8]);
        Assert.Equal(42f, values[^1]);
    }

    [Fact]
    public void EveryPathAndThreadCountGivesTheScalarBitsOnEveryLength()
    {
        var random = new Random(3);
        int saved = KernelThreads.ThreadCount;
        try
        {
            foreach (int length in new[] { 0, 1, 7, 8, 9, 17, 784, 65_535, 65_536, 200_003 })
            {
                byte[] pixels = new byte[length];
                random.NextBytes(pixels);
                float[] expected = new float[length];
                PixelScaling.ToUnitRange(pixels, expected, KernelPath.Scalar);

                foreach (KernelPath path in TestData.FastPaths)
                {
                    foreach (int threads in new[] { 1, 2, 3 })
                    {
                        KernelThreads.ThreadCount = threads;
                        float[] actual = new float[length];
                        PixelScaling.ToUnitRange(pixels, actual, path);
                        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{path}, {threads} threads, {length}");
                    }
                }

                for (int i = 0; i < length; i++)
                {
                    Assert.Equal(pixels[i] / 255f, expected[i], 1e-6f);
                }
            }
        }
        finally
        {
            KernelThreads.ThreadCount = saved;
        }
    }

    [Fact]
    public void ShortDestinationIsRefused() =>
        Assert.Throws<ArgumentException>(() => PixelScaling.ToUnitRange(new byte[10], new float[9]));
}

[Collection(nameof(ThreadCountCollection))]
public class PixelGatherTests
{
    [Fact]
    public void GatheredRowsEqualTheScalarConversionOfEachChosenImageOnEveryPathAndThreadCount()
    {
        const int imageSize = 785;
        var random = new Random(4);
        byte[] images = new byte[300 * imageSize];
        random.NextBytes(images);
        int[] rows = Enumerable.Range(0, 200).Select(_ => random.Next(300)).ToArray();
        int saved = KernelThreads.ThreadCount;
        try
        {
            foreach (KernelPath path in TestData.AllPaths)
            {
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    KernelThreads.ThreadCount = threads;
                    float[] gathered = new float[rows.Length * imageSize + 1];
                    gathered[^1] = 7f;

                    PixelScaling.GatherToUnitRange(images, rows, imageSize, gathered, path);

                    for (int r = 0; r < rows.Length; r++)
                    {
                        float[] expected = new float[imageSize];
                        PixelScaling.ToUnitRange(images.AsSpan(rows[r] * imageSize, imageSize), expected,
                            KernelPath.Scalar);
                        Assert.True(expected.AsSpan().SequenceEqual(gathered.AsSpan(r * imageSize, imageSize)),
                            $"{path}, {threads} threads, row {r}");
                    }

                    Assert.Equal(7f, gathered[^1]);
                }
            }
        }
        finally
        {
            KernelThreads.ThreadCount = saved;
        }
    }

    [Fact]
    public void RowOutsideTheImagesIsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            PixelScaling.GatherToUnitRange(new byte[20], [0, 2], 10, new float[20]));
}

namespace MnistNet.Native.Tests;

public class BiasTests
{
    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();
        foreach (int rows in new[] { 0, 1, 3, 17, 128 })
        {
            foreach (int cols in new[] { 1, 3, 7, 8, 9, 17, 33, 64, 127, 128 })
            {
                data.Add(rows, cols);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void HandComputed(KernelPath path)
    {
        float[] values = [1, 2, 3, 4, 5, 6];
        Bias.Add(values, [10, 20, 30], 2, 3, path);
        Assert.Equal(new float[] { 11, 22, 33, 14, 25, 36 }, values);

        float[] gradient = [-1, -1, -1];
        Bias.Gradient([1, 2, 3, 4, 5, 6], gradient, 2, 3, path);
        Assert.Equal(new float[] { 5, 7, 9 }, gradient);
    }

    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void GradientAddsRowsInAscendingOrder(KernelPath path)
    {
        // In float, ((1e8 + 1) - 1e8) + 1 = 1; any other order of these four rows gives 0 or 2. Nine columns put
        // the pattern in the vector lanes and in the scalar tail.
        const int cols = 9;
        float[] rowValues = [1e8f, 1f, -1e8f, 1f];
        float[] gradient = new float[rowValues.Length * cols];
        for (int r = 0; r < rowValues.Length; r++)
        {
            gradient.AsSpan(r * cols, cols).Fill(rowValues[r]);
        }

        float[] sums = new float[cols];
        Bias.Gradient(gradient, sums, rowValues.Length, cols, path);
        Assert.All(sums, sum => Assert.Equal(1f, sum));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FastPathsMatchScalarExactly(int rows, int cols)
    {
        float[] values = TestData.Random(rows * cols, rows * 1000 + cols);
        float[] bias = TestData.Random(cols, cols);
        float[] expected = (float[])values.Clone();
        Bias.Add(expected, bias, rows, cols, KernelPath.Scalar);

        // One spare element past cols must stay untouched by Gradient.
        float[] expectedSums = new float[cols + 1];
        expectedSums[cols] = 42f;
        Bias.Gradient(values, expectedSums, rows, cols, KernelPath.Scalar);

        foreach (KernelPath path in TestData.FastPaths)
        {
            float[] actual = (float[])values.Clone();
            Bias.Add(actual, bias, rows, cols, path);
            Assert.Equal(expected, actual);

            float[] actualSums = TestData.Random(cols + 1, 7);
            actualSums[cols] = 42f;
            Bias.Gradient(values, actualSums, rows, cols, path);
            Assert.Equal(expectedSums, actualSums);
        }
    }

    [Fact]
    public void ShortSpansAreRejected()
    {
        Assert.Throws<ArgumentException>(() => Bias.Add(new float[5], new float[3], 2, 3));
        Assert.Throws<ArgumentException>(() => Bias.Gradient(new float[6], new float[2], 2, 3));
    }
}

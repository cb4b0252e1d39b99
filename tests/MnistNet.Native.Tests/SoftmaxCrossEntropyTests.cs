namespace MnistNet.Native.Tests;

public class SoftmaxCrossEntropyTests
{
    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();
        foreach (int rows in new[] { 0, 1, 5, 64 })
        {
            foreach (int classes in new[] { 1, 2, 3, 4, 8, 10, 17 })
            {
                data.Add(rows, classes);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void SoftmaxOfOneTwo(KernelPath path)
    {
        // e / (e + e²) = 1 / (1 + e) = 0.268941..., and its complement 0.731058...
        float[] logits = [1, 2];
        SoftmaxCrossEntropy.Forward(logits, [], 1, 2, path);
        Assert.Equal(0.2689, logits[0], 1e-4);
        Assert.Equal(0.7311, logits[1], 1e-4);
    }

    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void CrossEntropyHandComputed(KernelPath path)
    {
        // log(e + e² + e³) - 1 = 2.40760596444438.
        float[] logits = [1, 2, 3];
        double loss = SoftmaxCrossEntropy.Forward(logits, [0], 1, 3, path);
        Assert.Equal(2.40760596444438, loss, 1e-5);

        // Ten classes (the vector width and a tail): logits 0..9, label 9: log Σ_j e^(j-9) = 0.4586297444267114,
        // and the probabilities e^j / Σ e^j, of which the largest two are 0.632149258 and 0.232554716.
        float[] row = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        loss = SoftmaxCrossEntropy.Forward(row, [9], 1, 10, path);
        Assert.Equal(0.4586297444267114, loss, 1e-5);
        Assert.Equal(0.6321492583604867, row[9], 1e-6);
        Assert.Equal(0.23255471590259755, row[8], 1e-6);
        Assert.Equal(7.801341612780744e-05, row[0], 1e-9);
        Assert.Equal(1.0, row.Sum(), 1e-6);
    }

    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void RowLossesAreTheTermsOfTheSum(KernelPath path)
    {
        const int rows = 37, classes = 10;
        float[] logits = TestData.Random(rows * classes, 3, -4f, 4f);
        byte[] labels = [.. Enumerable.Range(0, rows).Select(r => (byte)(r * 7 % classes))];
        float[] whole = [.. logits];
        var rowLosses = new float[rows];

        double total = SoftmaxCrossEntropy.Forward(whole, labels, rows, classes, rowLosses, path);

        // Each row alone gives its own term; added in row order in double, the terms give the total bit for bit.
        double inOrder = 0;
        for (int r = 0; r < rows; r++)
        {
            float[] row = logits[(r * classes)..((r + 1) * classes)];
            Assert.Equal(SoftmaxCrossEntropy.Forward(row, [labels[r]], 1, classes, path), (double)rowLosses[r]);
            Assert.True(rowLosses[r] > 0f);
            inOrder += rowLosses[r];
        }

        Assert.Equal(total, inOrder);
        Assert.Equal(total, SoftmaxCrossEntropy.Forward([.. logits], labels, rows, classes, path));
        Assert.Throws<ArgumentException>(() =>
            SoftmaxCrossEntropy.Forward([.. logits], labels, rows, classes, new float[rows - 1], path));
    }

    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void LargeLogitGapStaysFinite(KernelPath path)
    {
        float[] logits = [0, 1000];
        double loss = SoftmaxCrossEntropy.Forward(logits, [0], 1, 2, path);
        Assert.Equal(1000.0, loss, 1e-3);
        Assert.Equal(new float[] { 0, 1 }, logits);

        // The same gaps in ten-wide rows, so the vector exponential sees them too. Row 0 has label logit 0 under a
        // maximum of 1000: loss 1000 + log(1 + 9e^-1000) = 1000. Row 1 has label logit -1000 under 1000: 2000.
        float[] wide = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1000, 1000, 0, 0, 0, 0, 0, 0, 0, 0, -1000];
        loss = SoftmaxCrossEntropy.Forward(wide, [0, 9], 2, 10, path);
        Assert.Equal(3000.0, loss, 1e-3);
        Assert.All(wide, value => Assert.True(float.IsFinite(value)));
        Assert.Equal(1f, wide[9]);
        Assert.Equal(1f, wide[10]);
    }

    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void BackwardIsScaledProbabilityMinusOneHot(KernelPath path)
    {
        float[] probabilities = [0.2f, 0.3f, 0.5f, 0.6f, 0.3f, 0.1f];
        float[] gradient = new float[6];
        SoftmaxCrossEntropy.Backward(probabilities, [2, 0], gradient, 2, 3, 0.5f, path);
        TestData.AssertClose([0.1f, 0.15f, -0.25f, -0.2f, 0.15f, 0.05f], gradient, 1e-7, "backward");

        // Ten classes, two rows: every element is 0.25 · p, except the label cells, 0.25 · (p - 1).
        float[] wide = Enumerable.Range(0, 20).Select(i => 0.05f * (i % 10) / 2.25f).ToArray();
        float[] wideGradient = new float[20];
        SoftmaxCrossEntropy.Backward(wide, [3, 9], wideGradient, 2, 10, 0.25f, path);
        for (int i = 0; i < 20; i++)
        {
            double target = i == 3 || i == 19 ? 1 : 0;
            Assert.Equal(0.25 * (wide[i] - target), wideGradient[i], 1e-7);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FastPathsMatchScalar(int rows, int classes)
    {
        float[] logits = TestData.Random(rows * classes, rows * 100 + classes, -8f, 8f);
        byte[] labels = Enumerable.Range(0, rows).Select(r => (byte)(r * 7 % classes)).ToArray();
        float[] expected = (float[])logits.Clone();
        double expectedLoss = SoftmaxCrossEntropy.Forward(expected, labels, rows, classes, KernelPath.Scalar);
        float[] expectedGradient = new float[rows * classes];
        SoftmaxCrossEntropy.Backward(expected, labels, expectedGradient, rows, classes, 1f / 3, KernelPath.Scalar);

        foreach (KernelPath path in TestData.FastPaths)
        {
            float[] actual = (float[])logits.Clone();
            double actualLoss = SoftmaxCrossEntropy.Forward(actual, labels, rows, classes, path);
            TestData.AssertClose(expected, actual, 1e-6, $"softmax {path}");
            Assert.Equal(expectedLoss, actualLoss, 1e-5 * (1 + Math.Abs(expectedLoss)));

            // Backward is the same float operations on every path, so it must agree bit for bit.
            float[] actualGradient = new float[rows * classes];
            SoftmaxCrossEntropy.Backward(expected, labels, actualGradient, rows, classes, 1f / 3, path);
            Assert.Equal(expectedGradient, actualGradient);
        }
    }

    [Fact]
    public void LabelsOutsideTheClassesAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Forward(new float[4], [0, 2], 2, 2));
    }
}

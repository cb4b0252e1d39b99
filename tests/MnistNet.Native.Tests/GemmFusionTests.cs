namespace MnistNet.Native.Tests;

public class GemmFusionTests
{
    public static TheoryData<int, int, int, KernelPath> Shapes()
    {
        var data = new TheoryData<int, int, int, KernelPath>();
        foreach (KernelPath path in TestData.AllPaths)
        {
            (int M, int K, int N)[] shapes =
                [(0, 3, 5), (1, 785, 10), (7, 0, 17), (17, 127, 33), (128, 784, 128), (127, 64, 10), (6, 513, 785)];
            foreach ((int m, int k, int n) in shapes)
            {
                data.Add(m, k, n, path);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FusedForwardMatchesItsThreeSteps(int m, int k, int n, KernelPath path)
    {
        float[] a = TestData.Random(m * k, m + 7 * k);
        float[] b = TestData.Random(k * n, k + 7 * n);
        float[] bias = TestData.Random(n, n);
        Activation?[] activations = [null, Activation.ReLU, Activation.Sigmoid, Activation.Tanh];
        foreach (Activation? activation in activations)
        {
            float[] expected = new float[m * n];
            Gemm.MultiplyNN(a, b, expected, m, k, n, false, path);
            Bias.Add(expected, bias, m, n, path);
            if (activation is { } function)
            {
                Activations.Forward(expected, function, path);
            }

            // NaN past the ends of A, B and the bias, and sentinels past C, catch any access out of the spans.
            float[] paddedBias = TestData.WithNaNPadding(bias);
            float[] actual = new float[m * n + 16];
            actual.AsSpan().Fill(123f);
            actual.AsSpan(m * n).Fill(-7f);
            Gemm.MultiplyNNBiasActivation(TestData.WithNaNPadding(a).AsSpan(0, a.Length),
                TestData.WithNaNPadding(b).AsSpan(0, b.Length), paddedBias.AsSpan(0, n), actual.AsSpan(0, m * n),
                m, k, n, activation, path);

            Assert.True(expected.AsSpan().SequenceEqual(actual.AsSpan(0, m * n)),
                $"{path} m={m} k={k} n={n} {activation}: fused result differs from its three steps");
            Assert.All(actual.Skip(m * n), value => Assert.Equal(-7f, value));
        }
    }

    [Fact]
    public void FusedReLUMapsNaNAndNegativeZeroToZero()
    {
        // 6 x 1 times 1 x 16 with a bias: the products are NaN, -0 and negatives, each of which ReLU sends to +0.
        float[] a = [float.NaN, -0f, -1f, 1f, 2f, 3f];
        float[] b = Enumerable.Repeat(1f, 16).ToArray();
        float[] bias = new float[16];
        bias[3] = -0f;
        foreach (KernelPath path in TestData.AllPaths)
        {
            float[] c = new float[6 * 16];
            Gemm.MultiplyNNBiasActivation(a, b, bias, c, 6, 1, 16, Activation.ReLU, path);
            for (int j = 0; j < 16; j++)
            {
                Assert.Equal(0, BitConverter.SingleToInt32Bits(c[j]));
                Assert.Equal(0, BitConverter.SingleToInt32Bits(c[16 + j]));
                Assert.Equal(0, BitConverter.SingleToInt32Bits(c[32 + j]));
                Assert.Equal(3f, c[80 + j]);
            }
        }
    }

    [Fact]
    public void ShortBiasIsRejected()
    {
        Assert.Throws<ArgumentException>(() =>
            Gemm.MultiplyNNBiasActivation(new float[6], new float[6], new float[1], new float[4], 2, 3, 2, null));
    }
}

namespace MnistNet.Native.Tests;

public class OptimizerKernelsTests
{
    private static readonly float[] StartWeights = [1f, -2f, 0.5f];
    private static readonly float[] FirstGradient = [0.5f, -1f, 2f];

    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void SgdTwoSteps(KernelPath path)
    {
        // w - 0.1 g: [0.95, -1.9, 0.3], then again [0.9, -1.8, 0.1].
        float[] w = (float[])StartWeights.Clone();
        OptimizerKernels.SgdStep(w, FirstGradient, 0.1f, path);
        TestData.AssertClose([0.95f, -1.9f, 0.3f], w, 1e-6, "SGD step 1");
        OptimizerKernels.SgdStep(w, FirstGradient, 0.1f, path);
        TestData.AssertClose([0.9f, -1.8f, 0.1f], w, 1e-6, "SGD step 2");
    }

    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void MomentumTwoSteps(KernelPath path)
    {
        // μ = 0.9, lr = 0.1. Step 1: v = g, w = [0.95, -1.9, 0.3]. Step 2: v = 0.9 g + g = [0.95, -1.9, 3.8],
        // w = [0.95 - 0.095, -1.9 + 0.19, 0.3 - 0.38] = [0.855, -1.71, -0.08].
        float[] w = (float[])StartWeights.Clone();
        float[] v = new float[3];
        OptimizerKernels.MomentumStep(w, FirstGradient, v, 0.1f, 0.9f, path);
        TestData.AssertClose([0.5f, -1f, 2f], v, 1e-7, "velocity 1");
        TestData.AssertClose([0.95f, -1.9f, 0.3f], w, 1e-6, "Momentum step 1");

        OptimizerKernels.MomentumStep(w, FirstGradient, v, 0.1f, 0.9f, path);
        TestData.AssertClose([0.95f, -1.9f, 3.8f], v, 1e-6, "velocity 2");
        TestData.AssertClose([0.855f, -1.71f, -0.08f], w, 1e-6, "Momentum step 2");
    }

    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void AdamTwoSteps(KernelPath path)
    {
        const float lr = 0.01f, beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
        float[] w = (float[])StartWeights.Clone();
        float[] m = new float[3];
        float[] v = new float[3];

        // Step 1: the bias-corrected moments are g and g², so each weight moves by lr · sign(g).
        OptimizerKernels.AdamStep(w, FirstGradient, m, v, lr, beta1, beta2, epsilon, 1, path);
        TestData.AssertClose([0.05f, -0.1f, 0.2f], m, 1e-7, "first moment 1");
        TestData.AssertClose([0.00025f, 0.001f, 0.004f], v, 1e-7, "second moment 1");
        TestData.AssertClose([0.99f, -1.99f, 0.49f], w, 1e-6, "Adam step 1");

        // Step 2 with g = [-0.5, 0.5, 1]: m = [-0.005, -0.04, 0.28], v = [0.00049975, 0.001249, 0.004996];
        // m̂ = m / 0.19, v̂ = v / 0.001999, w -= 0.01 m̂ / (sqrt(v̂) + 1e-8), worked in double precision.
        OptimizerKernels.AdamStep(w, [-0.5f, 0.5f, 1f], m, v, lr, beta1, beta2, epsilon, 2, path);
        TestData.AssertClose([-0.005f, -0.04f, 0.28f], m, 1e-7, "first moment 2");
        TestData.AssertClose([0.00049975f, 0.001249f, 0.004996f], v, 1e-7, "second moment 2");
        TestData.AssertClose([0.9905263159789474f, -1.9873366297370902f, 0.480678203720851f], w, 1e-6,
            "Adam step 2");
    }

    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void AdamSetsSubnormalMomentsToZeroAndKeepsNaN(KernelPath path)
    {
        // Eleven elements, so that vector paths meet them in a vector and in the scalar tail. With g = 0 each moment
        // is only scaled: 0.9 · 1.3e-38 = 1.17e-38 falls below 2^-126 = 1.1755e-38, 0.9 · 1.4e-38 does not.
        const float edge = 1.3e-38f;
        float[] m = [edge, -edge, 1.4e-38f, 0.5f, 0f, edge, edge, edge, -edge, 1f, edge];
        float[] v = [0f, 0f, 0f, 0.25f, 1e-38f, 0f, 1e-37f, 0f, 0f, float.NaN, 1e-38f];
        float[] g = new float[11];
        float[] w = Enumerable.Repeat(1f, 11).ToArray();

        OptimizerKernels.AdamStep(w, g, m, v, 0.001f, 0.9f, 0.999f, 1e-8f, 3, path);

        Assert.Equal(0, BitConverter.SingleToInt32Bits(m[0]));
        Assert.Equal(0, BitConverter.SingleToInt32Bits(m[1]));
        Assert.Equal(0.9f * 1.4e-38f, m[2]);
        Assert.Equal(0.9f * 0.5f, m[3]);
        Assert.Equal(0, BitConverter.SingleToInt32Bits(v[4]));
        Assert.Equal(0.999f * 1e-37f, v[6]);
        Assert.True(float.IsNaN(v[9]), "a NaN second moment must stay NaN");
        Assert.True(float.IsNaN(w[9]), "a NaN second moment must reach the weight");
        Assert.Equal(0, BitConverter.SingleToInt32Bits(m[10]));
        Assert.Equal(0, BitConverter.SingleToInt32Bits(v[10]));
        Assert.Equal(1f, w[0]);
    }

    [Fact]
    public void AdamFlushesSubnormalsTheSameWhenSplitBetweenThreads()
    {
        // Long enough to be split; every eighth moment about to turn subnormal.
        const int length = 40_000;
        float[] m = Enumerable.Range(0, length).Select(i => i % 8 == 0 ? 1.2e-38f : 0.001f * (i % 13)).ToArray();
        float[] v = Enumerable.Range(0, length).Select(i => 0.0001f * (i % 7)).ToArray();
        float[] g = TestData.Random(length, 5, -1e-3f, 1e-3f);
        for (int i = 0; i < length; i += 8)
        {
            g[i] = 0f;
        }

        float[] w = TestData.Random(length, 6);
        float[] w1 = (float[])w.Clone(), m1 = (float[])m.Clone(), v1 = (float[])v.Clone();
        OptimizerKernels.AdamStep(w1, g, m1, v1, 0.001f, 0.9f, 0.999f, 1e-8f, 9, KernelPath.Scalar);
        Assert.All(Enumerable.Range(0, length / 8), block => Assert.Equal(0f, m1[block * 8]));
        foreach (KernelPath path in TestData.FastPaths)
        {
            float[] w2 = (float[])w.Clone(), m2 = (float[])m.Clone(), v2 = (float[])v.Clone();
            OptimizerKernels.AdamStep(w2, g, m2, v2, 0.001f, 0.9f, 0.999f, 1e-8f, 9, path);
            Assert.Equal(w1, w2);
            Assert.Equal(m1, m2);
            Assert.Equal(v1, v2);
        }
    }

    [Fact]
    public void FastPathsAgreeWithScalarOnEveryLength()
    {
        foreach (KernelPath path in TestData.FastPaths)
        {
            AgreeOnEveryLength(path);
        }
    }

    private static void AgreeOnEveryLength(KernelPath path)
    {
        for (int length = 0; length <= 67; length++)
        {
            float[] weights = TestData.Random(length, length);
            float[] gradient = TestData.Random(length, 1000 + length);
            float[] state = TestData.Random(length, 2000 + length);
            float[] square = TestData.Random(length, 3000 + length, 0f, 0.01f);

            float[] w1 = (float[])weights.Clone(), w2 = (float[])weights.Clone();
            OptimizerKernels.SgdStep(w1, gradient, 0.05f, KernelPath.Scalar);
            OptimizerKernels.SgdStep(w2, gradient, 0.05f, path);
            Assert.Equal(w1, w2);

            w1 = (float[])weights.Clone();
            w2 = (float[])weights.Clone();
            float[] v1 = (float[])state.Clone(), v2 = (float[])state.Clone();
            OptimizerKernels.MomentumStep(w1, gradient, v1, 0.05f, 0.9f, KernelPath.Scalar);
            OptimizerKernels.MomentumStep(w2, gradient, v2, 0.05f, 0.9f, path);
            Assert.Equal(w1, w2);
            Assert.Equal(v1, v2);

            w1 = (float[])weights.Clone();
            w2 = (float[])weights.Clone();
            float[] m1 = (float[])state.Clone(), m2 = (float[])state.Clone();
            float[] s1 = (float[])square.Clone(), s2 = (float[])square.Clone();
            OptimizerKernels.AdamStep(w1, gradient, m1, s1, 0.001f, 0.9f, 0.999f, 1e-8f, 7, KernelPath.Scalar);
            OptimizerKernels.AdamStep(w2, gradient, m2, s2, 0.001f, 0.9f, 0.999f, 1e-8f, 7, path);

            // The vector updates are the reference's operations in its order, so they agree bit for bit.
            Assert.Equal(w1, w2);
            Assert.Equal(m1, m2);
            Assert.Equal(s1, s2);
        }
    }

    [Fact]
    public void MismatchedLengthsAndStepZeroAreRejected()
    {
        Assert.Throws<ArgumentException>(() => OptimizerKernels.SgdStep(new float[3], new float[2], 0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => OptimizerKernels.AdamStep(new float[1], new float[1],
            new float[1], new float[1], 0.1f, 0.9f, 0.999f, 1e-8f, 0));
    }
}

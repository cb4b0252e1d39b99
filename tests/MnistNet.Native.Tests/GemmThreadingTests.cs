namespace MnistNet.Native.Tests;

/// <summary>Tests that change <see cref="KernelThreads.ThreadCount"/>, a process-wide setting, run alone.</summary>
[CollectionDefinition(nameof(ThreadCountCollection), DisableParallelization = true)]
public class ThreadCountCollection;

[Collection(nameof(ThreadCountCollection))]
public class GemmThreadingTests
{
    [Theory]
    [MemberData(nameof(GemmTests.ThreadedShapes), MemberType = typeof(GemmTests))]
    public void EveryThreadCountGivesTheSameBits(int m, int k, int n)
    {
        float[] a = TestData.Random(m * k, m + k);
        float[] b = TestData.Random(k * n, k + n);
        float[] initial = TestData.Random(m * n, m + n);
        float[] bias = TestData.Random(n, n);
        int saved = KernelThreads.ThreadCount;
        try
        {
            foreach (KernelPath path in TestData.AllPaths)
            {
                foreach (GemmTests.Form form in Enum.GetValues<GemmTests.Form>())
                {
                    foreach (bool accumulate in new[] { false, true })
                    {
                        float[]? reference = null;
                        foreach (int threads in new[] { 1, 2, 3 })
                        {
                            KernelThreads.ThreadCount = threads;
                            float[] c = (float[])initial.Clone();
                            GemmTests.Multiply(form, a, b, c, m, k, n, accumulate, path);
                            reference ??= c;
                            Assert.True(reference.AsSpan().SequenceEqual(c),
                                $"{form} {path} m={m} k={k} n={n} accumulate={accumulate}: {threads} threads differ");
                        }
                    }
                }

                float[]? fused = null;
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    KernelThreads.ThreadCount = threads;
                    float[] c = new float[m * n];
                    Gemm.MultiplyNNBiasActivation(a, b, bias, c, m, k, n, Activation.ReLU, path);
                    fused ??= c;
                    Assert.True(fused.AsSpan().SequenceEqual(c), $"fused {path}: {threads} threads differ");
                }
            }
        }
        finally
        {
            KernelThreads.ThreadCount = saved;
        }
    }

    [Fact]
    public void AdamGivesTheSameBitsOnAnyThreadCount()
    {
        const int length = 100_003;
        float[] gradient = TestData.Random(length, 3);
        int saved = KernelThreads.ThreadCount;
        try
        {
            float[]? reference = null;
            foreach (int threads in new[] { 1, 2, 3 })
            {
                KernelThreads.ThreadCount = threads;
                float[] weights = TestData.Random(length, 4);
                float[] first = TestData.Random(length, 5);
                float[] second = TestData.Random(length, 6, 0f, 1f);
                OptimizerKernels.AdamStep(weights, gradient, first, second, 0.001f, 0.9f, 0.999f, 1e-8f, 3);
                float[] all = [.. weights, .. first, .. second];
                reference ??= all;
                Assert.True(reference.AsSpan().SequenceEqual(all), $"{threads} threads differ");
            }
        }
        finally
        {
            KernelThreads.ThreadCount = saved;
        }
    }

    [Theory]
    [InlineData(784 * 128, 784, 0)] // MNIST's first layer split as its gradient product splits rows: bands of six
    [InlineData(784 * 128, 0, 784 * 64)] // the same layer in two column blocks
    [InlineData(130 * 64, 0, 64 * 64)] // rows by the blocks of a 130-wide layer below: 64, 64 and 2
    public void AdamGivesTheSameBitsHoweverItIsSplit(int length, int gradientRows, int blockLength)
    {
        float[] gradient = TestData.Random(length, 7);
        int saved = KernelThreads.ThreadCount;
        try
        {
            float[]? reference = null;
            foreach (int threads in new[] { 1, 2, 3 })
            {
                foreach (bool split in new[] { false, true })
                {
                    KernelThreads.ThreadCount = threads;
                    float[] weights = TestData.Random(length, 8);
                    float[] first = TestData.Random(length, 9);
                    float[] second = TestData.Random(length, 10, 0f, 1f);
                    OptimizerKernels.AdamStep(weights, gradient, first, second, 0.001f, 0.9f, 0.999f, 1e-8f, 5,
                        split ? gradientRows : 0, split ? blockLength : 0);
                    float[] all = [.. weights, .. first, .. second];
                    reference ??= all;
                    Assert.True(reference.AsSpan().SequenceEqual(all),
                        $"{threads} threads, split {split} differ");
                }
            }
        }
        finally
        {
            KernelThreads.ThreadCount = saved;
        }
    }

    [Fact]
    public void AdamRejectsARowCountThatIsNotTheMatrixShape()
    {
        float[] values = new float[40_000];
        Assert.Throws<ArgumentException>(() => OptimizerKernels.AdamStep(values, values, new float[40_000],
            new float[40_000], 0.001f, 0.9f, 0.999f, 1e-8f, 1, gradientRows: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => OptimizerKernels.AdamStep(values, values,
            new float[40_000], new float[40_000], 0.001f, 0.9f, 0.999f, 1e-8f, 1, gradientRows: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => OptimizerKernels.AdamStep(values, values,
            new float[40_000], new float[40_000], 0.001f, 0.9f, 0.999f, 1e-8f, 1, blockLength: -1));
        Assert.Throws<ArgumentException>(() => OptimizerKernels.AdamStep(values, values, new float[40_000],
            new float[40_000], 0.001f, 0.9f, 0.999f, 1e-8f, 1, gradientRows: 4, blockLength: 1000));
    }

    [Fact]
    public void ThreadCountIsValidated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelThreads.ThreadCount = 0);
        Assert.Equal(3, KernelThreads.Choose(" 3 "));
        Assert.Equal(Math.Max(1, Environment.ProcessorCount), KernelThreads.Choose(null));
        Assert.Throws<InvalidOperationException>(() => KernelThreads.Choose("two"));
        Assert.Throws<InvalidOperationException>(() => KernelThreads.Choose("0"));
    }

}

[Collection(nameof(ThreadCountCollection))]
public class GemmBackendTests
{
    [Fact]
    public void BackendPropertyRoutesTheDefaultOverloads()
    {
        GemmBackend saved = Gemm.Backend;
        try
        {
            if (!Gemm.IsOpenBlasAvailable)
            {
                Assert.Throws<DllNotFoundException>(() => Gemm.Backend = GemmBackend.OpenBlas);
                Assert.Equal(saved, Gemm.Backend);
                return;
            }

            Gemm.Backend = GemmBackend.OpenBlas;
            float[] c = new float[4];
            Gemm.MultiplyNN([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12], c, 2, 3, 2);
            Assert.Equal(new float[] { 58, 64, 139, 154 }, c);

            Gemm.MultiplyNNBiasActivation([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12], [-100, 0], c, 2, 3, 2,
                Activation.ReLU);
            Assert.Equal(new float[] { 0, 64, 39, 154 }, c);
        }
        finally
        {
            Gemm.Backend = saved;
        }
    }
}

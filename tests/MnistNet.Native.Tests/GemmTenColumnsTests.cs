namespace MnistNet.Native.Tests;

/// <summary>
/// Products ten columns wide take their own kernels (rows in the lanes), which must give the panel kernels' bits
/// exactly, with and without AVX-512 and on any thread count. The switches are process-wide, so these tests run in
/// the collection that runs alone.
/// </summary>
[Collection(nameof(ThreadCountCollection))]
public class GemmTenColumnsTests
{
    private const int N = 10;

    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();

        // Row counts around the sixteen-row block and its eight-row halves; depths of 0, 1, around a vector, the
        // protocol's 64 and 128, and one that is not a multiple of eight.
        foreach (int m in new[] { 6, 7, 8, 9, 15, 16, 17, 24, 31, 33, 64, 127, 128 })
        {
            foreach (int k in new[] { 0, 1, 7, 8, 9, 64, 128, 785 })
            {
                data.Add(m, k);
            }
        }

        // Large enough to be split between threads.
        data.Add(1000, 300);
        data.Add(10000, 64);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TenColumnKernelsGiveThePanelKernelsBits(int m, int k)
    {
        int seed = m * 1000 + k;
        float[] a = TestData.Random(m * k, seed);
        float[] b = TestData.Random(k * N, seed + 1);
        float[] initial = TestData.Random(m * N, seed + 2);
        float[] bias = TestData.Random(N, seed + 3);
        var (savedWide, savedThreads) = (GemmPackedAvx2.UseAvx512, KernelThreads.ThreadCount);
        try
        {
            foreach (bool wide in Avx512Choices())
            {
                GemmPackedAvx2.UseAvx512 = wide;
                foreach (int threads in new[] { 1, 2 })
                {
                    KernelThreads.ThreadCount = threads;
                    foreach (GemmTests.Form form in new[] { GemmTests.Form.NN, GemmTests.Form.TN })
                    {
                        foreach (bool accumulate in new[] { false, true })
                        {
                            void Multiply(float[] c) =>
                                GemmTests.Multiply(form, a, b, c, m, k, N, accumulate, KernelPath.Avx2);
                            AssertSameBits(Run(false, Multiply, initial), Run(true, Multiply, initial),
                                $"{form} m={m} k={k} accumulate={accumulate} threads={threads} avx512={wide}");
                        }
                    }

                    void Fused(float[] c) =>
                        Gemm.MultiplyNNBiasActivation(a, b, bias, c, m, k, N, Activation.ReLU, KernelPath.Avx2);
                    AssertSameBits(Run(false, Fused, initial), Run(true, Fused, initial),
                        $"bias and ReLU m={m} k={k} threads={threads} avx512={wide}");
                }
            }
        }
        finally
        {
            (GemmPackedAvx2.UseAvx512, KernelThreads.ThreadCount) = (savedWide, savedThreads);
        }
    }

    [Theory]
    [InlineData(6)]
    [InlineData(16)]
    [InlineData(21)]
    public void EpilogueMapsNaNAndNegativeZeroToZeroAndAddsTheBias(int m)
    {
        // One input column, so that C = a · b + bias lands on chosen values: NaN, -0, negatives and positives.
        float[] a = Enumerable.Range(0, m).Select(i => (float)(i + 1)).ToArray();
        float[] b = [float.NaN, -0f, 1f, -1f, 2f, -2f, 0.5f, 3f, -3f, 4f];
        float[] bias = [0f, 0f, 0.25f, 0.25f, 0f, 10f, 0f, 0f, 0f, -1f];
        bool savedWide = GemmPackedAvx2.UseAvx512;
        try
        {
            foreach (bool wide in Avx512Choices())
            {
                GemmPackedAvx2.UseAvx512 = wide;
                float[] c = Run(true, c => Gemm.MultiplyNNBiasActivation(a, b, bias, c, m, 1, N, Activation.ReLU,
                    KernelPath.Avx2), new float[m * N]);
                for (int i = 0; i < m; i++)
                {
                    float x = i + 1;
                    float[] expected = [0f, 0f, x + 0.25f, Math.Max(0f, -x + 0.25f), 2 * x, Math.Max(0f, -2 * x + 10f),
                        0.5f * x, 3 * x, 0f, 4 * x - 1f];
                    Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits),
                        c.Skip(i * N).Take(N).Select(BitConverter.SingleToInt32Bits));
                }
            }
        }
        finally
        {
            GemmPackedAvx2.UseAvx512 = savedWide;
        }
    }

    private static bool[] Avx512Choices() => GemmPackedAvx512.IsSupported ? [false, true] : [false];

    private static float[] Run(bool tenColumns, Action<float[]> multiply, float[] initial)
    {
        bool saved = GemmPackedAvx2.UseTenColumns;
        try
        {
            GemmPackedAvx2.UseTenColumns = tenColumns;
            float[] c = (float[])initial.Clone();
            multiply(c);
            return c;
        }
        finally
        {
            GemmPackedAvx2.UseTenColumns = saved;
        }
    }

    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        int first = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(first == expected.Length && expected.Length == actual.Length,
            $"{what}: the bits differ first at element {first}");
    }
}

using System.Runtime.Intrinsics.X86;

namespace MnistNet.Native.Tests;

/// <summary>A theory that is reported as skipped, with the reason, on a processor without AVX-512.</summary>
public sealed class Avx512TheoryAttribute : TheoryAttribute
{
    public Avx512TheoryAttribute()
    {
        if (!Avx512F.IsSupported)
        {
            Skip = "This processor has no AVX-512, so the 512-bit tile never runs.";
        }
    }
}

/// <summary>
/// The 512-bit tile must give the 256-bit kernels' bits exactly. The switch is process-wide, so these tests run in
/// the collection that runs alone.
/// </summary>
[Collection(nameof(ThreadCountCollection))]
public class GemmAvx512Tests
{
    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();

        // Every row remainder of the six-row tile, column counts around one and two pairs of panels, and depths
        // of 1, a few, one past a vector, and past one depth block.
        foreach (int m in new[] { 1, 2, 5, 6, 7, 11, 12, 13 })
        {
            foreach (int n in new[] { 10, 31, 32, 33, 48, 64, 65, 96 })
            {
                foreach (int k in new[] { 1, 7, 17, 785 })
                {
                    data.Add(m, k, n);
                }
            }
        }

        // The protocol's products, and shapes large enough to be split between threads.
        data.Add(128, 784, 128);
        data.Add(784, 128, 128);
        data.Add(128, 128, 784);
        data.Add(128, 128, 64);
        data.Add(128, 64, 10);
        data.Add(785, 127, 129);
        data.Add(131, 1100, 47);
        return data;
    }

    [Avx512Theory]
    [MemberData(nameof(Shapes))]
    public void WideTileGivesTheSameBitsAs256BitKernels(int m, int k, int n)
    {
        int seed = (m * 1000 + k) * 1000 + n;
        float[] a = TestData.Random(m * k, seed);
        float[] b = TestData.Random(k * n, seed + 1);
        float[] initial = TestData.Random(m * n, seed + 2);
        float[] bias = TestData.Random(n, seed + 3);
        bool saved = GemmPackedAvx2.UseAvx512;
        int savedThreads = KernelThreads.ThreadCount;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                KernelThreads.ThreadCount = threads;
                foreach (GemmTests.Form form in Enum.GetValues<GemmTests.Form>())
                {
                    foreach (bool accumulate in new[] { false, true })
                    {
                        void Multiply(float[] c) =>
                            GemmTests.Multiply(form, a, b, c, m, k, n, accumulate, KernelPath.Avx2);
                        float[] narrow = Run(false, Multiply, initial);
                        float[] wide = Run(true, Multiply, initial);
                        Assert.True(narrow.AsSpan().SequenceEqual(wide),
                            $"{form} m={m} k={k} n={n} accumulate={accumulate} threads={threads}: the bits differ");
                    }
                }

                float[] fusedNarrow = Run(false, c => Gemm.MultiplyNNBiasActivation(a, b, bias, c, m, k, n,
                    Activation.ReLU, KernelPath.Avx2), initial);
                float[] fusedWide = Run(true, c => Gemm.MultiplyNNBiasActivation(a, b, bias, c, m, k, n,
                    Activation.ReLU, KernelPath.Avx2), initial);
                Assert.True(fusedNarrow.AsSpan().SequenceEqual(fusedWide),
                    $"bias and ReLU, m={m} k={k} n={n} threads={threads}: the bits differ");
            }
        }
        finally
        {
            GemmPackedAvx2.UseAvx512 = saved;
            KernelThreads.ThreadCount = savedThreads;
        }
    }

    [Avx512Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(6)]
    public void WideEpilogueMapsNaNAndNegativeZeroToZeroLikeTheOthers(int m)
    {
        // One input column, so that C = a · b + bias lands exactly on chosen values: NaN, -0, negatives, positives.
        const int n = 32;
        float[] a = Enumerable.Repeat(1f, m).ToArray();
        float[] b = Enumerable.Range(0, n).Select(j => j switch
        {
            0 => float.NaN,
            1 => -0f,
            _ => j % 3 == 0 ? -j : j,
        }).ToArray();
        float[] bias = new float[n];

        float[] expected = new float[m * n];
        Gemm.MultiplyNNBiasActivation(a, b, bias, expected, m, 1, n, Activation.ReLU, KernelPath.Scalar);
        bool saved = GemmPackedAvx2.UseAvx512;
        try
        {
            float[] wide = Run(true, c => Gemm.MultiplyNNBiasActivation(a, b, bias, c, m, 1, n, Activation.ReLU,
                KernelPath.Avx2), new float[m * n]);
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), wide.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(0, BitConverter.SingleToInt32Bits(wide[0]));
            Assert.Equal(0, BitConverter.SingleToInt32Bits(wide[1]));
            Assert.Equal(2f, wide[2]);
            Assert.Equal(0f, wide[3]);
        }
        finally
        {
            GemmPackedAvx2.UseAvx512 = saved;
        }
    }

    private static float[] Run(bool wide, Action<float[]> multiply, float[] initial)
    {
        GemmPackedAvx2.UseAvx512 = wide;
        float[] c = (float[])initial.Clone();
        multiply(c);
        return c;
    }
}

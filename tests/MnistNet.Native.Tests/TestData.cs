namespace MnistNet.Native.Tests;

/// <summary>Seeded inputs and the kernel paths this machine can run, shared by the kernel test classes.</summary>
internal static class TestData
{
    /// <summary>The non-scalar paths the processor supports; each is checked against the scalar twin.</summary>
    public static IReadOnlyList<KernelPath> FastPaths { get; } =
        new[] { KernelPath.Avx2, KernelPath.Vector128 }.Where(KernelSelector.IsSupported).ToArray();

    public static IReadOnlyList<KernelPath> AllPaths { get; } = [KernelPath.Scalar, .. FastPaths];

    public static TheoryData<KernelPath> AllPathsData()
    {
        var data = new TheoryData<KernelPath>();
        foreach (KernelPath path in AllPaths)
        {
            data.Add(path);
        }

        return data;
    }

    /// <summary>Uniform values in [low, high) from a fixed seed, so a failure reproduces.</summary>
    public static float[] Random(int length, int seed, float low = -1f, float high = 1f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = low + (float)random.NextDouble() * (high - low);
        }

        return values;
    }

    /// <summary>
    /// The values followed by NaN padding: a kernel that reads past its span and uses what it read poisons its
    /// result, which a comparison then catches.
    /// </summary>
    public static float[] WithNaNPadding(float[] values, int padding = 16)
    {
        var padded = new float[values.Length + padding];
        values.CopyTo(padded, 0);
        padded.AsSpan(values.Length).Fill(float.NaN);
        return padded;
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative,
        string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = relative * (1 + Math.Abs(expected[i]));
            bool bothNaN = float.IsNaN(expected[i]) && float.IsNaN(actual[i]);
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance) && !bothNaN)
            {
                Assert.Fail(
                    $"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (tolerance {tolerance:G3}).");
            }
        }
    }
}

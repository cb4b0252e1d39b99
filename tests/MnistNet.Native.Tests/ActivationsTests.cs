namespace MnistNet.Native.Tests;

public class ActivationsTests
{
    public static TheoryData<KernelPath, Activation> PathsAndActivations()
    {
        var data = new TheoryData<KernelPath, Activation>();
        foreach (KernelPath path in TestData.AllPaths)
        {
            foreach (Activation activation in Enum.GetValues<Activation>())
            {
                data.Add(path, activation);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void KnownValues(KernelPath path)
    {
        // Nine elements so the vector paths compute the first eight (or four) and the scalar tail the rest.
        float[] relu = [-1, 0, 2, -0.5f, 3.5f, -1e-30f, 1e-30f, -7, 5];
        Activations.Forward(relu, Activation.ReLU, path);
        Assert.Equal(new float[] { 0, 0, 2, 0, 3.5f, 0, 1e-30f, 0, 5 }, relu);

        float[] sigmoid = [0, 0, 0, 0, 0, 0, 0, 0, 0];
        Activations.Forward(sigmoid, Activation.Sigmoid, path);
        Assert.All(sigmoid, value => Assert.Equal(0.5f, value, 1e-7f));

        // tanh(1) = 0.761594155955765, tanh(-2) = -0.964027580075817, tanh(0.1) = 0.0996679946249558.
        float[] tanh = [1, -2, 0.1f, 0, 1, -2, 0.1f, 0, 1];
        Activations.Forward(tanh, Activation.Tanh, path);
        double[] expected = [0.761594155955765, -0.964027580075817, 0.0996679946249558, 0];
        for (int i = 0; i < tanh.Length; i++)
        {
            Assert.Equal(expected[i % 4], tanh[i], 1e-6);
        }

        // sigmoid(2) = 0.880797077977882 and sigmoid(-2) = 0.119202922022118.
        float[] pair = [2, -2, 2, -2, 2, -2, 2, -2, 2];
        Activations.Forward(pair, Activation.Sigmoid, path);
        for (int i = 0; i < pair.Length; i++)
        {
            Assert.Equal(i % 2 == 0 ? 0.880797077977882 : 0.119202922022118, pair[i], 1e-6);
        }
    }

    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void DerivativesFromActivatedValues(KernelPath path)
    {
        float[] activated = [0.5f, 0.25f, 0.9f, 0f, -0.5f, 2f, 0.5f, 0.25f, 0.9f];
        float[] ones = [1, 1, 1, 1, 1, 1, 1, 1, 1];

        float[] relu = (float[])ones.Clone();
        Activations.Backward(activated, relu, Activation.ReLU, path);
        Assert.Equal(new float[] { 1, 1, 1, 0, 0, 1, 1, 1, 1 }, relu);

        // a(1 - a): 0.25, 0.1875, 0.09 (and 0, -0.75, -2 outside the sigmoid's range, still the formula).
        float[] sigmoid = [2, 2, 2, 2, 2, 2, 2, 2, 2];
        Activations.Backward(activated, sigmoid, Activation.Sigmoid, path);
        float[] sigmoidExpected = [0.5f, 0.375f, 0.18f, 0, -1.5f, -4f, 0.5f, 0.375f, 0.18f];
        TestData.AssertClose(sigmoidExpected, sigmoid, 1e-6, "sigmoid'");

        // 1 - a²: 0.75, 0.9375, 0.19, 1, 0.75, -3.
        float[] tanh = (float[])ones.Clone();
        Activations.Backward(activated, tanh, Activation.Tanh, path);
        float[] tanhExpected = [0.75f, 0.9375f, 0.19f, 1, 0.75f, -3f, 0.75f, 0.9375f, 0.19f];
        TestData.AssertClose(tanhExpected, tanh, 1e-6, "tanh'");
    }

    [Theory]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    public void FastPathsAgreeWithScalarOnEveryLength(Activation activation)
    {
        foreach (KernelPath path in TestData.FastPaths)
        {
            AgreeOnEveryLength(path, activation);
        }
    }

    private static void AgreeOnEveryLength(KernelPath path, Activation activation)
    {
        for (int length = 0; length <= 67; length++)
        {
            float[] input = TestData.Random(length, 100 + length, -6f, 6f);
            float[] expected = (float[])input.Clone();
            Activations.Forward(expected, activation, KernelPath.Scalar);
            float[] actual = (float[])input.Clone();
            Activations.Forward(actual, activation, path);
            TestData.AssertClose(expected, actual, 1e-6, $"{activation} forward, {path}, length {length}");

            float[] gradient = TestData.Random(length, 200 + length);
            float[] expectedGradient = (float[])gradient.Clone();
            Activations.Backward(expected, expectedGradient, activation, KernelPath.Scalar);
            Activations.Backward(expected, gradient, activation, path);

            // The derivatives are the same float operations in the same order on every path: bit for bit.
            Assert.Equal(expectedGradient, gradient);
        }
    }

    [Theory]
    [MemberData(nameof(PathsAndActivations))]
    public void AnElementsValueDoesNotDependOnTheSpanItCameIn(KernelPath path, Activation activation)
    {
        // A layer's outputs are activated in blocks or row bands whose sizes depend on the thread count, so every
        // split of a span must give the bits of the whole.
        float[] inputs = TestData.Random(37, 5, -6f, 6f);
        float[] whole = [.. inputs];
        Activations.Forward(whole, activation, path);

        foreach (int cut in new[] { 1, 3, 13, 29, 36 })
        {
            float[] pieces = [.. inputs];
            Activations.Forward(pieces.AsSpan(0, cut), activation, path);
            Activations.Forward(pieces.AsSpan(cut), activation, path);
            Assert.Equal(whole, pieces);
        }
    }

    [Theory]
    [MemberData(nameof(PathsAndActivations))]
    public void VectorApproximationsStayWithinAMillionthOfMathF(KernelPath path, Activation activation)
    {
        // A dense sweep, plus the tiny and huge magnitudes where exp underflows or tanh's series takes over.
        var inputs = new List<float>();
        for (int i = -400_000; i <= 400_000; i++)
        {
            inputs.Add(i * 5e-5f);
        }

        inputs.AddRange([1e-30f, -1e-30f, 1e-8f, -3e-5f, 0.2499999f, 0.25f, 0.2500001f, 30f, -30f, 80f, -80f,
            87f, -87f, 88f, -88f, 100f, -100f, 1e30f, -1e30f, float.MaxValue, float.MinValue]);
        float[] actual = inputs.ToArray();
        Activations.Forward(actual, activation, path);

        for (int i = 0; i < actual.Length; i++)
        {
            float z = inputs[i];
            double reference = activation switch
            {
                Activation.ReLU => Math.Max(z, 0),
                Activation.Sigmoid => 1 / (1 + Math.Exp(-(double)z)),
                _ => Math.Tanh(z),
            };

            // Relative where the value is a normal float; below that, an absolute error of a subnormal is allowed.
            double error = Math.Abs(actual[i] - reference);
            Assert.True(error <= 1e-6 * Math.Abs(reference) || error < 1.2e-38,
                $"{activation}({z:R}) on {path} is {actual[i]:R}, expected {reference:R}.");
        }
    }

    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void NaNStaysNaNThroughSigmoidAndTanh(KernelPath path)
    {
        float[] sigmoid = [float.NaN, 1, float.NaN, 1, float.NaN, 1, float.NaN, 1, float.NaN];
        Activations.Forward(sigmoid, Activation.Sigmoid, path);
        float[] tanh = [float.NaN, 1, float.NaN, 1, float.NaN, 1, float.NaN, 1, float.NaN];
        Activations.Forward(tanh, Activation.Tanh, path);

        for (int i = 0; i < sigmoid.Length; i += 2)
        {
            Assert.True(float.IsNaN(sigmoid[i]) && float.IsNaN(tanh[i]), $"element {i} on {path}");
        }
    }

    [Fact]
    public void MismatchedLengthsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => Activations.Backward(new float[3], new float[4], Activation.ReLU));
    }
}

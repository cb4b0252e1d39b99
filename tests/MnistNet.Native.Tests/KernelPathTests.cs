namespace MnistNet.Native.Tests;

public class KernelPathTests
{
    [Theory]
    [InlineData("scalar", KernelPath.Scalar)]
    [InlineData("AVX2", KernelPath.Avx2)]
    [InlineData("vector128", KernelPath.Vector128)]
    [InlineData("  Scalar ", KernelPath.Scalar)]
    public void ChooseParsesPathNamesIgnoringCase(string requested, KernelPath expected)
    {
        if (KernelSelector.IsSupported(expected))
        {
            Assert.Equal(expected, KernelSelector.Choose(requested));
        }
        else
        {
            Assert.Throws<PlatformNotSupportedException>(() => KernelSelector.Choose(requested));
        }
    }

    [Theory]
    [InlineData("foo")]
    [InlineData("avx512")]
    [InlineData("-1")]
    public void ChooseRejectsUnknownNames(string requested)
    {
        Assert.Throws<InvalidOperationException>(() => KernelSelector.Choose(requested));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void WithoutOverrideChooseTakesTheBestSupportedPath(string? requested)
    {
        KernelPath expected = KernelSelector.IsSupported(KernelPath.Avx2) ? KernelPath.Avx2
            : KernelSelector.IsSupported(KernelPath.Vector128) ? KernelPath.Vector128 : KernelPath.Scalar;
        Assert.Equal(expected, KernelSelector.Choose(requested));
    }

    [Fact]
    public void ScalarIsAlwaysSupportedAndUndefinedPathsAreRejected()
    {
        Assert.True(KernelSelector.IsSupported(KernelPath.Scalar));
        Assert.Equal(KernelPath.Scalar, KernelSelector.Require(KernelPath.Scalar));
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelSelector.Require((KernelPath)42));
        Assert.Throws<ArgumentOutOfRangeException>(() => Activations.Forward(new float[1], Activation.ReLU,
            (KernelPath)42));
    }

    [Fact]
    public void DefaultOverloadsUseTheActivePath()
    {
        // Run the suite with MNISTNET_KERNELS set to each path and this checks the override reaches the kernels.
        Assert.Equal(KernelSelector.Choose(Environment.GetEnvironmentVariable(KernelSelector.OverrideVariable)),
            KernelSelector.Active);

        float[] a = TestData.Random(7 * 33, 1);
        float[] b = TestData.Random(33 * 5, 2);
        float[] viaDefault = new float[35];
        float[] viaActive = new float[35];
        Gemm.MultiplyNN(a, b, viaDefault, 7, 33, 5);
        Gemm.MultiplyNN(a, b, viaActive, 7, 33, 5, false, KernelSelector.Active);
        Assert.Equal(viaActive, viaDefault);
    }
}

using MnistNet.Augmentation;

namespace MnistNet.Tests.Augmentation;

public class AugmentationOptionsTests
{
    [Fact]
    public void PresetsAreValidAndNoneIsTheDefault()
    {
        AugmentationOptions.None.Validate();
        AugmentationOptions.Standard.Validate();

        Assert.Equal(new AugmentationOptions(), AugmentationOptions.None);
        Assert.True(AugmentationOptions.None.IsNone);
        Assert.False(AugmentationOptions.Standard.IsNone);
        Assert.InRange(AugmentationOptions.Standard.ElasticSigma, 4, 6);
    }

    [Theory]
    [InlineData(nameof(AugmentationOptions.MaxShift), -1)]
    [InlineData(nameof(AugmentationOptions.MaxShift), 15)]
    [InlineData(nameof(AugmentationOptions.MaxRotation), double.NaN)]
    [InlineData(nameof(AugmentationOptions.MaxRotation), 181)]
    [InlineData(nameof(AugmentationOptions.MaxScale), 1)]
    [InlineData(nameof(AugmentationOptions.ElasticAlpha), double.PositiveInfinity)]
    [InlineData(nameof(AugmentationOptions.ElasticAlpha), 100.5)]
    [InlineData(nameof(AugmentationOptions.ElasticSigma), 0.99)]
    [InlineData(nameof(AugmentationOptions.ElasticSigma), -0.5)]
    [InlineData(nameof(AugmentationOptions.ElasticSigma), 20)]
    public void OutOfRangeSettingsAreNamed(string setting, double value)
    {
        AugmentationOptions options = setting switch
        {
            nameof(AugmentationOptions.MaxShift) => AugmentationOptions.Standard with { MaxShift = value },
            nameof(AugmentationOptions.MaxRotation) => AugmentationOptions.Standard with { MaxRotation = value },
            nameof(AugmentationOptions.MaxScale) => AugmentationOptions.Standard with { MaxScale = value },
            nameof(AugmentationOptions.ElasticAlpha) => AugmentationOptions.Standard with { ElasticAlpha = value },
            _ => AugmentationOptions.Standard with { ElasticSigma = value },
        };

        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal(setting, error.ParamName);
        Assert.Contains(setting, error.Message);
    }

    [Fact]
    public void ElasticStrengthNeedsSmoothing()
    {
        var options = AugmentationOptions.None with { ElasticAlpha = 34 };

        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal(nameof(AugmentationOptions.ElasticSigma), error.ParamName);
        new ImageAugmenter(AugmentationOptions.None with { ElasticSigma = 3 }).ToString();
        (AugmentationOptions.None with { ElasticAlpha = 100, ElasticSigma = 1 }).Validate();
        (AugmentationOptions.None with { ElasticSigma = 0.5 }).Validate();
    }
}

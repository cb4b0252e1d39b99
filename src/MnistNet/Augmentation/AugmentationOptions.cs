namespace MnistNet.Augmentation;

/// <summary>
/// How strongly <see cref="ImageAugmenter"/> distorts training images: a random affine transform (shift, rotation
/// about the centre, scale) composed with an elastic displacement field in the manner of Simard, Steinkraus and
/// Platt (2003). Every setting is a maximum or a strength, and 0 turns that distortion off, so the default value
/// (<see cref="None"/>) leaves images unchanged. It only describes distortions; it does not choose which images
/// are distorted or when — that is the caller's business.
/// </summary>
public sealed record AugmentationOptions
{
    private const double MaxShiftLimit = 14;
    private const double MaxSigmaLimit = 14;
    private const double MinSigmaLimit = 1;
    private const double MaxAlphaLimit = 100;

    /// <summary>No distortion at all: augmented images equal the originals scaled to 0..1.</summary>
    public static AugmentationOptions None { get; } = new();

    /// <summary>
    /// Distortions of the strength used to take plain MLPs past 99% on MNIST: up to 2 pixels of shift, 10° of
    /// rotation and 10% of scaling, and an elastic field of strength 34 smoothed with sigma 5 (Simard et al. used
    /// 34 and 4 alone; a slightly smoother field leaves room for the affine part).
    /// </summary>
    public static AugmentationOptions Standard { get; } = new()
    {
        MaxShift = 2,
        MaxRotation = 10,
        MaxScale = 0.1,
        ElasticAlpha = 34,
        ElasticSigma = 5,
    };

    /// <summary>Largest shift in pixels, drawn uniformly (and independently for x and y) in ±MaxShift.</summary>
    public double MaxShift { get; init; }

    /// <summary>Largest rotation in degrees about the image centre, drawn uniformly in ±MaxRotation.</summary>
    public double MaxRotation { get; init; }

    /// <summary>Largest relative change of size: 0.1 draws the scale factor uniformly from 0.9 to 1.1.</summary>
    public double MaxScale { get; init; }

    /// <summary>Strength of the elastic field in pixels: it multiplies the smoothed random displacements.</summary>
    public double ElasticAlpha { get; init; }

    /// <summary>Standard deviation, in pixels, of the Gaussian that smooths the elastic field.</summary>
    public double ElasticSigma { get; init; }

    /// <summary>
    /// The values <see cref="Validate"/> accepts for a setting, in words (such as "0 to 14 pixels"); null for a
    /// name that is not a setting.
    /// </summary>
    public static string? RangeOf(string setting) => setting switch
    {
        nameof(MaxShift) => $"0 to {MaxShiftLimit} pixels",
        nameof(MaxRotation) => "0 to 180 degrees",
        nameof(MaxScale) => "0 up to (not including) 1",
        nameof(ElasticAlpha) => $"0 to {MaxAlphaLimit} pixels",
        nameof(ElasticSigma) =>
            $"0 to {MaxSigmaLimit} pixels, and at least {MinSigmaLimit} when ElasticAlpha is above 0",
        _ => null,
    };

    /// <summary>True when no setting distorts anything.</summary>
    public bool IsNone => MaxShift == 0 && MaxRotation == 0 && MaxScale == 0 && ElasticAlpha == 0;

    /// <summary>Throws when a setting is out of range, naming it.</summary>
    public void Validate()
    {
        RequireFiniteNonNegative(MaxShift, nameof(MaxShift), "pixels");
        RequireFiniteNonNegative(MaxRotation, nameof(MaxRotation), "degrees");
        RequireFiniteNonNegative(MaxScale, nameof(MaxScale), "a fraction");
        RequireFiniteNonNegative(ElasticAlpha, nameof(ElasticAlpha), "pixels");
        RequireFiniteNonNegative(ElasticSigma, nameof(ElasticSigma), "pixels");

        if (MaxShift > MaxShiftLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxShift), MaxShift,
                $"MaxShift is at most {MaxShiftLimit} pixels; a larger shift can move the whole digit out of the " +
                "28 x 28 image.");
        }

        if (MaxRotation > 180)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRotation), MaxRotation,
                "MaxRotation is at most 180 degrees, which already allows every orientation.");
        }

        if (MaxScale >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxScale), MaxScale,
                "MaxScale must be below 1, so that the smallest scale factor (1 - MaxScale) stays positive.");
        }

        if (ElasticAlpha > 0 && ElasticSigma < MinSigmaLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(ElasticSigma), ElasticSigma,
                $"ElasticSigma must be at least {MinSigmaLimit} pixel when ElasticAlpha is above 0: a field " +
                "smoothed less than that tears the image into noise instead of bending the strokes.");
        }

        if (ElasticAlpha > MaxAlphaLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(ElasticAlpha), ElasticAlpha,
                $"ElasticAlpha is at most {MaxAlphaLimit} pixels; stronger fields scatter the strokes beyond " +
                "recognition (Simard et al. used 34).");
        }

        if (ElasticSigma > MaxSigmaLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(ElasticSigma), ElasticSigma,
                $"ElasticSigma is at most {MaxSigmaLimit} pixels; wider smoothing flattens the field over the " +
                "whole image into a plain shift, which MaxShift does more cheaply.");
        }
    }

    private static void RequireFiniteNonNegative(double value, string name, string unit)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value,
                $"{name} must be a finite number ({unit}) of 0 or more; 0 turns it off.");
        }
    }
}

using MnistNet.Augmentation;
using MnistNet.Data;
using MnistNet.Network;
using MnistNet.Tests.Data;

namespace MnistNet.Tests.Augmentation;

public class ImageAugmenterTests
{
    private const int Side = MnistSample.Width;

    private static readonly Lazy<MnistDataset> RealTraining = new(() => IdxReader.ReadDataset(
        TestFiles.Mnist("train-images-idx3-ubyte.gz"), TestFiles.Mnist("train-labels-idx1-ubyte.gz")));

    [Fact]
    public void NoneReproducesTheImageScaledExactlyAsTheWorkspaceLoadsIt()
    {
        byte[] image = Gradient();
        float[] augmented = new float[MnistSample.PixelCount];

        new ImageAugmenter(AugmentationOptions.None).Augment(image, augmented, new SeededRandom(1));

        Assert.Equal(Loaded(image), augmented);
    }

    [Fact]
    public void IdentityTransformThroughTheResamplerReproducesTheImageExactly()
    {
        byte[] image = Gradient();
        float[] augmented = new float[MnistSample.PixelCount];

        new ImageAugmenter(AugmentationOptions.Standard).Apply(image, augmented, AffineDistortion.Identity);

        Assert.Equal(Loaded(image), augmented);
    }

    [Fact]
    public void ShiftMovesALitPixelByThatMany()
    {
        byte[] image = new byte[MnistSample.PixelCount];
        image[At(10, 10)] = 255;
        float[] augmented = new float[MnistSample.PixelCount];

        new ImageAugmenter(AugmentationOptions.None).Apply(image, augmented, new AffineDistortion(2, 0, 0, 1));

        Assert.Equal(1f, augmented[At(10, 12)]);
        Assert.Equal(1f, augmented.Sum());

        new ImageAugmenter(AugmentationOptions.None).Apply(image, augmented, new AffineDistortion(-3, 1, 0, 1));

        Assert.Equal(1f, augmented[At(11, 7)]);
        Assert.Equal(1f, augmented.Sum());
    }

    [Fact]
    public void HalfPixelShiftSplitsThePixelBetweenItsNeighbours()
    {
        byte[] image = new byte[MnistSample.PixelCount];
        image[At(5, 5)] = 200;
        float[] augmented = new float[MnistSample.PixelCount];

        new ImageAugmenter(AugmentationOptions.None).Apply(image, augmented, new AffineDistortion(0.5f, 0, 0, 1));

        Assert.Equal(100 / 255f, augmented[At(5, 5)], 1e-6f);
        Assert.Equal(100 / 255f, augmented[At(5, 6)], 1e-6f);
    }

    [Fact]
    public void NinetyDegreesTurnsTheDigitAnticlockwiseAboutTheCentre()
    {
        // An L: a bar down the left side and a foot along the bottom, each pixel a different grey.
        byte[] image = new byte[MnistSample.PixelCount];
        for (int i = 0; i < 20; i++)
        {
            image[At(4 + i, 3)] = (byte)(100 + i);
            image[At(23, 4 + i)] = (byte)(150 + i);
        }

        float[] turned = new float[MnistSample.PixelCount];
        new ImageAugmenter(AugmentationOptions.None).Apply(image, turned, new AffineDistortion(0, 0, 90, 1));

        // Anticlockwise on screen, source (row r, column c) lands on (row 27 - c, column r).
        float[] expected = new float[MnistSample.PixelCount];
        for (int row = 0; row < Side; row++)
        {
            for (int column = 0; column < Side; column++)
            {
                expected[At(Side - 1 - column, row)] = image[At(row, column)] / 255f;
            }
        }

        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], turned[i], 1e-5f);
        }

        // The bar down the left becomes a bar along the bottom.
        Assert.Equal(100 / 255f, turned[At(24, 4)], 1e-5f);
    }

    [Fact]
    public void ScalingAboutTheCentreMovesPixelsAwayFromIt()
    {
        byte[] image = new byte[MnistSample.PixelCount];
        image[At(13, 21)] = 255;
        float[] augmented = new float[MnistSample.PixelCount];

        // Column 21 is 7.5 from the centre 13.5; at scale 1.2 it sits 9 from it, at 22.5, between 22 and 23.
        new ImageAugmenter(AugmentationOptions.None).Apply(image, augmented, new AffineDistortion(0, 0, 0, 1.2f));

        Assert.Equal(0f, augmented[At(13, 21)]);
        Assert.True(augmented[At(13, 22)] > 0);
        Assert.True(augmented[At(13, 23)] > 0);
    }

    [Fact]
    public void StandardOutputsStayWithinZeroAndOneOnRealDigits()
    {
        MnistDataset data = RealTraining.Value;
        var augmenter = new ImageAugmenter(AugmentationOptions.Standard);
        var picker = new SeededRandom(11);
        float[] augmented = new float[MnistSample.PixelCount];
        bool anyFullInk = false;

        for (int n = 0; n < 500; n++)
        {
            int index = picker.NextInt(data.Count);
            augmenter.Augment(data.GetPixels(index), augmented, new SeededRandom(n));

            Assert.All(augmented, value => Assert.InRange(value, 0f, 1f));
            anyFullInk |= augmented.Max() > 0.9f;
        }

        // Guards against a resampler that writes only zeros, which would also pass the range check.
        Assert.True(anyFullInk);
    }

    [Fact]
    public void StandardKeepsTheDigitRecognisablyInPlace()
    {
        MnistDataset data = RealTraining.Value;
        var augmenter = new ImageAugmenter(AugmentationOptions.Standard);
        float[] augmented = new float[MnistSample.PixelCount];

        for (int index = 0; index < 50; index++)
        {
            float[] original = Loaded(data.GetPixels(index).ToArray());
            augmenter.Augment(data.GetPixels(index), augmented, new SeededRandom(index));

            // Elastic fields thin and thicken strokes (on 2,000 digits the ink ranged from 0.56 to 1.77 times the
            // original). The shift moves the digit up to 2 pixels each way; turning and scaling an off-centre
            // digit and the field's pull add some more (at most 4.4 pixels in all over 20,000 digits).
            Assert.InRange(augmented.Sum() / original.Sum(), 0.4, 2.5);
            (double row, double column) before = CentreOfInk(original);
            (double row, double column) after = CentreOfInk(augmented);
            Assert.InRange(Math.Abs(after.row - before.row), 0, 6);
            Assert.InRange(Math.Abs(after.column - before.column), 0, 6);
            Assert.NotEqual(original, augmented);
        }
    }

    [Fact]
    public void SameSeedGivesTheSameImageAndAnotherSeedAnother()
    {
        ReadOnlySpan<byte> digit = RealTraining.Value.GetPixels(0);
        float[] first = new float[MnistSample.PixelCount];
        float[] again = new float[MnistSample.PixelCount];
        float[] other = new float[MnistSample.PixelCount];

        new ImageAugmenter(AugmentationOptions.Standard).Augment(digit, first, new SeededRandom(5));
        var reused = new ImageAugmenter(AugmentationOptions.Standard);
        reused.Augment(digit, other, new SeededRandom(6));
        reused.Augment(digit, again, new SeededRandom(5));

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GatheringAndPixelByPixelResamplingGiveIdenticalImages(bool wide)
    {
        if (!System.Runtime.Intrinsics.X86.Avx2.IsSupported ||
            (wide && !System.Runtime.Intrinsics.X86.Avx512F.IsSupported))
        {
            return;
        }

        MnistDataset data = RealTraining.Value;
        var fields = new ElasticFieldBank(AugmentationOptions.Standard.ElasticSigma, seed: 8, count: 64);
        var gathering = new ImageAugmenter(AugmentationOptions.Standard, fields) { UseWideGather = wide };
        var pixelByPixel = new ImageAugmenter(AugmentationOptions.Standard, fields) { UseGather = false };
        float[] gathered = new float[MnistSample.PixelCount];
        float[] sampled = new float[MnistSample.PixelCount];

        for (int index = 0; index < 100; index++)
        {
            gathering.Augment(data.GetPixels(index), gathered, new SeededRandom(index));
            pixelByPixel.Augment(data.GetPixels(index), sampled, new SeededRandom(index));

            Assert.Equal(sampled, gathered);
        }

        // Far outside the image, where positions are clamped onto the zero border.
        var far = new AffineDistortion(14, -14, 180, 0.5f);
        gathering.Apply(data.GetPixels(0), gathered, far);
        pixelByPixel.Apply(data.GetPixels(0), sampled, far);
        Assert.Equal(sampled, gathered);
    }

    [Fact]
    public void APoolSmoothedWithAnotherSigmaIsRefused()
    {
        var fields = new ElasticFieldBank(sigma: 4, seed: 1, count: 2);

        var error = Assert.Throws<ArgumentException>(() => new ImageAugmenter(AugmentationOptions.Standard, fields));

        Assert.Equal("fields", error.ParamName);
        Assert.Contains("sigma 4", error.Message);
    }

    [Fact]
    public void ElasticFieldIsSmoothAndAsStrongAsAlphaAndSigmaImply()
    {
        var options = AugmentationOptions.None with { ElasticAlpha = 34, ElasticSigma = 4 };
        var augmenter = new ImageAugmenter(options);
        var random = new SeededRandom(3);
        double squares = 0, neighbourSquares = 0;
        int samples = 0, neighbours = 0;

        for (int draw = 0; draw < 200; draw++)
        {
            augmenter.DrawElasticField(random);

            // Away from the border, where zero padding weakens the field.
            for (int y = 12; y < 16; y++)
            {
                for (int x = 12; x < 16; x++)
                {
                    (float dx, float dy) = augmenter.Displacement(x, y);
                    (float rightX, _) = augmenter.Displacement(x + 1, y);
                    squares += dx * dx + dy * dy;
                    neighbourSquares += (rightX - dx) * (rightX - dx);
                    samples += 2;
                    neighbours++;
                }
            }
        }

        // Uniform noise has variance 1/3; a normalised 2-D Gaussian keeps 1/(4π σ²) of it.
        double expected = 34 * Math.Sqrt(1.0 / 3 / (4 * Math.PI * 16));
        double spread = Math.Sqrt(squares / samples);
        Assert.InRange(spread, 0.85 * expected, 1.15 * expected);

        // Unsmoothed noise would differ between neighbours by about √2 times its spread.
        Assert.True(Math.Sqrt(neighbourSquares / neighbours) < 0.3 * spread);
    }

    [Fact]
    public void GaussianKernelIsSymmetricPeakedAndSumsToItsTotal()
    {
        float[] kernel = ElasticFieldBank.GaussianKernel(2, 6, 10);

        Assert.Equal(13, kernel.Length);
        Assert.Equal(10, kernel.Sum(), 4);
        Assert.Equal(kernel, kernel.Reverse());
        Assert.Equal(kernel.Max(), kernel[6]);
        Assert.Equal(Math.Exp(-0.5), kernel[8] / kernel[6], 5);
    }

    [Fact]
    public void WrongSizedImagesAreRefused()
    {
        var augmenter = new ImageAugmenter(AugmentationOptions.Standard);
        var random = new SeededRandom(1);

        var source = Assert.Throws<ArgumentException>(
            () => augmenter.Augment(new byte[783], new float[MnistSample.PixelCount], random));
        Assert.Equal("source", source.ParamName);
        var destination = Assert.Throws<ArgumentException>(
            () => augmenter.Augment(new byte[MnistSample.PixelCount], new float[100], random));
        Assert.Equal("destination", destination.ParamName);
    }

    private static int At(int row, int column) => row * Side + column;

    private static (double Row, double Column) CentreOfInk(float[] image)
    {
        double total = 0, rows = 0, columns = 0;
        for (int i = 0; i < image.Length; i++)
        {
            total += image[i];
            rows += image[i] * (i / Side);
            columns += image[i] * (i % Side);
        }

        return (rows / total, columns / total);
    }

    /// <summary>Every grey level somewhere, so an exact comparison tests every byte value's scaling.</summary>
    private static byte[] Gradient() =>
        Enumerable.Range(0, MnistSample.PixelCount).Select(i => (byte)(i * 7 % 256)).ToArray();

    /// <summary>The image as NetworkWorkspace loads it into the input batch: each level times 1f / 255f.</summary>
    private static float[] Loaded(byte[] image) => image.Select(level => level * (1f / 255f)).ToArray();
}

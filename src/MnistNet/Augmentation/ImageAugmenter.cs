using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MnistNet.Data;
using MnistNet.Network;

namespace MnistNet.Augmentation;

/// <summary>
/// Distorts one 28 x 28 image at a time as <see cref="AugmentationOptions"/> describe, writing floats scaled to
/// 0..1 exactly as <see cref="NetworkWorkspace.LoadBatch"/> would, so the result can go straight into an input
/// batch. Each output pixel samples the source, by bilinear interpolation (outside the image counts as 0), at
/// <c>A⁻¹(p) + D(p)</c>: A is a random shift, rotation about the centre and scale, and D an elastic field of
/// uniform random displacements in [-1, 1] smoothed by a Gaussian of sigma ElasticSigma and scaled by
/// ElasticAlpha. All randomness comes from the generator passed in, so a seed fixes the image.
/// <para>
/// An instance owns its scratch buffers and allocates nothing per image, so it is not thread-safe: give each thread
/// its own. It does not decide which images to distort or seed anything; <see cref="AugmentedBatchSource"/> does.
/// </para>
/// </summary>
public sealed class ImageAugmenter
{
    private const int Side = MnistSample.Width;
    private const float PixelScale = 1f / 255f;
    private const float Centre = (Side - 1) / 2f;

    // The source is kept with a zero border of one pixel on the left and top and two on the right and bottom, so
    // that sample positions clamped to [-1, Side] always read zeros outside the image, without a branch.
    private const int PaddedSide = Side + 3;

    // Field rows are padded to 32, a whole number of vectors of 4, 8 or 16 floats; the columns past Side hold
    // values that nothing reads.
    private const int FieldStride = 32;

    private static readonly int Lanes = Vector<float>.Count;

    // Four independent sums per tap keep the multiply-add units busy instead of waiting on one running sum.
    private static readonly bool FourSumsFit = FieldStride % (4 * Lanes) == 0;

    private readonly AugmentationOptions _options;
    private readonly bool _elastic;
    private readonly int _radius;
    private readonly float[] _horizontalWeights;
    private readonly float[] _verticalWeights;
    private readonly int _noiseStride;
    private readonly float[] _noiseX;
    private readonly float[] _noiseY;
    private readonly float[] _smoothedRows;
    private readonly float[] _fieldX;
    private readonly float[] _fieldY;
    private readonly float[] _paddedSource = new float[PaddedSide * PaddedSide];

    public ImageAugmenter(AugmentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        _options = options;
        _elastic = options.ElasticAlpha > 0;
        if (_elastic)
        {
            // Three sigmas hold all but about 1% of the Gaussian's weight.
            _radius = (int)Math.Ceiling(3 * options.ElasticSigma);
            _horizontalWeights = GaussianKernel(options.ElasticSigma, _radius, 1);
            _verticalWeights = GaussianKernel(options.ElasticSigma, _radius, options.ElasticAlpha);
        }
        else
        {
            _horizontalWeights = _verticalWeights = [];
        }

        // Noise rows carry zeros on both sides, so that a vector of taps running off the image reads zeros.
        int fieldLength = _elastic ? Side * FieldStride : 0;
        _noiseStride = FieldStride + 2 * _radius;
        _noiseX = new float[_elastic ? Side * _noiseStride : 0];
        _noiseY = new float[_noiseX.Length];
        _smoothedRows = new float[fieldLength];
        _fieldX = new float[fieldLength];
        _fieldY = new float[fieldLength];
    }

    public AugmentationOptions Options => _options;

    /// <summary>Whether resampling gathers 8 pixels at a time (AVX2); both ways give identical images.</summary>
    internal bool UseGather { get; set; } = Avx2.IsSupported;

    /// <summary>
    /// Writes a randomly distorted copy of <paramref name="source"/> (784 grey levels 0..255) into
    /// <paramref name="destination"/> (784 floats, each in [0, 1]).
    /// </summary>
    public void Augment(ReadOnlySpan<byte> source, Span<float> destination, SeededRandom random)
    {
        CheckImages(source, destination);
        ArgumentNullException.ThrowIfNull(random);

        if (_options.IsNone)
        {
            for (int i = 0; i < MnistSample.PixelCount; i++)
            {
                destination[i] = source[i] * PixelScale;
            }

            return;
        }

        AffineDistortion affine = DrawAffine(random);
        if (_elastic)
        {
            DrawElasticField(random);
        }

        Resample(source, destination, affine, _elastic);
    }

    /// <summary>Applies exactly the given affine transform, without an elastic field.</summary>
    internal void Apply(ReadOnlySpan<byte> source, Span<float> destination, AffineDistortion affine)
    {
        CheckImages(source, destination);
        Resample(source, destination, affine, useField: false);
    }

    /// <summary>Draws the affine part: shift x, shift y, rotation, scale, each only when turned on.</summary>
    internal AffineDistortion DrawAffine(SeededRandom random)
    {
        float shiftX = 0, shiftY = 0, rotation = 0, scale = 1;
        if (_options.MaxShift > 0)
        {
            shiftX = (float)Symmetric(random, _options.MaxShift);
            shiftY = (float)Symmetric(random, _options.MaxShift);
        }

        if (_options.MaxRotation > 0)
        {
            rotation = (float)Symmetric(random, _options.MaxRotation);
        }

        if (_options.MaxScale > 0)
        {
            scale = (float)(1 + Symmetric(random, _options.MaxScale));
        }

        return new AffineDistortion(shiftX, shiftY, rotation, scale);
    }

    /// <summary>Fills the elastic field with fresh smoothed noise; needs ElasticAlpha above 0.</summary>
    internal void DrawElasticField(SeededRandom random)
    {
        if (!_elastic)
        {
            throw new InvalidOperationException("This augmenter's options have no elastic distortion.");
        }

        // One 64-bit draw gives 16 bits to each displacement of two neighbouring pixels; smoothing averages a
        // hundred or more of them, so finer steps would be lost anyway. The half step centres the levels on 0.
        const float step = 2f / (1 << 16);
        const float lowest = step / 2 - 1f;
        for (int y = 0; y < Side; y++)
        {
            int row = y * _noiseStride + _radius;
            for (int x = 0; x < Side; x += 2)
            {
                ulong bits = random.NextUInt64();
                _noiseX[row + x] = (uint)(bits >> 48) * step + lowest;
                _noiseY[row + x] = (uint)((bits >> 32) & 0xFFFF) * step + lowest;
                _noiseX[row + x + 1] = (uint)((bits >> 16) & 0xFFFF) * step + lowest;
                _noiseY[row + x + 1] = (uint)(bits & 0xFFFF) * step + lowest;
            }
        }

        Smooth(_noiseX, _fieldX);
        Smooth(_noiseY, _fieldY);
    }

    /// <summary>The last drawn elastic displacement of pixel (x, y): where it samples minus where it is.</summary>
    internal (float X, float Y) Displacement(int x, int y) =>
        (_fieldX[y * FieldStride + x], _fieldY[y * FieldStride + x]);

    /// <summary>A Gaussian of the given sigma over [-radius, radius], summing to <paramref name="total"/>.</summary>
    internal static float[] GaussianKernel(double sigma, int radius, double total)
    {
        double[] raw = new double[2 * radius + 1];
        for (int k = -radius; k <= radius; k++)
        {
            raw[k + radius] = Math.Exp(-k * k / (2 * sigma * sigma));
        }

        double sum = raw.Sum();
        return raw.Select(weight => (float)(weight * total / sum)).ToArray();
    }

    private static double Symmetric(SeededRandom random, double limit) => (2 * random.NextDouble() - 1) * limit;

    /// <summary>
    /// Separable convolution of one noise image with the Gaussian, horizontal pass then vertical. Outside the image
    /// the noise counts as 0, so the field is somewhat weaker within a few sigma of the border, where MNIST
    /// digits have no ink anyway. Every path adds the same products in the same order (skipped taps would only
    /// add exact zeros), so the field does not depend on the vector width.
    /// </summary>
    private void Smooth(float[] noise, float[] field)
    {
        if (FourSumsFit)
        {
            SmoothFourSums(noise, field);
        }
        else
        {
            SmoothOneSum(noise, field);
        }
    }

    private void SmoothFourSums(float[] noise, float[] field)
    {
        int taps = 2 * _radius;
        int lanes = Lanes;
        ref float noiseStart = ref MemoryMarshal.GetArrayDataReference(noise);
        ref float rowsStart = ref MemoryMarshal.GetArrayDataReference(_smoothedRows);
        ref float fieldStart = ref MemoryMarshal.GetArrayDataReference(field);
        ref float horizontal = ref MemoryMarshal.GetArrayDataReference(_horizontalWeights);
        ref float vertical = ref MemoryMarshal.GetArrayDataReference(_verticalWeights);

        // Noise column c sits at index c + radius of its row, so tap k of output x reads index x + k; the zeros
        // on either side make every tap safe to read.
        for (int y = 0; y < Side; y++)
        {
            for (int x0 = 0; x0 < FieldStride; x0 += 4 * lanes)
            {
                ref float input = ref Unsafe.Add(ref noiseStart, y * _noiseStride + x0);
                Vector<float> sum0 = Vector<float>.Zero, sum1 = sum0, sum2 = sum0, sum3 = sum0;
                for (int k = 0; k <= taps; k++)
                {
                    var weight = new Vector<float>(Unsafe.Add(ref horizontal, k));
                    ref float tap = ref Unsafe.Add(ref input, k);
                    sum0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref tap), weight, sum0);
                    sum1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref tap, (nuint)lanes), weight, sum1);
                    sum2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref tap, (nuint)(2 * lanes)), weight, sum2);
                    sum3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref tap, (nuint)(3 * lanes)), weight, sum3);
                }

                StoreFour(ref Unsafe.Add(ref rowsStart, y * FieldStride + x0), lanes, sum0, sum1, sum2, sum3);
            }
        }

        // Tap k of output row y reads row y + k - radius; rows outside the image are zero and skipped.
        for (int y = 0; y < Side; y++)
        {
            int first = Math.Max(0, _radius - y);
            int last = Math.Min(taps, _radius + Side - 1 - y);
            for (int x0 = 0; x0 < FieldStride; x0 += 4 * lanes)
            {
                Vector<float> sum0 = Vector<float>.Zero, sum1 = sum0, sum2 = sum0, sum3 = sum0;
                for (int k = first; k <= last; k++)
                {
                    var weight = new Vector<float>(Unsafe.Add(ref vertical, k));
                    ref float tap = ref Unsafe.Add(ref rowsStart, (y + k - _radius) * FieldStride + x0);
                    sum0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref tap), weight, sum0);
                    sum1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref tap, (nuint)lanes), weight, sum1);
                    sum2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref tap, (nuint)(2 * lanes)), weight, sum2);
                    sum3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref tap, (nuint)(3 * lanes)), weight, sum3);
                }

                StoreFour(ref Unsafe.Add(ref fieldStart, y * FieldStride + x0), lanes, sum0, sum1, sum2, sum3);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreFour(ref float destination, int lanes, Vector<float> sum0, Vector<float> sum1,
        Vector<float> sum2, Vector<float> sum3)
    {
        sum0.StoreUnsafe(ref destination);
        sum1.StoreUnsafe(ref destination, (nuint)lanes);
        sum2.StoreUnsafe(ref destination, (nuint)(2 * lanes));
        sum3.StoreUnsafe(ref destination, (nuint)(3 * lanes));
    }

    private void SmoothOneSum(float[] noise, float[] field)
    {
        int taps = 2 * _radius;
        ref float noiseStart = ref MemoryMarshal.GetArrayDataReference(noise);
        ref float rowsStart = ref MemoryMarshal.GetArrayDataReference(_smoothedRows);
        ref float fieldStart = ref MemoryMarshal.GetArrayDataReference(field);
        ref float horizontal = ref MemoryMarshal.GetArrayDataReference(_horizontalWeights);
        ref float vertical = ref MemoryMarshal.GetArrayDataReference(_verticalWeights);

        for (int y = 0; y < Side; y++)
        {
            for (int x0 = 0; x0 < FieldStride; x0 += Lanes)
            {
                ref float input = ref Unsafe.Add(ref noiseStart, y * _noiseStride + x0);
                Vector<float> sum = Vector<float>.Zero;
                for (int k = 0; k <= taps; k++)
                {
                    sum = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref Unsafe.Add(ref input, k)),
                        new Vector<float>(Unsafe.Add(ref horizontal, k)), sum);
                }

                sum.StoreUnsafe(ref rowsStart, (nuint)(y * FieldStride + x0));
            }
        }

        for (int y = 0; y < Side; y++)
        {
            int first = Math.Max(0, _radius - y);
            int last = Math.Min(taps, _radius + Side - 1 - y);
            for (int x0 = 0; x0 < FieldStride; x0 += Lanes)
            {
                Vector<float> sum = Vector<float>.Zero;
                for (int k = first; k <= last; k++)
                {
                    ref float tap = ref Unsafe.Add(ref rowsStart, (y + k - _radius) * FieldStride + x0);
                    sum = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref tap),
                        new Vector<float>(Unsafe.Add(ref vertical, k)), sum);
                }

                sum.StoreUnsafe(ref fieldStart, (nuint)(y * FieldStride + x0));
            }
        }
    }

    private void Resample(ReadOnlySpan<byte> source, Span<float> destination, AffineDistortion affine, bool useField)
    {
        for (int y = 0; y < Side; y++)
        {
            Span<float> paddedRow = _paddedSource.AsSpan((y + 1) * PaddedSide + 1, Side);
            ReadOnlySpan<byte> sourceRow = source.Slice(y * Side, Side);
            for (int x = 0; x < Side; x++)
            {
                paddedRow[x] = sourceRow[x];
            }
        }

        // Output pixel p samples the source at c + R(-θ)(p - c - t) / s: the inverse of scaling and turning the
        // digit about the centre c, then shifting it by t. Positive angles turn the digit anticlockwise on screen.
        double radians = affine.RotationDegrees * Math.PI / 180;
        double cos = Math.Cos(radians) / affine.Scale;
        double sin = Math.Sin(radians) / affine.Scale;
        double fromX = Centre + affine.ShiftX;
        double fromY = Centre + affine.ShiftY;
        float xPerX = (float)cos, xPerY = (float)-sin, xOffset = (float)(Centre - cos * fromX + sin * fromY);
        float yPerX = (float)sin, yPerY = (float)cos, yOffset = (float)(Centre - sin * fromX - cos * fromY);

        var transform = new SampleTransform(xPerX, xPerY, xOffset, yPerX, yPerY, yOffset);
        if (UseGather)
        {
            ResampleByGather(destination, transform, useField);
            return;
        }

        ref float padded = ref MemoryMarshal.GetArrayDataReference(_paddedSource);
        for (int y = 0; y < Side; y++)
        {
            float rowX = xPerY * y + xOffset;
            float rowY = yPerY * y + yOffset;
            Span<float> outputRow = destination.Slice(y * Side, Side);
            if (useField)
            {
                ReadOnlySpan<float> fieldX = _fieldX.AsSpan(y * FieldStride, Side);
                ReadOnlySpan<float> fieldY = _fieldY.AsSpan(y * FieldStride, Side);
                for (int x = 0; x < Side; x++)
                {
                    outputRow[x] = Sample(ref padded, xPerX * x + rowX + fieldX[x], yPerX * x + rowY + fieldY[x]);
                }
            }
            else
            {
                for (int x = 0; x < Side; x++)
                {
                    outputRow[x] = Sample(ref padded, xPerX * x + rowX, yPerX * x + rowY);
                }
            }
        }
    }

    /// <summary>
    /// The same arithmetic as <see cref="Sample"/>, operation for operation (no fused multiply-adds), on 8 pixels
    /// at a time. A row of 28 is done as columns 0, 8, 16 and 20; the overlap is written twice with equal values.
    /// </summary>
    private unsafe void ResampleByGather(Span<float> destination, SampleTransform transform, bool useField)
    {
        Vector256<float> columnsFrom0 = Vector256.Create(0f, 1, 2, 3, 4, 5, 6, 7);
        Vector256<float> lowest = Vector256.Create(-1f);
        Vector256<float> highest = Vector256.Create((float)Side);
        Vector256<float> one = Vector256.Create(1f);
        Vector256<float> zero = Vector256<float>.Zero;
        Vector256<float> pixelScale = Vector256.Create(PixelScale);
        Vector256<int> paddedSide = Vector256.Create(PaddedSide);
        Vector256<float> xPerX = Vector256.Create(transform.XPerX);
        Vector256<float> yPerX = Vector256.Create(transform.YPerX);

        fixed (float* padded = _paddedSource)
        fixed (float* fieldX = _fieldX)
        fixed (float* fieldY = _fieldY)
        fixed (float* output = destination)
        {
            for (int y = 0; y < Side; y++)
            {
                var rowX = Vector256.Create(transform.XPerY * y + transform.XOffset);
                var rowY = Vector256.Create(transform.YPerY * y + transform.YOffset);
                for (int x0 = 0; x0 < Side; x0 = x0 == 16 ? 20 : x0 + 8)
                {
                    Vector256<float> columns = columnsFrom0 + Vector256.Create((float)x0);
                    Vector256<float> x = xPerX * columns + rowX;
                    Vector256<float> sampleY = yPerX * columns + rowY;
                    if (useField)
                    {
                        x += Avx.LoadVector256(fieldX + y * FieldStride + x0);
                        sampleY += Avx.LoadVector256(fieldY + y * FieldStride + x0);
                    }

                    Vector256<float> px = Avx.Min(Avx.Max(x, lowest), highest) + one;
                    Vector256<float> py = Avx.Min(Avx.Max(sampleY, lowest), highest) + one;
                    Vector256<int> column = Avx.ConvertToVector256Int32WithTruncation(px);
                    Vector256<int> row = Avx.ConvertToVector256Int32WithTruncation(py);
                    Vector256<float> fx = px - Avx.ConvertToVector256Single(column);
                    Vector256<float> fy = py - Avx.ConvertToVector256Single(row);

                    Vector256<int> index = Avx2.MultiplyLow(row, paddedSide) + column;
                    Vector256<float> topLeft = Avx2.GatherVector256(padded, index, sizeof(float));
                    Vector256<float> topRight = Avx2.GatherVector256(padded + 1, index, sizeof(float));
                    Vector256<float> bottomLeft = Avx2.GatherVector256(padded + PaddedSide, index, sizeof(float));
                    Vector256<float> bottomRight =
                        Avx2.GatherVector256(padded + PaddedSide + 1, index, sizeof(float));
                    Vector256<float> top = topLeft + fx * (topRight - topLeft);
                    Vector256<float> bottom = bottomLeft + fx * (bottomRight - bottomLeft);
                    Vector256<float> value = (top + fy * (bottom - top)) * pixelScale;

                    Avx.Store(output + y * Side + x0, Avx.Min(Avx.Max(value, zero), one));
                }
            }
        }
    }

    /// <summary>Bilinear sample of the padded source at image position (x, y), scaled to 0..1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sample(ref float padded, float x, float y)
    {
        // Clamping to [-1, Side] keeps far-away positions on the zero border; shifting by the border's width
        // makes the positions non-negative, so truncation is floor.
        float px = MathF.Min(MathF.Max(x, -1f), Side) + 1f;
        float py = MathF.Min(MathF.Max(y, -1f), Side) + 1f;
        int column = (int)px;
        int row = (int)py;
        float fx = px - column;
        float fy = py - row;

        ref float topLeft = ref Unsafe.Add(ref padded, row * PaddedSide + column);
        float topRight = Unsafe.Add(ref topLeft, 1);
        ref float bottomLeft = ref Unsafe.Add(ref topLeft, PaddedSide);
        float bottomRight = Unsafe.Add(ref bottomLeft, 1);
        float top = topLeft + fx * (topRight - topLeft);
        float bottom = bottomLeft + fx * (bottomRight - bottomLeft);
        float value = (top + fy * (bottom - top)) * PixelScale;

        // Rounding in the interpolation can overshoot 255 by a hair; the network is promised [0, 1].
        return MathF.Min(MathF.Max(value, 0f), 1f);
    }

    private static void CheckImages(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (source.Length != MnistSample.PixelCount)
        {
            throw new ArgumentException(
                $"The source image has {source.Length} pixels; an MNIST image has {MnistSample.PixelCount}.",
                nameof(source));
        }

        if (destination.Length != MnistSample.PixelCount)
        {
            throw new ArgumentException(
                $"The destination has room for {destination.Length} pixels; an MNIST image has " +
                $"{MnistSample.PixelCount}.", nameof(destination));
        }
    }
}

/// <summary>Where output pixel (x, y) samples before the elastic field: XPerX·x + XPerY·y + XOffset, ...</summary>
internal readonly record struct SampleTransform(float XPerX, float XPerY, float XOffset, float YPerX, float YPerY,
    float YOffset);

/// <summary>
/// One affine distortion: the digit is scaled by <paramref name="Scale"/> and turned by
/// <paramref name="RotationDegrees"/> (anticlockwise on screen) about the image centre, then shifted by
/// (<paramref name="ShiftX"/>, <paramref name="ShiftY"/>) pixels, x to the right and y down.
/// </summary>
internal readonly record struct AffineDistortion(float ShiftX, float ShiftY, float RotationDegrees, float Scale)
{
    public static AffineDistortion Identity => new(0, 0, 0, 1);
}

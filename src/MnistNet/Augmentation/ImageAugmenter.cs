using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MnistNet.Data;
using MnistNet.Network;

namespace MnistNet.Augmentation;

/// <summary>
/// Distorts one 28 x 28 image at a time as <see cref="AugmentationOptions"/> describe, writing floats scaled to
/// 0..1 exactly as <see cref="NetworkWorkspace.LoadBatch"/> would, so the result can go straight into an input
/// batch. Each output pixel samples the source, by bilinear interpolation (outside the image counts as 0), at
/// <c>A⁻¹(p) + D(p)</c>: A is a random shift, rotation about the centre and scale, and D an elastic field whose x
/// and y displacements are two entries of an <see cref="ElasticFieldBank"/> (Gaussian-smoothed noise), each with
/// a random sign, times ElasticAlpha. The generator passed in makes every choice, so with the same pool a seed
/// fixes the image.
/// <para>
/// An instance owns its scratch buffers and allocates nothing per image, so it is not thread-safe: give each thread
/// its own (they may share one pool). It does not decide which images to distort or seed anything;
/// <see cref="AugmentedBatchLoader"/> does.
/// </para>
/// </summary>
public sealed class ImageAugmenter
{
    private const int Side = MnistSample.Width;
    private const int PixelCount = MnistSample.PixelCount;
    private const float PixelScale = 1f / 255f;
    private const float Centre = (Side - 1) / 2f;

    // Sample positions are clamped to [-1, Side] and moved by +1, so the four pixels around one lie in a padded
    // image with a zero border of one pixel on the left and top and two on the right and bottom. It is kept as
    // bytes in rows of 48, so that 16-byte loads running past the last column stay inside the buffer.
    private const int PaddedStride = 48;
    private const int PaddedRows = Side + 4;

    // Quad (r, c) packs the four padded pixels a sample in the square from (r, c) to (r + 1, c + 1) reads: top left
    // in the low byte, then top right, bottom left, bottom right. One 32-bit gather fetches all four.
    private const int QuadStride = 32;
    private const int QuadRows = Side + 2;

    // The column and row of every pixel, so that the image can be resampled 8 pixels at a time straight through.
    private static readonly float[] ColumnOf = [.. Enumerable.Range(0, PixelCount).Select(i => (float)(i % Side))];
    private static readonly float[] RowOf = [.. Enumerable.Range(0, PixelCount).Select(i => (float)(i / Side))];

    private readonly AugmentationOptions _options;
    private readonly ElasticFieldBank? _fields;
    private readonly byte[] _padded = new byte[PaddedStride * PaddedRows];
    private readonly int[] _quads = new int[QuadStride * QuadRows];
    private int _fieldX;
    private int _fieldY;
    private float _strengthX;
    private float _strengthY;

    /// <param name="options">The distortions; validated here.</param>
    /// <param name="fields">
    /// The pool elastic fields are drawn from; its sigma must be the options' ElasticSigma. Null makes a pool of
    /// its own from seed 0 when the options have an elastic part.
    /// </param>
    public ImageAugmenter(AugmentationOptions options, ElasticFieldBank? fields = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        _options = options;
        if (options.ElasticAlpha > 0)
        {
            fields ??= new ElasticFieldBank(options.ElasticSigma, seed: 0);
            if (fields.Sigma != options.ElasticSigma)
            {
                throw new ArgumentException(
                    $"The field pool was smoothed with sigma {fields.Sigma}, but the options ask for " +
                    $"{options.ElasticSigma}.", nameof(fields));
            }

            _fields = fields;
        }
    }

    public AugmentationOptions Options => _options;

    /// <summary>
    /// Whether the vector paths run (SSE2 packing, AVX2 gathers of 8 pixels at a time); both ways give identical
    /// images.
    /// </summary>
    internal bool UseGather { get; set; } = Avx2.IsSupported;

    /// <summary>
    /// Whether the arithmetic takes 16 pixels at a time (AVX-512) instead of 8, where the processor has it; again
    /// with identical images. Only consulted when <see cref="UseGather"/> is set.
    /// </summary>
    internal bool UseWideGather { get; set; } = Avx512F.IsSupported && Avx2.IsSupported &&
        Vector512.IsHardwareAccelerated;

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
            for (int i = 0; i < PixelCount; i++)
            {
                destination[i] = source[i] * PixelScale;
            }

            return;
        }

        AffineDistortion affine = DrawAffine(random);
        if (_fields is not null)
        {
            DrawElasticField(random);
        }

        Resample(source, destination, affine, useField: _fields is not null);
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

    /// <summary>Picks the elastic field: a pool entry and a sign per direction. Needs ElasticAlpha above 0.</summary>
    internal void DrawElasticField(SeededRandom random)
    {
        if (_fields is null)
        {
            throw new InvalidOperationException("This augmenter's options have no elastic distortion.");
        }

        // The pool holds at most 65,536 entries, so 16 bits pick one evenly.
        ulong bits = random.NextUInt64();
        int mask = _fields.Count - 1;
        float alpha = (float)_options.ElasticAlpha;
        _fieldX = (int)(bits & (ulong)mask);
        _fieldY = (int)((bits >> 16) & (ulong)mask);
        _strengthX = ((bits >> 32) & 1) == 0 ? alpha : -alpha;
        _strengthY = ((bits >> 33) & 1) == 0 ? alpha : -alpha;
    }

    /// <summary>The last drawn elastic displacement of pixel (x, y): where it samples minus where it is.</summary>
    internal (float X, float Y) Displacement(int x, int y) =>
        (_strengthX * _fields![_fieldX][y * Side + x], _strengthY * _fields[_fieldY][y * Side + x]);

    private static double Symmetric(SeededRandom random, double limit) => (2 * random.NextDouble() - 1) * limit;

    private void Resample(ReadOnlySpan<byte> source, Span<float> destination, AffineDistortion affine, bool useField)
    {
        PackQuads(source);

        // Output pixel p samples the source at c + R(-θ)(p - c - t) / s: the inverse of scaling and turning the
        // digit about the centre c, then shifting it by t. Positive angles turn the digit anticlockwise on screen.
        double radians = affine.RotationDegrees * Math.PI / 180;
        double cos = Math.Cos(radians) / affine.Scale;
        double sin = Math.Sin(radians) / affine.Scale;
        double fromX = Centre + affine.ShiftX;
        double fromY = Centre + affine.ShiftY;
        var transform = new SampleTransform((float)cos, (float)-sin, (float)(Centre - cos * fromX + sin * fromY),
            (float)sin, (float)cos, (float)(Centre - sin * fromX - cos * fromY));

        ReadOnlySpan<float> fieldX = useField ? _fields![_fieldX] : default;
        ReadOnlySpan<float> fieldY = useField ? _fields![_fieldY] : default;
        float strengthX = useField ? _strengthX : 0;
        float strengthY = useField ? _strengthY : 0;
        if (UseGather && UseWideGather)
        {
            ResampleByWideGather(destination, transform, useField, fieldX, fieldY, strengthX, strengthY);
            return;
        }

        if (UseGather)
        {
            ResampleByGather(destination, transform, useField, fieldX, fieldY, strengthX, strengthY);
            return;
        }

        for (int i = 0; i < PixelCount; i++)
        {
            float column = ColumnOf[i], row = RowOf[i];
            float x = transform.XPerX * column + transform.XPerY * row + transform.XOffset;
            float y = transform.YPerX * column + transform.YPerY * row + transform.YOffset;
            if (useField)
            {
                x += strengthX * fieldX[i];
                y += strengthY * fieldY[i];
            }

            destination[i] = Sample(x, y);
        }
    }

    /// <summary>Copies the source into the padded image and packs every 2 x 2 square of it into a quad.</summary>
    private unsafe void PackQuads(ReadOnlySpan<byte> source)
    {
        for (int y = 0; y < Side; y++)
        {
            source.Slice(y * Side, Side).CopyTo(_padded.AsSpan((y + 1) * PaddedStride + 1, Side));
        }

        if (!UseGather || !Sse2.IsSupported)
        {
            for (int r = 0; r < QuadRows; r++)
            {
                for (int c = 0; c < QuadStride; c++)
                {
                    int top = r * PaddedStride + c;
                    int bottom = top + PaddedStride;
                    _quads[r * QuadStride + c] = _padded[top] | _padded[top + 1] << 8 | _padded[bottom] << 16 |
                        _padded[bottom + 1] << 24;
                }
            }

            return;
        }

        // Interleaving bytes of a row with the same row one pixel on gives 16-bit (left, right) pairs; interleaving
        // those of two rows gives the 32-bit quads, 16 columns at a time.
        fixed (byte* padded = _padded)
        fixed (int* quads = _quads)
        {
            for (int r = 0; r < QuadRows; r++)
            {
                for (int c0 = 0; c0 < QuadStride; c0 += 16)
                {
                    byte* top = padded + r * PaddedStride + c0;
                    Vector128<byte> topLeft = Sse2.LoadVector128(top);
                    Vector128<byte> topRight = Sse2.LoadVector128(top + 1);
                    Vector128<byte> bottomLeft = Sse2.LoadVector128(top + PaddedStride);
                    Vector128<byte> bottomRight = Sse2.LoadVector128(top + PaddedStride + 1);
                    Vector128<short> topLow = Sse2.UnpackLow(topLeft, topRight).AsInt16();
                    Vector128<short> topHigh = Sse2.UnpackHigh(topLeft, topRight).AsInt16();
                    Vector128<short> bottomLow = Sse2.UnpackLow(bottomLeft, bottomRight).AsInt16();
                    Vector128<short> bottomHigh = Sse2.UnpackHigh(bottomLeft, bottomRight).AsInt16();

                    int* quad = quads + r * QuadStride + c0;
                    Sse2.Store(quad, Sse2.UnpackLow(topLow, bottomLow).AsInt32());
                    Sse2.Store(quad + 4, Sse2.UnpackHigh(topLow, bottomLow).AsInt32());
                    Sse2.Store(quad + 8, Sse2.UnpackLow(topHigh, bottomHigh).AsInt32());
                    Sse2.Store(quad + 12, Sse2.UnpackHigh(topHigh, bottomHigh).AsInt32());
                }
            }
        }
    }

    /// <summary>
    /// The same arithmetic as <see cref="Sample"/> and the pixel-by-pixel loop, operation for operation (no fused
    /// multiply-adds), on 8 pixels at a time: 784 is 98 vectors, so rows need no special ends.
    /// </summary>
    private unsafe void ResampleByGather(Span<float> destination, SampleTransform transform, bool useField,
        ReadOnlySpan<float> fieldX, ReadOnlySpan<float> fieldY, float strengthX, float strengthY)
    {
        Vector256<float> lowest = Vector256.Create(-1f);
        Vector256<float> highest = Vector256.Create((float)Side);
        Vector256<float> one = Vector256.Create(1f);
        Vector256<float> zero = Vector256<float>.Zero;
        Vector256<float> pixelScale = Vector256.Create(PixelScale);
        Vector256<int> lowByte = Vector256.Create(0xFF);
        Vector256<float> xPerX = Vector256.Create(transform.XPerX), xPerY = Vector256.Create(transform.XPerY);
        Vector256<float> yPerX = Vector256.Create(transform.YPerX), yPerY = Vector256.Create(transform.YPerY);
        Vector256<float> xOffset = Vector256.Create(transform.XOffset);
        Vector256<float> yOffset = Vector256.Create(transform.YOffset);
        Vector256<float> xStrength = Vector256.Create(strengthX), yStrength = Vector256.Create(strengthY);

        fixed (int* quads = _quads)
        fixed (float* columnOf = ColumnOf, rowOf = RowOf)
        fixed (float* displacementX = fieldX, displacementY = fieldY)
        fixed (float* output = destination)
        {
            for (int i = 0; i < PixelCount; i += Vector256<float>.Count)
            {
                Vector256<float> columns = Avx.LoadVector256(columnOf + i);
                Vector256<float> rows = Avx.LoadVector256(rowOf + i);
                Vector256<float> x = xPerX * columns + xPerY * rows + xOffset;
                Vector256<float> y = yPerX * columns + yPerY * rows + yOffset;
                if (useField)
                {
                    x += xStrength * Avx.LoadVector256(displacementX + i);
                    y += yStrength * Avx.LoadVector256(displacementY + i);
                }

                Vector256<float> px = Avx.Min(Avx.Max(x, lowest), highest) + one;
                Vector256<float> py = Avx.Min(Avx.Max(y, lowest), highest) + one;
                Vector256<int> column = Avx.ConvertToVector256Int32WithTruncation(px);
                Vector256<int> row = Avx.ConvertToVector256Int32WithTruncation(py);
                Vector256<float> fx = px - Avx.ConvertToVector256Single(column);
                Vector256<float> fy = py - Avx.ConvertToVector256Single(row);

                Vector256<int> quad = Avx2.GatherVector256(quads, Avx2.ShiftLeftLogical(row, 5) + column, sizeof(int));
                Vector256<float> topLeft = Avx.ConvertToVector256Single(quad & lowByte);
                Vector256<float> topRight = Avx.ConvertToVector256Single(Avx2.ShiftRightLogical(quad, 8) & lowByte);
                Vector256<float> bottomLeft = Avx.ConvertToVector256Single(Avx2.ShiftRightLogical(quad, 16) & lowByte);
                Vector256<float> bottomRight = Avx.ConvertToVector256Single(Avx2.ShiftRightLogical(quad, 24));
                Vector256<float> top = topLeft + fx * (topRight - topLeft);
                Vector256<float> bottom = bottomLeft + fx * (bottomRight - bottomLeft);
                Vector256<float> value = (top + fy * (bottom - top)) * pixelScale;

                Avx.Store(output + i, Avx.Min(Avx.Max(value, zero), one));
            }
        }
    }

    /// <summary>
    /// <see cref="ResampleByGather"/> on 16 pixels at a time with AVX-512 (49 vectors make the image), which
    /// halves the instructions per image; the arithmetic is the same, operation for operation.
    /// </summary>
    private unsafe void ResampleByWideGather(Span<float> destination, SampleTransform transform, bool useField,
        ReadOnlySpan<float> fieldX, ReadOnlySpan<float> fieldY, float strengthX, float strengthY)
    {
        Vector512<float> lowest = Vector512.Create(-1f);
        Vector512<float> highest = Vector512.Create((float)Side);
        Vector512<float> one = Vector512.Create(1f);
        Vector512<float> zero = Vector512<float>.Zero;
        Vector512<float> pixelScale = Vector512.Create(PixelScale);
        Vector512<int> lowByte = Vector512.Create(0xFF);
        Vector512<float> xPerX = Vector512.Create(transform.XPerX), xPerY = Vector512.Create(transform.XPerY);
        Vector512<float> yPerX = Vector512.Create(transform.YPerX), yPerY = Vector512.Create(transform.YPerY);
        Vector512<float> xOffset = Vector512.Create(transform.XOffset);
        Vector512<float> yOffset = Vector512.Create(transform.YOffset);
        Vector512<float> xStrength = Vector512.Create(strengthX), yStrength = Vector512.Create(strengthY);

        fixed (int* quads = _quads)
        fixed (float* columnOf = ColumnOf, rowOf = RowOf)
        fixed (float* displacementX = fieldX, displacementY = fieldY)
        fixed (float* output = destination)
        {
            for (int i = 0; i < PixelCount; i += Vector512<float>.Count)
            {
                Vector512<float> columns = Vector512.Load(columnOf + i);
                Vector512<float> rows = Vector512.Load(rowOf + i);
                Vector512<float> x = xPerX * columns + xPerY * rows + xOffset;
                Vector512<float> y = yPerX * columns + yPerY * rows + yOffset;
                if (useField)
                {
                    x += xStrength * Vector512.Load(displacementX + i);
                    y += yStrength * Vector512.Load(displacementY + i);
                }

                Vector512<float> px = Avx512F.Min(Avx512F.Max(x, lowest), highest) + one;
                Vector512<float> py = Avx512F.Min(Avx512F.Max(y, lowest), highest) + one;
                Vector512<int> column = Avx512F.ConvertToVector512Int32WithTruncation(px);
                Vector512<int> row = Avx512F.ConvertToVector512Int32WithTruncation(py);
                Vector512<float> fx = px - Avx512F.ConvertToVector512Single(column);
                Vector512<float> fy = py - Avx512F.ConvertToVector512Single(row);

                // .NET has no 512-bit gather, so the two halves are gathered 8 at a time.
                Vector512<int> index = (row << 5) + column;
                Vector512<int> quad = Vector512.Create(
                    Avx2.GatherVector256(quads, index.GetLower(), sizeof(int)),
                    Avx2.GatherVector256(quads, index.GetUpper(), sizeof(int)));
                Vector512<float> topLeft = Avx512F.ConvertToVector512Single(quad & lowByte);
                Vector512<float> topRight = Avx512F.ConvertToVector512Single((quad >>> 8) & lowByte);
                Vector512<float> bottomLeft = Avx512F.ConvertToVector512Single((quad >>> 16) & lowByte);
                Vector512<float> bottomRight = Avx512F.ConvertToVector512Single(quad >>> 24);
                Vector512<float> top = topLeft + fx * (topRight - topLeft);
                Vector512<float> bottom = bottomLeft + fx * (bottomRight - bottomLeft);
                Vector512<float> value = (top + fy * (bottom - top)) * pixelScale;

                Avx512F.Min(Avx512F.Max(value, zero), one).Store(output + i);
            }
        }
    }

    /// <summary>Bilinear sample of the source at image position (x, y), scaled to 0..1.</summary>
    private float Sample(float x, float y)
    {
        // Clamping to [-1, Side] keeps far-away positions on the zero border; shifting by the border's width
        // makes the positions non-negative, so truncation is floor.
        float px = MathF.Min(MathF.Max(x, -1f), Side) + 1f;
        float py = MathF.Min(MathF.Max(y, -1f), Side) + 1f;
        int column = (int)px;
        int row = (int)py;
        float fx = px - column;
        float fy = py - row;

        int quad = _quads[row * QuadStride + column];
        float topLeft = quad & 0xFF;
        float topRight = (quad >> 8) & 0xFF;
        float bottomLeft = (quad >> 16) & 0xFF;
        float bottomRight = (quad >>> 24) & 0xFF;
        float top = topLeft + fx * (topRight - topLeft);
        float bottom = bottomLeft + fx * (bottomRight - bottomLeft);
        float value = (top + fy * (bottom - top)) * PixelScale;

        // Rounding in the interpolation can overshoot 255 by a hair; the network is promised [0, 1].
        return MathF.Min(MathF.Max(value, 0f), 1f);
    }

    private static void CheckImages(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (source.Length != PixelCount)
        {
            throw new ArgumentException(
                $"The source image has {source.Length} pixels; an MNIST image has {PixelCount}.", nameof(source));
        }

        if (destination.Length != PixelCount)
        {
            throw new ArgumentException(
                $"The destination has room for {destination.Length} pixels; an MNIST image has {PixelCount}.",
                nameof(destination));
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

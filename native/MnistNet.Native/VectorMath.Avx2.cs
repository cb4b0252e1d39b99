using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MnistNet.Native;

/// <summary>
/// Element-wise exp, sigmoid and tanh on AVX2 vectors, for the activation and softmax kernels. They stay within a
/// few float ulps (well under 1e-6 relative) of MathF, which the tests check over a dense sweep of inputs.
/// </summary>
internal static class VectorMathAvx2
{
    // 1.5 · 2^23: adding it rounds a float of magnitude below 2^22 to an integer, held in the low mantissa bits.
    private const float RoundingMagic = 12582912f;
    private const float Log2E = 1.44269504f;

    // ln 2 split so that n · Ln2High is exact for |n| < 2^15 and the reduction loses nothing.
    private const float Ln2High = 0.693359375f;
    private const float Ln2Low = -2.12194440e-4f;

    // Below ln(2^-126) the result would be subnormal; it is flushed to 0 (an absolute error under 1.2e-38).
    private const float ExpLowest = -87.33654f;

    /// <summary>
    /// e^x for x ≤ 0 (NaN stays NaN): x = n·ln2 + r with |r| ≤ ln2/2, e^r from its degree-7 Taylor polynomial
    /// (truncation error below 1e-8 relative), scaled by 2^n built directly in the exponent bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ExpNonPositive(Vector256<float> x)
    {
        Vector256<float> magic = Vector256.Create(RoundingMagic);
        Vector256<float> shifted = Fma.MultiplyAdd(x, Vector256.Create(Log2E), magic);
        Vector256<float> n = Avx.Subtract(shifted, magic);

        Vector256<float> r = Fma.MultiplyAddNegated(n, Vector256.Create(Ln2High), x);
        r = Fma.MultiplyAddNegated(n, Vector256.Create(Ln2Low), r);

        Vector256<float> p = Vector256.Create(1f / 5040f);
        p = Fma.MultiplyAdd(p, r, Vector256.Create(1f / 720f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(1f / 120f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(1f / 24f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(1f / 6f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(0.5f));
        p = Fma.MultiplyAdd(p, r, Vector256<float>.One);
        p = Fma.MultiplyAdd(p, r, Vector256<float>.One);

        // The integer n sits in the low bits of shifted, offset by the magic's own bit pattern.
        Vector256<int> exponent = Avx2.Subtract(shifted.AsInt32(), magic.AsInt32());
        Vector256<float> scale = Avx2.ShiftLeftLogical(Avx2.Add(exponent, Vector256.Create(127)), 23).AsSingle();
        Vector256<float> result = Avx.Multiply(p, scale);

        Vector256<float> underflow = Avx.CompareLessThan(x, Vector256.Create(ExpLowest));
        return Avx.AndNot(underflow, result);
    }

    /// <summary>
    /// 1 / (1 + e^-z), from e = e^-|z| so the exponential never overflows: z ≥ 0 gives 1/(1+e), else e/(1+e).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> z)
    {
        Vector256<float> signBit = Vector256.Create(-0f);
        Vector256<float> e = ExpNonPositive(Avx.Or(z, signBit));
        Vector256<float> positive = Avx.Divide(Vector256<float>.One, Avx.Add(Vector256<float>.One, e));
        Vector256<float> negative = Avx.Multiply(e, positive);
        return Avx.BlendVariable(negative, positive, Avx.CompareGreaterThanOrEqual(z, Vector256<float>.Zero));
    }

    /// <summary>
    /// tanh(z) = sign(z) · (1 - e) / (1 + e) with e = e^-2|z|; below |z| = 0.25 that difference would cancel, so
    /// the odd Taylor series up to z^11 is used there (next term under 2e-10 relative).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> z)
    {
        Vector256<float> signBit = Vector256.Create(-0f);
        Vector256<float> magnitude = Avx.AndNot(signBit, z);

        Vector256<float> e = ExpNonPositive(Avx.Multiply(magnitude, Vector256.Create(-2f)));
        Vector256<float> large = Avx.Divide(Avx.Subtract(Vector256<float>.One, e), Avx.Add(Vector256<float>.One, e));

        Vector256<float> square = Avx.Multiply(magnitude, magnitude);
        Vector256<float> series = Vector256.Create(-1382f / 155925f);
        series = Fma.MultiplyAdd(series, square, Vector256.Create(62f / 2835f));
        series = Fma.MultiplyAdd(series, square, Vector256.Create(-17f / 315f));
        series = Fma.MultiplyAdd(series, square, Vector256.Create(2f / 15f));
        series = Fma.MultiplyAdd(series, square, Vector256.Create(-1f / 3f));
        Vector256<float> small = Fma.MultiplyAdd(Avx.Multiply(series, square), magnitude, magnitude);

        Vector256<float> isSmall = Avx.CompareLessThan(magnitude, Vector256.Create(0.25f));
        Vector256<float> result = Avx.BlendVariable(large, small, isSmall);
        return Avx.Or(result, Avx.And(z, signBit));
    }
}

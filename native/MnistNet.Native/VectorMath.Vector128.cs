using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MnistNet.Native;

/// <summary>
/// The <see cref="VectorMathAvx2"/> functions on portable 128-bit vectors: same reduction, polynomial and
/// accuracy, written with the cross-platform operators so they run on SSE and NEON alike.
/// </summary>
internal static class VectorMathVector128
{
    private const float RoundingMagic = 12582912f;
    private const float Log2E = 1.44269504f;
    private const float Ln2High = 0.693359375f;
    private const float Ln2Low = -2.12194440e-4f;
    private const float ExpLowest = -87.33654f;

    /// <summary>e^x for x ≤ 0 (NaN stays NaN); see <see cref="VectorMathAvx2.ExpNonPositive"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ExpNonPositive(Vector128<float> x)
    {
        Vector128<float> magic = Vector128.Create(RoundingMagic);
        Vector128<float> shifted = x * Vector128.Create(Log2E) + magic;
        Vector128<float> n = shifted - magic;

        // n · Ln2High is exact, so the two-step reduction needs no fused multiply-add to stay accurate.
        Vector128<float> r = x - n * Vector128.Create(Ln2High);
        r -= n * Vector128.Create(Ln2Low);

        Vector128<float> p = Vector128.Create(1f / 5040f);
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(1f / 720f));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(1f / 120f));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(1f / 24f));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(1f / 6f));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(0.5f));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128<float>.One);
        p = Vector128.MultiplyAddEstimate(p, r, Vector128<float>.One);

        Vector128<int> exponent = shifted.AsInt32() - magic.AsInt32();
        Vector128<float> scale = Vector128.ShiftLeft(exponent + Vector128.Create(127), 23).AsSingle();
        Vector128<float> result = p * scale;

        Vector128<float> underflow = Vector128.LessThan(x, Vector128.Create(ExpLowest));
        return Vector128.AndNot(result, underflow);
    }

    /// <summary>1 / (1 + e^-z) from e = e^-|z|; see <see cref="VectorMathAvx2.Sigmoid"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> z)
    {
        Vector128<float> e = ExpNonPositive(z | Vector128.Create(-0f));
        Vector128<float> positive = Vector128<float>.One / (Vector128<float>.One + e);
        Vector128<float> negative = e * positive;
        return Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(z, Vector128<float>.Zero), positive, negative);
    }

    /// <summary>
    /// tanh(z), the series below |z| = 0.25 and (1 - e)/(1 + e) above; see <see cref="VectorMathAvx2.Tanh"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> z)
    {
        Vector128<float> signBit = Vector128.Create(-0f);
        Vector128<float> magnitude = Vector128.AndNot(z, signBit);

        Vector128<float> e = ExpNonPositive(magnitude * Vector128.Create(-2f));
        Vector128<float> large = (Vector128<float>.One - e) / (Vector128<float>.One + e);

        Vector128<float> square = magnitude * magnitude;
        Vector128<float> series = Vector128.Create(-1382f / 155925f);
        series = Vector128.MultiplyAddEstimate(series, square, Vector128.Create(62f / 2835f));
        series = Vector128.MultiplyAddEstimate(series, square, Vector128.Create(-17f / 315f));
        series = Vector128.MultiplyAddEstimate(series, square, Vector128.Create(2f / 15f));
        series = Vector128.MultiplyAddEstimate(series, square, Vector128.Create(-1f / 3f));
        Vector128<float> small = Vector128.MultiplyAddEstimate(series * square, magnitude, magnitude);

        Vector128<float> isSmall = Vector128.LessThan(magnitude, Vector128.Create(0.25f));
        return Vector128.ConditionalSelect(isSmall, small, large) | (z & signBit);
    }
}

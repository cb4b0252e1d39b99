namespace MnistNet.Network;

/// <summary>
/// A small, fast generator (xoshiro256**, seeded through SplitMix64) whose sequence is fixed by its seed alone. We
/// keep our own rather than System.Random so that a seed gives the same network on every .NET version, and so that
/// its state can be saved and restored exactly.
/// </summary>
public sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareGaussian;

    public SeededRandom(long seed) => Reseed(seed);

    /// <summary>Starts over as <c>new SeededRandom(seed)</c> would, without allocating a new generator.</summary>
    public void Reseed(long seed)
    {
        ulong mix = unchecked((ulong)seed);
        _s0 = SplitMix(ref mix);
        _s1 = SplitMix(ref mix);
        _s2 = SplitMix(ref mix);
        _s3 = SplitMix(ref mix);
        _spareGaussian = null;
    }

    public ulong NextUInt64()
    {
        ulong result = BitRotate(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;

        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitRotate(_s3, 45);

        return result;
    }

    /// <summary>Uniform in [0, 1), with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, exclusiveMax), without modulo bias.</summary>
    public int NextInt(int exclusiveMax)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(exclusiveMax, 1);

        // Rejection keeps every value equally likely: draws from the incomplete last block are discarded.
        ulong range = (ulong)exclusiveMax;
        ulong limit = ulong.MaxValue - ulong.MaxValue % range;
        ulong draw;
        do
        {
            draw = NextUInt64();
        }
        while (draw >= limit);

        return (int)(draw % range);
    }

    /// <summary>Standard normal, by the Box-Muller transform (each pair of uniforms yields two values).</summary>
    public double NextGaussian()
    {
        if (_spareGaussian is { } spare)
        {
            _spareGaussian = null;
            return spare;
        }

        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareGaussian = radius * Math.Sin(2.0 * Math.PI * u2);
        return radius * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Everything that decides the rest of the sequence, to be stored in a checkpoint.</summary>
    public SeededRandomState SaveState() => new(_s0, _s1, _s2, _s3, _spareGaussian);

    /// <summary>Continues the sequence from a state taken by <see cref="SaveState"/>.</summary>
    public void RestoreState(SeededRandomState state)
    {
        // xoshiro never reaches the all-zero state and would stay there, returning only zeros.
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0)
        {
            throw new ArgumentException("A generator state cannot be all zeros.", nameof(state));
        }

        (_s0, _s1, _s2, _s3, _spareGaussian) = (state.S0, state.S1, state.S2, state.S3, state.SpareGaussian);
    }

    /// <summary>Fisher-Yates shuffle in place.</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    /// <summary>A seed for runs where the user gave none; it is recorded so the run can be repeated.</summary>
    public static int NewSeed() => Random.Shared.Next(1, int.MaxValue);

    private static ulong SplitMix(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong BitRotate(ulong value, int count) => (value << count) | (value >> (64 - count));
}

/// <summary>The four words of a <see cref="SeededRandom"/> and the normal value it holds back, if any.</summary>
public readonly record struct SeededRandomState(ulong S0, ulong S1, ulong S2, ulong S3, double? SpareGaussian);

using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MnistNet.Data;
using MnistNet.Network;

namespace MnistNet.Augmentation;

/// <summary>
/// A pool of smoothed noise images from which elastic distortions are drawn: each is uniform random noise in
/// [-1, 1] per pixel, convolved with a Gaussian of the given sigma (the Gaussian's weights sum to 1; the strength
/// is applied when a field is used). An elastic distortion takes one pool entry for its x displacements and another
/// for its y displacements, each with a random sign, so 2,048 entries give about 16 million different fields.
/// <para>
/// Why a pool: smoothing fresh noise for every image took most of the time of distorting it (about 4 µs of 6),
/// which on a two-core machine made an augmented epoch cost three times a plain one. Drawing from a pool keeps
/// every field a Gaussian-smoothed random field as Simard et al. describe; what it gives up is that fields repeat
/// over a long run, which at 16 million combinations against 60,000 images an epoch is far off.
/// </para>
/// The pool is made once, from a seed, and only read afterwards, so one instance may serve many threads.
/// </summary>
public sealed class ElasticFieldBank
{
    /// <summary>Entries in a pool unless told otherwise: 6.4 MB, made in a few milliseconds.</summary>
    public const int DefaultCount = 2048;

    private const int Side = MnistSample.Width;
    private const int PixelCount = MnistSample.PixelCount;

    // Rows of the smoothing scratch are padded to 32 floats, a whole number of vectors of 4, 8 or 16.
    private const int Stride = 32;

    private readonly float[] _fields;

    /// <param name="sigma">Standard deviation of the smoothing Gaussian, in pixels; above 0.</param>
    /// <param name="seed">Fixes every entry.</param>
    /// <param name="count">Entries in the pool: a power of two from 2 to 65,536.</param>
    public ElasticFieldBank(double sigma, long seed, int count = DefaultCount)
    {
        if (!double.IsFinite(sigma) || sigma <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "The smoothing sigma must be above 0.");
        }

        if (count < 2 || count > 65_536 || !BitOperations.IsPow2(count))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count,
                "The pool size must be a power of two from 2 to 65,536, so that a random draw picks an entry evenly.");
        }

        Sigma = sigma;
        Count = count;
        _fields = new float[count * PixelCount];

        // Three sigmas hold all but about 1% of the Gaussian's weight.
        int radius = (int)Math.Ceiling(3 * sigma);
        float[] weights = GaussianKernel(sigma, radius, 1);
        var smoother = new Smoother(radius, weights);
        var random = new SeededRandom(seed);
        for (int entry = 0; entry < count; entry++)
        {
            smoother.Fill(random, _fields.AsSpan(entry * PixelCount, PixelCount));
        }
    }

    public double Sigma { get; }

    public int Count { get; }

    /// <summary>Entry <paramref name="index"/>: 784 displacements, row by row, for a strength of 1.</summary>
    public ReadOnlySpan<float> this[int index] => _fields.AsSpan(index * PixelCount, PixelCount);

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

    /// <summary>
    /// Separable convolution of one noise image with the Gaussian, horizontal pass then vertical. Outside the image
    /// the noise counts as 0, so an entry is somewhat weaker within a few sigma of the border, where MNIST digits
    /// have no ink anyway.
    /// </summary>
    private sealed class Smoother(int radius, float[] weights)
    {
        private readonly int _noiseStride = Stride + 2 * radius;
        private readonly float[] _noise = new float[Side * (Stride + 2 * radius)];
        private readonly float[] _rows = new float[Side * Stride];

        public void Fill(SeededRandom random, Span<float> field)
        {
            // One 64-bit draw gives 16 bits to each of four pixels; smoothing averages a hundred or more of them,
            // so finer steps would be lost anyway. The half step centres the levels on 0. Noise column c sits at
            // index c + radius of its row; the zeros on either side make every tap safe to read.
            const float step = 2f / (1 << 16);
            const float lowest = step / 2 - 1f;
            for (int y = 0; y < Side; y++)
            {
                int row = y * _noiseStride + radius;
                for (int x = 0; x < Side; x += 4)
                {
                    ulong bits = random.NextUInt64();
                    for (int i = 0; i < 4; i++)
                    {
                        _noise[row + x + i] = (uint)((bits >> (16 * i)) & 0xFFFF) * step + lowest;
                    }
                }
            }

            int taps = 2 * radius;
            int lanes = Vector<float>.Count;
            ref float noise = ref MemoryMarshal.GetArrayDataReference(_noise);
            ref float rows = ref MemoryMarshal.GetArrayDataReference(_rows);
            ref float weight = ref MemoryMarshal.GetArrayDataReference(weights);
            for (int y = 0; y < Side; y++)
            {
                for (int x0 = 0; x0 < Stride; x0 += lanes)
                {
                    ref float input = ref Unsafe.Add(ref noise, y * _noiseStride + x0);
                    Vector<float> sum = Vector<float>.Zero;
                    for (int k = 0; k <= taps; k++)
                    {
                        var tap = Vector.LoadUnsafe(ref Unsafe.Add(ref input, k));
                        sum += tap * new Vector<float>(Unsafe.Add(ref weight, k));
                    }

                    sum.StoreUnsafe(ref rows, (nuint)(y * Stride + x0));
                }
            }

            // Tap k of output row y reads row y + k - radius; rows outside the image are zero and skipped.
            Span<float> column = stackalloc float[Stride];
            for (int y = 0; y < Side; y++)
            {
                int first = Math.Max(0, radius - y);
                int last = Math.Min(taps, radius + Side - 1 - y);
                for (int x0 = 0; x0 < Stride; x0 += lanes)
                {
                    Vector<float> sum = Vector<float>.Zero;
                    for (int k = first; k <= last; k++)
                    {
                        ref float tap = ref Unsafe.Add(ref rows, (y + k - radius) * Stride + x0);
                        sum += Vector.LoadUnsafe(ref tap) * new Vector<float>(Unsafe.Add(ref weight, k));
                    }

                    sum.CopyTo(column[x0..]);
                }

                column[..Side].CopyTo(field.Slice(y * Side, Side));
            }
        }
    }
}

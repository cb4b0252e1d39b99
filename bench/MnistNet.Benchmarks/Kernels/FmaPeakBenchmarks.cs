using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;

namespace MnistNet.Benchmarks.Kernels;

/// <summary>
/// The processor's peak single-precision FMA throughput: twelve independent FMA chains per thread, enough to
/// cover the FMA latency times the number of FMA pipes on current x64 cores, so nothing waits on a result.
/// Measured with 256-bit vectors (what the managed kernels use) and, where the processor has AVX-512, with
/// 512-bit vectors (which an optimised BLAS may use).
/// </summary>
public class FmaPeakBenchmarks
{
    public const int Chains = 12;
    public const int StepsPerThread = 200_000;

    [ParamsSource(nameof(Widths))]
    public int VectorBits { get; set; } = 256;

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    public static IEnumerable<int> Widths => Avx512F.IsSupported ? [256, 512] : [256];

    /// <summary>Floating-point operations of one invocation: a multiply and an add per lane per FMA.</summary>
    public static double FlopsOf(int vectorBits, int threads) =>
        2.0 * (vectorBits / 32) * Chains * (double)StepsPerThread * threads;

    [GlobalSetup]
    public void Setup()
    {
        if (!Fma.IsSupported)
        {
            throw new PlatformNotSupportedException("The FMA peak needs a processor with FMA.");
        }
    }

    [Benchmark]
    public float Peak()
    {
        if (Threads == 1)
        {
            return RunChains(VectorBits);
        }

        var results = new float[Threads];
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads },
            thread => results[thread] = RunChains(VectorBits));
        return results.Sum();
    }

    private static float RunChains(int vectorBits) =>
        vectorBits == 512 ? Chains512(StepsPerThread) : Chains256(StepsPerThread);

    // Multiplying by just under 1 and adding a little keeps the values finite and normal for any step count.
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static float Chains256(int steps)
    {
        Vector256<float> factor = Vector256.Create(0.999999f);
        Vector256<float> term = Vector256.Create(1e-6f);
        Vector256<float> c0 = Vector256.Create(0.10f), c1 = Vector256.Create(0.11f), c2 = Vector256.Create(0.12f);
        Vector256<float> c3 = Vector256.Create(0.13f), c4 = Vector256.Create(0.14f), c5 = Vector256.Create(0.15f);
        Vector256<float> c6 = Vector256.Create(0.16f), c7 = Vector256.Create(0.17f), c8 = Vector256.Create(0.18f);
        Vector256<float> c9 = Vector256.Create(0.19f), c10 = Vector256.Create(0.20f), c11 = Vector256.Create(0.21f);
        for (int step = 0; step < steps; step++)
        {
            c0 = Fma.MultiplyAdd(c0, factor, term);
            c1 = Fma.MultiplyAdd(c1, factor, term);
            c2 = Fma.MultiplyAdd(c2, factor, term);
            c3 = Fma.MultiplyAdd(c3, factor, term);
            c4 = Fma.MultiplyAdd(c4, factor, term);
            c5 = Fma.MultiplyAdd(c5, factor, term);
            c6 = Fma.MultiplyAdd(c6, factor, term);
            c7 = Fma.MultiplyAdd(c7, factor, term);
            c8 = Fma.MultiplyAdd(c8, factor, term);
            c9 = Fma.MultiplyAdd(c9, factor, term);
            c10 = Fma.MultiplyAdd(c10, factor, term);
            c11 = Fma.MultiplyAdd(c11, factor, term);
        }

        Vector256<float> sum = (c0 + c1) + (c2 + c3) + (c4 + c5) + (c6 + c7) + (c8 + c9) + (c10 + c11);
        return Vector256.Sum(sum);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chains512(int steps)
    {
        Vector512<float> factor = Vector512.Create(0.999999f);
        Vector512<float> term = Vector512.Create(1e-6f);
        Vector512<float> c0 = Vector512.Create(0.10f), c1 = Vector512.Create(0.11f), c2 = Vector512.Create(0.12f);
        Vector512<float> c3 = Vector512.Create(0.13f), c4 = Vector512.Create(0.14f), c5 = Vector512.Create(0.15f);
        Vector512<float> c6 = Vector512.Create(0.16f), c7 = Vector512.Create(0.17f), c8 = Vector512.Create(0.18f);
        Vector512<float> c9 = Vector512.Create(0.19f), c10 = Vector512.Create(0.20f), c11 = Vector512.Create(0.21f);
        for (int step = 0; step < steps; step++)
        {
            c0 = Avx512F.FusedMultiplyAdd(c0, factor, term);
            c1 = Avx512F.FusedMultiplyAdd(c1, factor, term);
            c2 = Avx512F.FusedMultiplyAdd(c2, factor, term);
            c3 = Avx512F.FusedMultiplyAdd(c3, factor, term);
            c4 = Avx512F.FusedMultiplyAdd(c4, factor, term);
            c5 = Avx512F.FusedMultiplyAdd(c5, factor, term);
            c6 = Avx512F.FusedMultiplyAdd(c6, factor, term);
            c7 = Avx512F.FusedMultiplyAdd(c7, factor, term);
            c8 = Avx512F.FusedMultiplyAdd(c8, factor, term);
            c9 = Avx512F.FusedMultiplyAdd(c9, factor, term);
            c10 = Avx512F.FusedMultiplyAdd(c10, factor, term);
            c11 = Avx512F.FusedMultiplyAdd(c11, factor, term);
        }

        Vector512<float> sum = (c0 + c1) + (c2 + c3) + (c4 + c5) + (c6 + c7) + (c8 + c9) + (c10 + c11);
        return Vector512.Sum(sum);
    }
}

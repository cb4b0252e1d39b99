using BenchmarkDotNet.Attributes;
using MnistNet.Native;

namespace MnistNet.Benchmarks.Kernels;

/// <summary>
/// Times one matrix product per invocation on each shape of the training step and of prediction, for each
/// backend and thread count. Every case runs in its own process, so the thread and backend settings made in
/// setup hold before any kernel or library has read them.
/// </summary>
public class GemmBenchmarks
{
    private AlignedBuffer? _a;
    private AlignedBuffer? _b;
    private AlignedBuffer? _c;

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = GemmShape.All[0];

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = BenchSettings.Managed;

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    public static IEnumerable<GemmShape> Shapes => GemmShape.All;

    public static IEnumerable<string> Backends => BenchSettings.AvailableBackends();

    [GlobalSetup]
    public void Setup()
    {
        BenchSettings.SetThreads(Threads);
        BenchSettings.SetBackend(Backend);

        (_a, _b, _c) = Operands(Shape, seed: 1);
    }

    [Benchmark]
    public void Multiply()
    {
        Span<float> a = _a!.Span;
        Span<float> b = _b!.Span;
        Span<float> c = _c!.Span;
        (int m, int k, int n) = (Shape.M, Shape.K, Shape.N);

        // The managed rows name the AVX2 path explicitly so they measure it whatever the process default is; the
        // other backends go through the default overloads, which follow the backend chosen in setup.
        if (Backend == BenchSettings.Managed)
        {
            MultiplyManaged(Shape, a, b, c);
            return;
        }

        switch (Shape.Form)
        {
            case GemmForm.NN: Gemm.MultiplyNN(a, b, c, m, k, n); break;
            case GemmForm.NT: Gemm.MultiplyNT(a, b, c, m, k, n); break;
            default: Gemm.MultiplyTN(a, b, c, m, k, n); break;
        }
    }

    /// <summary>One product of <paramref name="shape"/> on the managed AVX2 path.</summary>
    internal static void MultiplyManaged(GemmShape shape, Span<float> a, Span<float> b, Span<float> c)
    {
        (int m, int k, int n) = (shape.M, shape.K, shape.N);
        switch (shape.Form)
        {
            case GemmForm.NN: Gemm.MultiplyNN(a, b, c, m, k, n, false, KernelPath.Avx2); break;
            case GemmForm.NT: Gemm.MultiplyNT(a, b, c, m, k, n, false, KernelPath.Avx2); break;
            default: Gemm.MultiplyTN(a, b, c, m, k, n, false, KernelPath.Avx2); break;
        }
    }

    /// <summary>Operands A, B and C of <paramref name="shape"/>, filled like the benchmark's.</summary>
    internal static (AlignedBuffer A, AlignedBuffer B, AlignedBuffer C) Operands(GemmShape shape, int seed)
    {
        (int aLength, int bLength) = shape.Form switch
        {
            GemmForm.NN => (shape.M * shape.K, shape.K * shape.N),
            GemmForm.NT => (shape.M * shape.K, shape.N * shape.K),
            _ => (shape.K * shape.M, shape.K * shape.N),
        };
        return (Filled(aLength, seed), Filled(bLength, seed + 1), new AlignedBuffer(shape.M * shape.N));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // A two-thread case that runs at one thread's speed shows here whether the worker took no parts or the
        // machine was busy; BenchmarkDotNet passes this line through to its log.
        (long parts, long byWorkers, long sleeps) = KernelThreads.Counters;
        if (Threads > 1 && parts > 0)
        {
            Console.WriteLine($"// kernel workers ran {100.0 * byWorkers / parts:F0}% of {parts} parts " +
                $"and fell asleep {sleeps} times");
        }

        _a?.Dispose();
        _b?.Dispose();
        _c?.Dispose();
    }

    // Values like scaled pixels and small weights, so that no denormals or infinities slow the arithmetic.
    private static AlignedBuffer Filled(int length, int seed)
    {
        var buffer = new AlignedBuffer(length);
        var random = new Random(seed);
        Span<float> span = buffer.Span;
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = (float)(random.NextDouble() - 0.5);
        }

        return buffer;
    }
}

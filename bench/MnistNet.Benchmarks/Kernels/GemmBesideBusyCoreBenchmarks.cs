using BenchmarkDotNet.Attributes;
using MnistNet.Native;

namespace MnistNet.Benchmarks.Kernels;

/// <summary>
/// The first layer's products on one thread while another thread runs the same product, on operands of its own,
/// without pause on the other core. Beside the one-thread cases of <see cref="GemmBenchmarks"/> (the other core
/// idle) this shows how much two cores slow each other down when both multiply: the most a two-thread split of
/// one product can reach is about twice this figure, whatever the split does.
/// </summary>
public class GemmBesideBusyCoreBenchmarks
{
    private AlignedBuffer? _a;
    private AlignedBuffer? _b;
    private AlignedBuffer? _c;
    private Thread? _neighbour;
    private volatile bool _stop;
    private long _neighbourProducts;
    private long _neighbourStart;

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = GemmShape.All[0];

    public static IEnumerable<GemmShape> Shapes => GemmShape.All.Where(shape => shape.IsFirstLayerTrainingShape);

    [GlobalSetup]
    public void Setup()
    {
        BenchSettings.SetThreads(1);
        BenchSettings.SetBackend(BenchSettings.Managed);
        (_a, _b, _c) = GemmBenchmarks.Operands(Shape, seed: 1);

        _neighbourStart = Environment.TickCount64;
        _neighbour = new Thread(RunNeighbour) { IsBackground = true, Name = "busy neighbour" };
        _neighbour.Start();
    }

    [Benchmark]
    public void Multiply() => GemmBenchmarks.MultiplyManaged(Shape, _a!.Span, _b!.Span, _c!.Span);

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        _neighbour?.Join();
        double seconds = (Environment.TickCount64 - _neighbourStart) / 1000.0;
        Console.WriteLine($"// the busy neighbour ran {Shape.Flops * _neighbourProducts / seconds / 1e9:F1} GFLOPS " +
            "on average over the whole case");

        _a?.Dispose();
        _b?.Dispose();
        _c?.Dispose();
    }

    private void RunNeighbour()
    {
        (AlignedBuffer a, AlignedBuffer b, AlignedBuffer c) = GemmBenchmarks.Operands(Shape, seed: 11);
        using (a)
        using (b)
        using (c)
        {
            while (!_stop)
            {
                GemmBenchmarks.MultiplyManaged(Shape, a.Span, b.Span, c.Span);
                _neighbourProducts++;
            }
        }
    }
}

using System.Runtime.CompilerServices;

namespace MnistNet.Native.Tests;

[Collection(nameof(ThreadCountCollection))]
public unsafe class KernelThreadsTests
{
    [Theory]
    [InlineData(1, 5, 1)]
    [InlineData(2, 5, 2)]
    [InlineData(3, 2, 2)]
    [InlineData(4, 1, 1)]
    public void RunPartsRunsEachPartOnceAndNoMoreThanTheThreads(int threads, int maxParts, int expectedParts)
    {
        int saved = KernelThreads.ThreadCount;
        try
        {
            KernelThreads.ThreadCount = threads;
            var job = new CountingJob();
            (long runBefore, long byWorkersBefore, _) = KernelThreads.Counters;

            KernelThreads.RunParts(&CountPart, &job, maxParts);

            Assert.Equal(expectedParts, job.Parts);
            for (int part = 0; part < 8; part++)
            {
                Assert.Equal(part < expectedParts ? 1 : 0, job.Runs[part]);
            }

            (long runAfter, long byWorkersAfter, _) = KernelThreads.Counters;
            Assert.True(byWorkersAfter - byWorkersBefore <= runAfter - runBefore);
        }
        finally
        {
            KernelThreads.ThreadCount = saved;
        }
    }

    [Fact]
    public void AnExceptionInAPartReachesTheCallerUnwrapped()
    {
        int saved = KernelThreads.ThreadCount;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                KernelThreads.ThreadCount = threads;
                var error = Assert.Throws<InvalidDataException>(() => KernelThreads.RunParts(&FailPart, null, 2));

                Assert.Equal("part failed", error.Message);
            }
        }
        finally
        {
            KernelThreads.ThreadCount = saved;
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ManyJobsInARowRunEveryPartExactlyOnce(int threads)
    {
        // Jobs follow each other as closely as a training step's products do, with part counts that change from
        // job to job, so a thread still holding a finished job's claim word would show as a part run twice.
        int saved = KernelThreads.ThreadCount;
        try
        {
            KernelThreads.ThreadCount = threads;
            var job = new CountingJob();
            for (int round = 0; round < 20_000; round++)
            {
                int maxParts = 1 + round % 13;
                ((Span<int>)job.Runs).Clear();
                KernelThreads.Run(&CountPart, &job, maxParts, partsPerThread: 4);

                int parts = Math.Min(maxParts, Math.Min(maxParts, threads) * 4);
                for (int part = 0; part < 16; part++)
                {
                    Assert.True(job.Runs[part] == (part < parts ? 1 : 0),
                        $"job {round}: part {part} of {parts} ran {job.Runs[part]} times");
                }
            }
        }
        finally
        {
            KernelThreads.ThreadCount = saved;
        }
    }

    [Fact]
    public void AKernelCalledFromAPartRunsOnThatPartsThread()
    {
        // 64 x 64 x 64 is big enough for the product to split between threads when called on its own. Called from
        // a part, it must run whole on that part's thread; on the caller's thread, which holds the reentrant job
        // gate, it once started a job of its own over the one in progress and hung.
        const int size = 64;
        float[] a = TestData.Random(size * size, 11);
        float[] b = TestData.Random(size * size, 12);
        float[] expected = new float[size * size];
        int saved = KernelThreads.ThreadCount;
        try
        {
            KernelThreads.ThreadCount = 1;
            Gemm.MultiplyNN(a, b, expected, size, size, size);

            KernelThreads.ThreadCount = 2;
            float[] products = new float[2 * size * size];
            var caller = new Thread(() =>
            {
                fixed (float* pa = a)
                fixed (float* pb = b)
                fixed (float* pc = products)
                {
                    var job = new ProductJob { A = pa, B = pb, C = pc, Size = size };
                    KernelThreads.RunParts(&ProductPart, &job, 2);
                }
            });
            caller.Start();

            Assert.True(caller.Join(TimeSpan.FromSeconds(30)), "the job did not finish");
            for (int part = 0; part < 2; part++)
            {
                Assert.True(products.AsSpan(part * size * size, size * size).SequenceEqual(expected),
                    $"part {part}'s product differs from the one-thread product");
            }
        }
        finally
        {
            KernelThreads.ThreadCount = saved;
        }
    }

    private struct ProductJob
    {
        public float* A;
        public float* B;
        public float* C;
        public int Size;
    }

    private static void ProductPart(void* context, int part, int parts)
    {
        ref ProductJob job = ref Unsafe.AsRef<ProductJob>(context);
        int length = job.Size * job.Size;
        Gemm.MultiplyNN(new ReadOnlySpan<float>(job.A, length), new ReadOnlySpan<float>(job.B, length),
            new Span<float>(job.C + part * length, length), job.Size, job.Size, job.Size);
    }

    [Fact]
    public void RunPartsNeedsAtLeastOnePart()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelThreads.RunParts(&FailPart, null, 0));
    }

    private static void CountPart(void* context, int part, int parts)
    {
        ref CountingJob job = ref Unsafe.AsRef<CountingJob>(context);
        Interlocked.Increment(ref job.Runs[part]);
        job.Parts = parts;
    }

    private static void FailPart(void* context, int part, int parts) =>
        throw new InvalidDataException("part failed");

    private struct CountingJob
    {
        public int Parts;
        public RunCounts Runs;
    }

    [InlineArray(16)]
    private struct RunCounts
    {
        private int _element;
    }
}

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

    [InlineArray(8)]
    private struct RunCounts
    {
        private int _element;
    }
}

using System.Runtime.CompilerServices;

namespace MnistNet.Native;

/// <summary>
/// Taking ownership of cache lines ahead of a kernel that overwrites them. When another core has just read the
/// lines a kernel is about to write (the other thread's half of a product read them), each store must first
/// invalidate that core's copy. A kernel that stores in between heavy arithmetic keeps only a few such requests in
/// flight and stalls on every one; a pass that rewrites one value per line unchanged has dozens in flight, and the
/// kernel then stores into lines it already owns.
/// </summary>
internal static unsafe class CacheLines
{
    private const int FloatsPerLine = 64 / sizeof(float);

    /// <summary>
    /// Rewrites one float in every 64-byte line of values[0, count) with its own value. The caller must be the only
    /// thread touching that range, as it is in a part of a <see cref="KernelThreads"/> job.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Claim(float* values, long count)
    {
        float* end = values + count;
        for (float* line = values; line < end; line += FloatsPerLine)
        {
            // A volatile store, so that the compiler keeps a store that changes nothing.
            Volatile.Write(ref *line, *line);
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MnistNet.Native;

/// <summary>
/// A zero-initialised block of float32 on unmanaged memory aligned to 64 bytes (a cache line, and a whole number of
/// AVX2 vectors), so that kernels can use aligned loads and the garbage collector never moves or scans it.
/// Dispose releases the memory at once; the finaliser is only a safety net for buffers nobody disposed.
/// </summary>
public sealed unsafe class AlignedBuffer : IDisposable
{
    public const int Alignment = 64;

    private float* _pointer;

    public AlignedBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);

        Length = length;
        nuint bytes = (nuint)Math.Max(length, 1) * sizeof(float);
        _pointer = (float*)NativeMemory.AlignedAlloc(bytes, Alignment);
        NativeMemory.Clear(_pointer, bytes);
        if (length > 0)
        {
            GC.AddMemoryPressure((long)bytes);
        }
    }

    ~AlignedBuffer() => Release();

    /// <summary>Number of floats in the buffer.</summary>
    public int Length { [MethodImpl(MethodImplOptions.AggressiveInlining)] get; }

    /// <summary>The first element; valid until the buffer is disposed.</summary>
    public float* Pointer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            ObjectDisposedException.ThrowIf(_pointer == null, this);
            return _pointer;
        }
    }

    public Span<float> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(Pointer, Length);
    }

    public void Clear() => Span.Clear();

    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    private void Release()
    {
        if (_pointer == null)
        {
            return;
        }

        NativeMemory.AlignedFree(_pointer);
        _pointer = null;
        if (Length > 0)
        {
            GC.RemoveMemoryPressure((long)Length * sizeof(float));
        }
    }
}

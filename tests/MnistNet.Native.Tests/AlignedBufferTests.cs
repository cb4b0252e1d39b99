namespace MnistNet.Native.Tests;

public class AlignedBufferTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(784 * 128)]
    public unsafe void PointerIsCacheLineAlignedAndMemoryZeroed(int length)
    {
        using var buffer = new AlignedBuffer(length);
        Assert.Equal(0, (long)(nuint)buffer.Pointer % 64);
        Assert.Equal(length, buffer.Length);
        Assert.Equal(length, buffer.Span.Length);
        Assert.All(buffer.Span.ToArray(), value => Assert.Equal(0f, value));
    }

    [Fact]
    public void ClearZeroesWrittenValues()
    {
        using var buffer = new AlignedBuffer(10);
        buffer.Span.Fill(3f);
        buffer.Clear();
        Assert.All(buffer.Span.ToArray(), value => Assert.Equal(0f, value));
    }

    [Fact]
    public unsafe void DisposingTwiceIsSafeAndUseAfterDisposeThrows()
    {
        var buffer = new AlignedBuffer(8);
        buffer.Dispose();
        buffer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => (nint)buffer.Pointer);
    }

    [Fact]
    public void NegativeLengthIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedBuffer(-1));
    }
}

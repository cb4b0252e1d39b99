namespace MnistNet.Native.Tests;

public class CacheLinesTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 1)]
    [InlineData(3, 15)]
    [InlineData(5, 16)]
    [InlineData(16, 17)]
    [InlineData(7, 1000)]
    public unsafe void ClaimLeavesEveryValueAsItWasInsideAndOutsideTheRange(int start, int count)
    {
        // NaN payloads and -0 must come back bit for bit, not only equal as numbers.
        float[] values = TestData.Random(start + count + 20, start * 31 + count);
        values[start] = -0f;
        values[^1] = BitConverter.Int32BitsToSingle(0x7FC0_1234);
        int[] before = values.Select(BitConverter.SingleToInt32Bits).ToArray();

        fixed (float* pointer = values)
        {
            CacheLines.Claim(pointer + start, count);
        }

        Assert.Equal(before, values.Select(BitConverter.SingleToInt32Bits));
    }
}

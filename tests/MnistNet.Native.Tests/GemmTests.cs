namespace MnistNet.Native.Tests;

public class GemmTests
{
    private static readonly int[] Sizes = [0, 1, 3, 7, 8, 17, 33, 127];

    public enum Form
    {
        NN,
        NT,
        TN,
    }

    public static TheoryData<int, int, int> OddShapes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int m in Sizes)
        {
            foreach (int k in Sizes)
            {
                foreach (int n in Sizes)
                {
                    data.Add(m, k, n);
                }
            }
        }

        data.Add(128, 784, 128);
        data.Add(5, 785, 3);
        data.Add(1, 785, 10);
        data.Add(128, 128, 64);
        data.Add(128, 64, 10);

        // A larger product, split between row blocks with a tail of columns.
        data.Add(400, 700, 21);

        // 785 in each place, and depths past one packed depth block (512), with row and column tails.
        data.Add(785, 17, 33);
        data.Add(7, 785, 127);
        data.Add(17, 127, 785);
        data.Add(785, 7, 7);
        data.Add(127, 1100, 17);
        data.Add(6, 513, 16);
        return data;
    }

    /// <summary>Shapes big enough that the packed kernels split them between threads, by rows or by columns.</summary>
    public static TheoryData<int, int, int> ThreadedShapes()
    {
        var data = new TheoryData<int, int, int>();
        data.Add(128, 784, 128);
        data.Add(784, 128, 128);
        data.Add(128, 128, 784);
        data.Add(785, 127, 129);
        data.Add(131, 1100, 47);
        return data;
    }

    [Theory]
    [MemberData(nameof(OddShapes))]
    public void FastPathsMatchScalar(int m, int k, int n)
    {
        int seed = (m * 1000 + k) * 1000 + n;
        float[] a = TestData.Random(m * k, seed);
        float[] b = TestData.Random(k * n, seed + 1);
        float[] initial = TestData.Random(m * n, seed + 2);
        double tolerance = 1e-5 * Math.Sqrt(Math.Max(k, 1));

        foreach (Form form in Enum.GetValues<Form>())
        {
            foreach (bool accumulate in new[] { false, true })
            {
                float[] expected = (float[])initial.Clone();
                Multiply(form, a, b, expected, m, k, n, accumulate, KernelPath.Scalar);

                foreach (KernelPath path in TestData.FastPaths)
                {
                    // NaN past the ends of A and B, and sentinels past the end of C, catch any out-of-span access.
                    float[] paddedA = TestData.WithNaNPadding(a);
                    float[] paddedB = TestData.WithNaNPadding(b);
                    float[] actual = new float[m * n + 16];
                    initial.CopyTo(actual, 0);
                    actual.AsSpan(m * n).Fill(-7f);

                    Multiply(form, paddedA.AsSpan(0, a.Length), paddedB.AsSpan(0, b.Length), actual.AsSpan(0, m * n),
                        m, k, n, accumulate, path);

                    string what = $"{form} {path} m={m} k={k} n={n} accumulate={accumulate}";
                    TestData.AssertClose(expected, actual.AsSpan(0, m * n), tolerance, what);
                    Assert.All(actual.Skip(m * n), value => Assert.Equal(-7f, value));
                }
            }
        }
    }

    [Fact]
    public void ComparisonDetectsAWrongProduct()
    {
        // Guards the comparison above against passing vacuously: a wrong product must be detected.
        float[] a = [1, 2, 3, 4, 5, 6];
        float[] b = [7, 8, 9, 10, 11, 12];
        float[] right = new float[4];
        float[] wrong = new float[4];
        Gemm.MultiplyNN(a, b, right, 2, 3, 2, false, KernelPath.Scalar);
        Gemm.MultiplyNN(a, b, wrong, 2, 2, 2, false, KernelPath.Scalar);
        Assert.ThrowsAny<Exception>(() => TestData.AssertClose(right, wrong, 1e-5, "deliberately wrong"));
    }

    // A = [[1,2,3],[4,5,6]] and B = [[7,8],[9,10],[11,12]]: A·B = [[58,64],[139,154]], worked by hand.
    private static readonly float[] Product = [58, 64, 139, 154];

    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void NNHandComputed(KernelPath path)
    {
        float[] c = new float[4];
        Gemm.MultiplyNN([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12], c, 2, 3, 2, false, path);
        Assert.Equal(Product, c);

        Gemm.MultiplyNN([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12], c, 2, 3, 2, true, path);
        Assert.Equal(new float[] { 116, 128, 278, 308 }, c);
    }

    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void NTHandComputed(KernelPath path)
    {
        // B is given as its transpose, n x k = [[7,9,11],[8,10,12]].
        float[] c = [1, 1, 1, 1];
        Gemm.MultiplyNT([1, 2, 3, 4, 5, 6], [7, 9, 11, 8, 10, 12], c, 2, 3, 2, false, path);
        Assert.Equal(Product, c);

        c = [1, 1, 1, 1];
        Gemm.MultiplyNT([1, 2, 3, 4, 5, 6], [7, 9, 11, 8, 10, 12], c, 2, 3, 2, true, path);
        Assert.Equal(new float[] { 59, 65, 140, 155 }, c);
    }

    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void TNHandComputed(KernelPath path)
    {
        // A is given as its transpose, k x m = [[1,4],[2,5],[3,6]].
        float[] c = [-3, -3, -3, -3];
        Gemm.MultiplyTN([1, 4, 2, 5, 3, 6], [7, 8, 9, 10, 11, 12], c, 2, 3, 2, false, path);
        Assert.Equal(Product, c);

        Gemm.MultiplyTN([1, 4, 2, 5, 3, 6], [7, 8, 9, 10, 11, 12], c, 2, 3, 2, true, path);
        Assert.Equal(new float[] { 116, 128, 278, 308 }, c);
    }

    [Theory]
    [MemberData(nameof(TestData.AllPathsData), MemberType = typeof(TestData))]
    public void EmptyDepthClearsOrKeepsC(KernelPath path)
    {
        float[] c = [5, 6, 7, 8, 9, 10];
        Gemm.MultiplyNN([], [], c, 2, 0, 3, true, path);
        Assert.Equal(new float[] { 5, 6, 7, 8, 9, 10 }, c);

        foreach (Form form in Enum.GetValues<Form>())
        {
            c = [5, 6, 7, 8, 9, 10];
            Multiply(form, [], [], c, 2, 0, 3, false, path);
            Assert.Equal(new float[6], c);
        }
    }

    [Fact]
    public void ShortSpansAreRejected()
    {
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyNN(new float[5], new float[6], new float[4], 2, 3, 2));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyNT(new float[6], new float[6], new float[3], 2, 3, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.MultiplyTN([], [], [], -1, 0, 0));
    }

    internal static void Multiply(Form form, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, bool accumulate, KernelPath path)
    {
        switch (form)
        {
            case Form.NN:
                Gemm.MultiplyNN(a, b, c, m, k, n, accumulate, path);
                break;
            case Form.NT:
                Gemm.MultiplyNT(a, b, c, m, k, n, accumulate, path);
                break;
            default:
                Gemm.MultiplyTN(a, b, c, m, k, n, accumulate, path);
                break;
        }
    }
}

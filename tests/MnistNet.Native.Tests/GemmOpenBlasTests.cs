namespace MnistNet.Native.Tests;

/// <summary>A theory that is reported as skipped, with the reason, where libopenblas.so.0 cannot be loaded.</summary>
public sealed class OpenBlasTheoryAttribute : TheoryAttribute
{
    public OpenBlasTheoryAttribute()
    {
        if (!Gemm.IsOpenBlasAvailable)
        {
            Skip = $"{GemmOpenBlas.LibraryName} is not installed (apt-get install libopenblas0).";
        }
    }
}

public class GemmOpenBlasTests
{
    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        int[] sizes = [0, 1, 7, 17, 127];
        foreach (int m in sizes)
        {
            foreach (int k in sizes)
            {
                foreach (int n in sizes)
                {
                    data.Add(m, k, n);
                }
            }
        }

        data.Add(128, 784, 128);
        data.Add(785, 17, 33);
        data.Add(17, 785, 10);
        return data;
    }

    [OpenBlasTheory]
    [MemberData(nameof(Shapes))]
    public void OpenBlasMatchesScalar(int m, int k, int n)
    {
        int seed = (m * 1000 + k) * 1000 + n;
        float[] a = TestData.Random(m * k, seed);
        float[] b = TestData.Random(k * n, seed + 1);
        float[] initial = TestData.Random(m * n, seed + 2);
        double tolerance = 1e-5 * Math.Sqrt(Math.Max(k, 1));

        foreach (GemmTests.Form form in Enum.GetValues<GemmTests.Form>())
        {
            foreach (bool accumulate in new[] { false, true })
            {
                float[] expected = (float[])initial.Clone();
                Multiply(form, a, b, expected, m, k, n, accumulate, scalar: true);

                // NaN past the ends of A and B, and sentinels past the end of C, catch any out-of-span access.
                float[] paddedA = TestData.WithNaNPadding(a);
                float[] paddedB = TestData.WithNaNPadding(b);
                float[] actual = new float[m * n + 16];
                initial.CopyTo(actual, 0);
                actual.AsSpan(m * n).Fill(-7f);
                Multiply(form, paddedA.AsSpan(0, a.Length), paddedB.AsSpan(0, b.Length), actual.AsSpan(0, m * n),
                    m, k, n, accumulate, scalar: false);

                TestData.AssertClose(expected, actual.AsSpan(0, m * n), tolerance,
                    $"OpenBLAS {form} m={m} k={k} n={n} accumulate={accumulate}");
                Assert.All(actual.Skip(m * n), value => Assert.Equal(-7f, value));
            }
        }
    }

    [Fact]
    public void BackendNamesAreParsed()
    {
        Assert.Equal(GemmBackend.Managed, Gemm.ChooseBackend(null));
        Assert.Equal(GemmBackend.Managed, Gemm.ChooseBackend(" Managed "));
        Assert.Throws<InvalidOperationException>(() => Gemm.ChooseBackend("mkl"));
        if (Gemm.IsOpenBlasAvailable)
        {
            Assert.Equal(GemmBackend.OpenBlas, Gemm.ChooseBackend("openblas"));
        }
        else
        {
            var error = Assert.Throws<DllNotFoundException>(() => Gemm.ChooseBackend("openblas"));
            Assert.Contains(GemmOpenBlas.LibraryName, error.Message);
        }
    }

    private static void Multiply(GemmTests.Form form, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, bool accumulate, bool scalar)
    {
        switch (form)
        {
            case GemmTests.Form.NN when scalar:
                Gemm.MultiplyNN(a, b, c, m, k, n, accumulate, KernelPath.Scalar);
                break;
            case GemmTests.Form.NN:
                GemmOpenBlas.MultiplyNN(a, b, c, m, k, n, accumulate);
                break;
            case GemmTests.Form.NT when scalar:
                Gemm.MultiplyNT(a, b, c, m, k, n, accumulate, KernelPath.Scalar);
                break;
            case GemmTests.Form.NT:
                GemmOpenBlas.MultiplyNT(a, b, c, m, k, n, accumulate);
                break;
            case GemmTests.Form.TN when scalar:
                Gemm.MultiplyTN(a, b, c, m, k, n, accumulate, KernelPath.Scalar);
                break;
            default:
                GemmOpenBlas.MultiplyTN(a, b, c, m, k, n, accumulate);
                break;
        }
    }
}

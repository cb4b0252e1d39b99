using System.Runtime.CompilerServices;

namespace MnistNet.Native;

/// <summary>
/// Single-precision matrix multiply in the three forms that backpropagation through a dense layer needs, on
/// row-major, densely packed matrices, without ever materialising a transpose. Dimension letters: C is m x n and
/// the sum runs over k.
/// <list type="bullet">
/// <item>Forward, Z = X·W: <see cref="MultiplyNN"/> with A m x k and B k x n.</item>
/// <item>Input gradient, dX = dZ·Wᵀ: <see cref="MultiplyNT"/> with A m x k and B n x k.</item>
/// <item>Weight gradient, dW = Xᵀ·dZ: <see cref="MultiplyTN"/> with A k x m and B k x n.</item>
/// </list>
/// With <c>accumulate</c> the product is added to C; otherwise C is overwritten. Scalar, NN and TN sum over k in
/// ascending order for every element, and so does AVX2's NT from six rows of A up (the packed kernels of
/// <see cref="GemmPackedAvx2"/>); the other vector NT paths keep one partial sum per lane and combine the lanes in
/// a fixed order. Either way a path's result depends only on the shape, never on how the work is split between
/// <see cref="KernelThreads"/>, but the paths can differ from each other in the last bits (fused multiply-add,
/// lane order). <see cref="Backend"/> can send the overloads without a path to OpenBLAS instead.
/// </summary>
/// <remarks>
/// The entry points a training step calls, like the kernels behind them and the other per-step code of this library
/// and of MnistNet's network and optimizer, skip tiered compilation (AggressiveOptimization). Otherwise the runtime
/// recompiles them during the first epoch on a background thread that competes with the two training threads: over
/// eleven alternating pairs of processes the first two-thread epoch took 0.32 s (median) with the attribute and
/// 0.37 s without; later epochs did not change.
/// </remarks>
public static unsafe class Gemm
{
    public const string BackendVariable = "MNISTNET_GEMM";

    private static GemmBackend? _backend;

    /// <summary>
    /// Where the overloads without a <see cref="KernelPath"/> run: the managed kernels (the default) or the
    /// system's OpenBLAS. MNISTNET_GEMM=openblas (or managed) sets the starting value. Choosing OpenBLAS where
    /// libopenblas.so.0 cannot be loaded throws <see cref="DllNotFoundException"/> at once. The overloads that take
    /// a path always run that managed path.
    /// </summary>
    public static GemmBackend Backend
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => _backend ??= ChooseBackend(Environment.GetEnvironmentVariable(BackendVariable));
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Not a GEMM backend.");
            }

            if (value == GemmBackend.OpenBlas)
            {
                GemmOpenBlas.Require();
            }

            _backend = value;
        }
    }

    /// <summary>Whether the OpenBLAS backend can be used on this machine.</summary>
    public static bool IsOpenBlasAvailable => GemmOpenBlas.IsAvailable;

    internal static GemmBackend ChooseBackend(string? requested)
    {
        if (string.IsNullOrWhiteSpace(requested))
        {
            return GemmBackend.Managed;
        }

        if (!Enum.TryParse(requested.Trim(), ignoreCase: true, out GemmBackend backend) || !Enum.IsDefined(backend))
        {
            throw new InvalidOperationException(
                $"{BackendVariable}='{requested}' is not a GEMM backend; expected managed or openblas.");
        }

        if (backend == GemmBackend.OpenBlas)
        {
            GemmOpenBlas.Require();
        }

        return backend;
    }

    // Below six rows the packed kernels have no whole row block, and packing B costs more than it saves.
    private const int PackedMinRows = 6;

    /// <summary>C[m×n] = A[m×k] · B[k×n] (plus C when accumulating).</summary>
    public static void MultiplyNN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, bool accumulate = false)
    {
        if (Backend == GemmBackend.OpenBlas)
        {
            Validate(a, b, c, m, k, n, (long)m * k, (long)k * n);
            GemmOpenBlas.MultiplyNN(a, b, c, m, k, n, accumulate);
            return;
        }

        MultiplyNN(a, b, c, m, k, n, accumulate, KernelSelector.Active);
    }

    /// <inheritdoc cref="MultiplyNN(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/>
    public static void MultiplyNN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, bool accumulate, KernelPath path)
    {
        Validate(a, b, c, m, k, n, (long)m * k, (long)k * n);
        switch (KernelSelector.Require(path))
        {
            case KernelPath.Avx2:
                MultiplyNNAvx2(a, b, c, m, k, n, accumulate, default);
                break;
            case KernelPath.Vector128:
                GemmVector128.MultiplyNN(a, b, c, m, k, n, accumulate);
                break;
            default:
                GemmScalar.MultiplyNN(a, b, c, m, k, n, accumulate);
                break;
        }
    }

    /// <summary>
    /// C[m×n] = f(A[m×k] · B[k×n] + bias[n]), the bias added to every row and f the activation (none when null):
    /// a dense layer's forward step. The same bits as <see cref="MultiplyNN(ReadOnlySpan{float},
    /// ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/> followed by <see cref="Bias.Add(Span{float},
    /// ReadOnlySpan{float}, int, int)"/> and <see cref="Activations.Forward(Span{float}, Activation)"/>, but on
    /// AVX2 the bias and ReLU are applied as each tile of C leaves the registers, saving two passes over C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyNNBiasActivation(ReadOnlySpan<float> a, ReadOnlySpan<float> b,
        ReadOnlySpan<float> bias, Span<float> c, int m, int k, int n, Activation? activation)
    {
        if (Backend == GemmBackend.OpenBlas)
        {
            MultiplyNN(a, b, c, m, k, n);
            Bias.Add(c, bias, m, n);
            if (activation is { } function)
            {
                Activations.Forward(c[..(m * n)], function);
            }

            return;
        }

        MultiplyNNBiasActivation(a, b, bias, c, m, k, n, activation, KernelSelector.Active);
    }

    /// <inheritdoc cref="MultiplyNNBiasActivation(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float},
    /// Span{float}, int, int, int, Activation?)"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyNNBiasActivation(ReadOnlySpan<float> a, ReadOnlySpan<float> b,
        ReadOnlySpan<float> bias, Span<float> c, int m, int k, int n, Activation? activation, KernelPath path)
    {
        Validate(a, b, c, m, k, n, (long)m * k, (long)k * n);
        if (bias.Length < n)
        {
            throw new ArgumentException($"The bias has {bias.Length} elements; n={n} needs {n}.", nameof(bias));
        }

        if (activation is { } checkedActivation && !Enum.IsDefined(checkedActivation))
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Not an activation.");
        }

        if (KernelSelector.Require(path) == KernelPath.Avx2 && m >= PackedMinRows)
        {
            fixed (float* pBias = bias)
            {
                var epilogue = new GemmPackedAvx2.Epilogue { Bias = pBias, Relu = activation == Activation.ReLU };
                MultiplyNNAvx2(a, b, c, m, k, n, false, epilogue);
            }

            if (activation is { } other && other != Activation.ReLU)
            {
                Activations.Forward(c[..(m * n)], other, path);
            }

            return;
        }

        MultiplyNN(a, b, c, m, k, n, false, path);
        Bias.Add(c, bias, m, n, path);
        if (activation is { } function)
        {
            Activations.Forward(c[..(m * n)], function, path);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyNNAvx2(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, bool accumulate, GemmPackedAvx2.Epilogue epilogue)
    {
        if (m < PackedMinRows)
        {
            GemmAvx2.MultiplyNN(a, b, c, m, k, n, accumulate);
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            GemmPackedAvx2.Multiply(pa, k, 1, pb, transposedB: false, pc, m, k, n, accumulate, epilogue);
        }
    }

    /// <summary>C[m×n] = A[m×k] · B[n×k]ᵀ (plus C when accumulating).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyNT(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, bool accumulate = false)
    {
        if (Backend == GemmBackend.OpenBlas)
        {
            Validate(a, b, c, m, k, n, (long)m * k, (long)n * k);
            GemmOpenBlas.MultiplyNT(a, b, c, m, k, n, accumulate);
            return;
        }

        MultiplyNT(a, b, c, m, k, n, accumulate, KernelSelector.Active);
    }

    /// <inheritdoc cref="MultiplyNT(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyNT(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, bool accumulate, KernelPath path)
    {
        Validate(a, b, c, m, k, n, (long)m * k, (long)n * k);
        switch (KernelSelector.Require(path))
        {
            case KernelPath.Avx2 when m < PackedMinRows:
                GemmAvx2.MultiplyNT(a, b, c, m, k, n, accumulate);
                break;
            case KernelPath.Avx2:
                fixed (float* pa = a)
                fixed (float* pb = b)
                fixed (float* pc = c)
                {
                    GemmPackedAvx2.Multiply(pa, k, 1, pb, transposedB: true, pc, m, k, n, accumulate, default);
                }

                break;
            case KernelPath.Vector128:
                GemmVector128.MultiplyNT(a, b, c, m, k, n, accumulate);
                break;
            default:
                GemmScalar.MultiplyNT(a, b, c, m, k, n, accumulate);
                break;
        }
    }

    /// <summary>C[m×n] = A[k×m]ᵀ · B[k×n] (plus C when accumulating).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyTN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, bool accumulate = false)
    {
        if (Backend == GemmBackend.OpenBlas)
        {
            Validate(a, b, c, m, k, n, (long)k * m, (long)k * n);
            GemmOpenBlas.MultiplyTN(a, b, c, m, k, n, accumulate);
            return;
        }

        MultiplyTN(a, b, c, m, k, n, accumulate, KernelSelector.Active);
    }

    /// <inheritdoc cref="MultiplyTN(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyTN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, bool accumulate, KernelPath path)
    {
        Validate(a, b, c, m, k, n, (long)k * m, (long)k * n);
        switch (KernelSelector.Require(path))
        {
            case KernelPath.Avx2 when m < PackedMinRows:
                GemmAvx2.MultiplyTN(a, b, c, m, k, n, accumulate);
                break;
            case KernelPath.Avx2:
                fixed (float* pa = a)
                fixed (float* pb = b)
                fixed (float* pc = c)
                {
                    GemmPackedAvx2.Multiply(pa, 1, m, pb, transposedB: false, pc, m, k, n, accumulate, default);
                }

                break;
            case KernelPath.Vector128:
                GemmVector128.MultiplyTN(a, b, c, m, k, n, accumulate);
                break;
            default:
                GemmScalar.MultiplyTN(a, b, c, m, k, n, accumulate);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Validate(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int k, int n, long aLength, long bLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (a.Length < aLength || b.Length < bLength || c.Length < (long)m * n)
        {
            throw new ArgumentException(
                $"Matrix spans are too short for m={m}, k={k}, n={n}: A has {a.Length} (needs {aLength}), " +
                $"B has {b.Length} (needs {bLength}), C has {c.Length} (needs {(long)m * n}).");
        }
    }
}

using System.Runtime.CompilerServices;

namespace MnistNet.Native;

/// <summary>
/// Parameter updates, element-wise over a parameter vector w and its gradient g of the same length.
/// <list type="bullet">
/// <item>SGD: w -= lr · g.</item>
/// <item>Momentum: v = μ · v + g; w -= lr · v.</item>
/// <item>Adam: m = β1 · m + (1 - β1) · g; v = β2 · v + (1 - β2) · g²;
/// w -= lr · (m / (1 - β1^t)) / (sqrt(v / (1 - β2^t)) + ε), where t is the 1-based step number.</item>
/// </list>
/// </summary>
public static class OptimizerKernels
{
    public static void SgdStep(Span<float> weights, ReadOnlySpan<float> gradient, float learningRate)
        => SgdStep(weights, gradient, learningRate, KernelSelector.Active);

    public static void SgdStep(Span<float> weights, ReadOnlySpan<float> gradient, float learningRate, KernelPath path)
    {
        RequireSameLength(weights.Length, gradient.Length);
        switch (KernelSelector.Require(path))
        {
            case KernelPath.Avx2:
                OptimizerKernelsAvx2.SgdStep(weights, gradient, learningRate);
                break;
            case KernelPath.Vector128:
                OptimizerKernelsVector128.SgdStep(weights, gradient, learningRate);
                break;
            default:
                OptimizerKernelsScalar.SgdStep(weights, gradient, learningRate);
                break;
        }
    }

    public static void MomentumStep(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> velocity,
        float learningRate, float momentum)
        => MomentumStep(weights, gradient, velocity, learningRate, momentum, KernelSelector.Active);

    public static void MomentumStep(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> velocity,
        float learningRate, float momentum, KernelPath path)
    {
        RequireSameLength(weights.Length, gradient.Length, velocity.Length);
        switch (KernelSelector.Require(path))
        {
            case KernelPath.Avx2:
                OptimizerKernelsAvx2.MomentumStep(weights, gradient, velocity, learningRate, momentum);
                break;
            case KernelPath.Vector128:
                OptimizerKernelsVector128.MomentumStep(weights, gradient, velocity, learningRate, momentum);
                break;
            default:
                OptimizerKernelsScalar.MomentumStep(weights, gradient, velocity, learningRate, momentum);
                break;
        }
    }

    /// <summary>
    /// One Adam step. When the parameters are a weight matrix of <paramref name="gradientRows"/> rows whose gradient
    /// came from <see cref="Gemm.MultiplyTN(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int,
    /// bool)"/>, passing that row count lets the update split the rows between threads as that product does when
    /// it splits rows (more rows than columns), so that each thread updates the gradient rows it has just written;
    /// 0 splits the elements evenly. When instead the parameters are blocks of <paramref name="blockLength"/>
    /// elements (the last may be shorter) that the threads own in a fixed order, as a network's column blocks are
    /// (thread t of n taking blocks [t·blocks/n, (t+1)·blocks/n) when there are no more threads than blocks), the
    /// update gives each thread its own blocks. The result is the same either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AdamStep(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> firstMoment,
        Span<float> secondMoment, float learningRate, float beta1, float beta2, float epsilon, long step,
        int gradientRows = 0, int blockLength = 0)
        => AdamStep(weights, gradient, firstMoment, secondMoment, learningRate, beta1, beta2, epsilon, step,
            KernelSelector.Active, gradientRows, blockLength);

    /// <inheritdoc cref="AdamStep(Span{float}, ReadOnlySpan{float}, Span{float}, Span{float}, float, float, float,
    /// float, long, int, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AdamStep(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> firstMoment,
        Span<float> secondMoment, float learningRate, float beta1, float beta2, float epsilon, long step,
        KernelPath path, int gradientRows = 0, int blockLength = 0)
    {
        RequireSameLength(weights.Length, gradient.Length, firstMoment.Length, secondMoment.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(gradientRows);
        ArgumentOutOfRangeException.ThrowIfNegative(blockLength);
        if (gradientRows > 0 && weights.Length % gradientRows != 0)
        {
            throw new ArgumentException(
                $"{weights.Length} parameters are not a matrix of {gradientRows} rows.", nameof(gradientRows));
        }

        if (gradientRows > 0 && blockLength > 0)
        {
            throw new ArgumentException("An update follows either gradient rows or blocks, not both.",
                nameof(blockLength));
        }

        KernelSelector.Require(path);

        // Blocks that threads own are updated by their owners whatever their size (another core reading them would
        // cost more than the job), and a single block by the calling thread; without blocks, the size decides.
        bool split = blockLength > 0 ? blockLength < weights.Length : weights.Length >= ParallelLength;
        if (split && KernelThreads.ThreadCount > 1)
        {
            AdamStepInParts(weights, gradient, firstMoment, secondMoment, learningRate, beta1, beta2, epsilon, step,
                path, gradientRows, blockLength);
            return;
        }

        AdamStepOnOneThread(weights, gradient, firstMoment, secondMoment, learningRate, beta1, beta2, epsilon, step,
            path);
    }

    // Each part streams four arrays through the cache; below ~32 K parameters waking a worker costs more.
    private const int ParallelLength = 32 * 1024;

    private unsafe struct AdamJob
    {
        public float* Weights;
        public float* Gradient;
        public float* FirstMoment;
        public float* SecondMoment;
        public int Length;
        public float LearningRate;
        public float Beta1;
        public float Beta2;
        public float Epsilon;
        public long Step;
        public KernelPath Path;
        public int GradientRows;
        public int BlockLength;
    }

    /// <summary>
    /// Adam in contiguous parts on the kernel threads: the row bands of the weight-gradient product when
    /// <paramref name="gradientRows"/> is given, the owners' runs of blocks when <paramref name="blockLength"/> is,
    /// else even parts that start at multiples of 8. Every path computes each element independently of its
    /// neighbours and bit-identically to the reference, so any split gives the same bits as one thread.
    /// </summary>
    /// <remarks>
    /// A weight gradient split into row bands is written in eight bands, alternately by each thread, and even
    /// quarters left half of every thread's update reading rows from the other core's cache. Following the bands, a
    /// training step's updates took 2 to 3 us less on two threads (39 against 42 us, medians of eight alternating
    /// rounds in one process, AMD EPYC host, MNIST's first layer when it was kept row-major). Owned blocks go
    /// further: no other core has read or written them since the thread's last update.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void AdamStepInParts(Span<float> weights, ReadOnlySpan<float> gradient,
        Span<float> firstMoment, Span<float> secondMoment, float learningRate, float beta1, float beta2,
        float epsilon, long step, KernelPath path, int gradientRows, int blockLength)
    {
        fixed (float* w = weights)
        fixed (float* g = gradient)
        fixed (float* m = firstMoment)
        fixed (float* v = secondMoment)
        {
            var job = new AdamJob
            {
                Weights = w,
                Gradient = g,
                FirstMoment = m,
                SecondMoment = v,
                Length = weights.Length,
                LearningRate = learningRate,
                Beta1 = beta1,
                Beta2 = beta2,
                Epsilon = epsilon,
                Step = step,
                Path = path,
                GradientRows = gradientRows,
                BlockLength = blockLength,
            };
            (int maxParts, int partsPerThread) = gradientRows > 0 ? GemmPackedAvx2.RowParts(gradientRows)
                : blockLength > 0 ? (BlockCount(weights.Length, blockLength), 1)
                : (2 * KernelThreads.ThreadCount, 1);
            KernelThreads.Run(&AdamPart, &job, maxParts, partsPerThread);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void AdamPart(void* context, int part, int parts)
    {
        ref AdamJob job = ref System.Runtime.CompilerServices.Unsafe.AsRef<AdamJob>(context);
        int start, end;
        if (job.GradientRows > 0)
        {
            int rowLength = job.Length / job.GradientRows;
            (int firstRow, int endRow) = GemmPackedAvx2.RowBand(job.GradientRows, part, parts);
            (start, end) = (firstRow * rowLength, endRow * rowLength);
        }
        else if (job.BlockLength > 0)
        {
            int blocks = BlockCount(job.Length, job.BlockLength);
            start = (int)Math.Min(job.Length, (long)blocks * part / parts * job.BlockLength);
            end = (int)Math.Min(job.Length, (long)blocks * (part + 1) / parts * job.BlockLength);
        }
        else
        {
            int blocks = (job.Length + 7) / 8;
            start = Math.Min(job.Length, (int)((long)blocks * part / parts) * 8);
            end = Math.Min(job.Length, (int)((long)blocks * (part + 1) / parts) * 8);
        }

        int length = end - start;

        // Split by rows, the other thread's half of the forward product has just read many of these weights.
        // Claiming their lines in one pass first halved Adam's time on two threads (99-103 us a step against 51-54
        // on MNIST's first layer, toggled in one process); the update's own stores, behind a division each, stalled
        // on them. A thread's own blocks were read by no other core.
        if (job.BlockLength == 0)
        {
            CacheLines.Claim(job.Weights + start, length);
        }

        AdamStepOnOneThread(new Span<float>(job.Weights + start, length),
            new ReadOnlySpan<float>(job.Gradient + start, length), new Span<float>(job.FirstMoment + start, length),
            new Span<float>(job.SecondMoment + start, length), job.LearningRate, job.Beta1, job.Beta2, job.Epsilon,
            job.Step, job.Path);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int BlockCount(int length, int blockLength) => (int)(((long)length + blockLength - 1) / blockLength);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AdamStepOnOneThread(Span<float> weights, ReadOnlySpan<float> gradient,
        Span<float> firstMoment, Span<float> secondMoment, float learningRate, float beta1, float beta2,
        float epsilon, long step, KernelPath path)
    {
        switch (path)
        {
            case KernelPath.Avx2:
                OptimizerKernelsAvx2.AdamStep(weights, gradient, firstMoment, secondMoment, learningRate, beta1,
                    beta2, epsilon, step);
                break;
            case KernelPath.Vector128:
                OptimizerKernelsVector128.AdamStep(weights, gradient, firstMoment, secondMoment, learningRate, beta1,
                    beta2, epsilon, step);
                break;
            default:
                OptimizerKernelsScalar.AdamStep(weights, gradient, firstMoment, secondMoment, learningRate, beta1,
                    beta2, epsilon, step);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RequireSameLength(params ReadOnlySpan<int> lengths)
    {
        foreach (int length in lengths)
        {
            if (length != lengths[0])
            {
                throw new ArgumentException(
                    "Parameter, gradient and state spans must have one length; got " +
                    $"{string.Join(", ", lengths.ToArray())}.");
            }
        }
    }
}

/// <summary>The reference parameter updates.</summary>
internal static class OptimizerKernelsScalar
{
    public static void SgdStep(Span<float> weights, ReadOnlySpan<float> gradient, float learningRate)
    {
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] -= learningRate * gradient[i];
        }
    }

    public static void MomentumStep(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> velocity,
        float learningRate, float momentum)
    {
        for (int i = 0; i < weights.Length; i++)
        {
            velocity[i] = momentum * velocity[i] + gradient[i];
            weights[i] -= learningRate * velocity[i];
        }
    }

    public static void AdamStep(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> firstMoment,
        Span<float> secondMoment, float learningRate, float beta1, float beta2, float epsilon, long step)
    {
        (float stepSize, float scaledEpsilon) = AdamScales(learningRate, beta1, beta2, epsilon, step);
        AdamUpdate(weights, gradient, firstMoment, secondMoment, beta1, beta2, stepSize, scaledEpsilon);
    }

    /// <summary>
    /// The bias corrections folded into one step size, so the loop does one division per element:
    /// lr · m̂ / (sqrt(v̂) + ε) = stepSize · m / (sqrt(v) + scaledEpsilon).
    /// Shared by every path so that they agree.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static (float StepSize, float ScaledEpsilon) AdamScales(float learningRate, float beta1, float beta2,
        float epsilon, long step)
    {
        float correction1 = 1f - MathF.Pow(beta1, step);
        float correction2 = 1f - MathF.Pow(beta2, step);
        return (learningRate * MathF.Sqrt(correction2) / correction1, epsilon * MathF.Sqrt(correction2));
    }

    /// <summary>The smallest positive normal float, 2^-126; below it (and above 0) floats are subnormal.</summary>
    internal const float SmallestNormal = 1.17549435e-38f;

    /// <summary>
    /// The Adam update with the step size and epsilon of <see cref="AdamScales"/> already applied. A moment whose
    /// magnitude falls below <see cref="SmallestNormal"/> is set to +0. Without that, the first moment of an input
    /// that is rarely non-zero (a pixel near the edge) decays through the subnormal range for over a hundred steps,
    /// and arithmetic on subnormals is many times slower on common processors: on MNIST a few thousand of the first
    /// layer's moments were subnormal at any time, and Adam on one thread took 69-81 us a step instead of 53-59.
    /// The update a subnormal first moment makes is below 1e-30, and zeroing a second moment moves sqrt(v) by less
    /// than 1.1e-19, far below ε. NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AdamUpdate(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> firstMoment,
        Span<float> secondMoment, float beta1, float beta2, float stepSize, float scaledEpsilon)
    {
        for (int i = 0; i < weights.Length; i++)
        {
            float g = gradient[i];
            float first = beta1 * firstMoment[i] + (1f - beta1) * g;
            float second = beta2 * secondMoment[i] + (1f - beta2) * g * g;
            firstMoment[i] = first = MathF.Abs(first) < SmallestNormal ? 0f : first;
            secondMoment[i] = second = second < SmallestNormal ? 0f : second;
            weights[i] -= stepSize * first / (MathF.Sqrt(second) + scaledEpsilon);
        }
    }
}

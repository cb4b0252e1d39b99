using System.Runtime.CompilerServices;

namespace MnistNet.Training;

/// <summary>How the learning rate changes over a training run.</summary>
public enum LearningRateScheduleKind
{
    /// <summary>The base rate throughout.</summary>
    Constant,

    /// <summary>The base rate times the step factor once per interval: lr · factor^⌊t / interval⌋.</summary>
    Step,

    /// <summary>Half a cosine from the base rate to 0 at the end of training: lr · (1 + cos(π t / T)) / 2.</summary>
    Cosine,

    /// <summary>
    /// One cycle: a linear rise from lr / 25 to lr over the first 30% of the steps, then half a cosine down to
    /// lr / 10,000 at the end.
    /// </summary>
    OneCycle,
}

/// <summary>
/// The learning rate for each update of a run, counted in updates (batches), so the rate moves smoothly within an
/// epoch. An optional linear warm-up comes first: over its W updates the rate climbs in equal steps to the rate the
/// schedule starts from, reaching it at update W; the schedule then runs over the updates that remain, with t
/// counted from the end of the warm-up.
/// </summary>
public sealed class LearningRateSchedule
{
    public const double OneCycleRisingShare = 0.3;
    public const double OneCycleStartDivisor = 25;
    public const double OneCycleEndDivisor = 10_000;

    private readonly int _scheduledSteps;

    /// <param name="totalSteps">Updates in the whole run, warm-up included.</param>
    /// <param name="warmupSteps">Updates of linear warm-up at the start; 0 for none.</param>
    /// <param name="stepInterval">For the Step schedule: updates between reductions.</param>
    /// <param name="stepFactor">For the Step schedule: what each reduction multiplies by.</param>
    public LearningRateSchedule(LearningRateScheduleKind kind, double baseRate, long totalSteps, int warmupSteps = 0,
        long stepInterval = 1, double stepFactor = 0.5)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown learning rate schedule.");
        }

        if (!(baseRate > 0) || double.IsInfinity(baseRate))
        {
            throw new ArgumentOutOfRangeException(nameof(baseRate), baseRate, "The learning rate must be positive.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(totalSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(stepInterval, 1);
        if (!(stepFactor > 0) || double.IsInfinity(stepFactor))
        {
            throw new ArgumentOutOfRangeException(nameof(stepFactor), stepFactor, "The step factor must be positive.");
        }

        Kind = kind;
        BaseRate = baseRate;
        TotalSteps = totalSteps;
        WarmupSteps = warmupSteps;
        StepInterval = stepInterval;
        StepFactor = stepFactor;
        _scheduledSteps = (int)Math.Clamp(totalSteps - warmupSteps, 1, int.MaxValue);
    }

    public LearningRateScheduleKind Kind { get; }

    public double BaseRate { get; }

    public long TotalSteps { get; }

    public int WarmupSteps { get; }

    public long StepInterval { get; }

    public double StepFactor { get; }

    /// <summary>The rate for update <paramref name="step"/>, counted from 0 at the start of the run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double RateAt(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps)
        {
            return ScheduledRate(0) * (step + 1) / WarmupSteps;
        }

        return ScheduledRate(step - WarmupSteps);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double ScheduledRate(long t) => Kind switch
    {
        LearningRateScheduleKind.Step => BaseRate * Math.Pow(StepFactor, t / StepInterval),
        LearningRateScheduleKind.Cosine => BaseRate * HalfCosine(t, _scheduledSteps),
        LearningRateScheduleKind.OneCycle => OneCycleRate(t),
        _ => BaseRate,
    };

    private double OneCycleRate(long t)
    {
        long rising = Math.Max(1, (long)Math.Round(_scheduledSteps * OneCycleRisingShare));
        double start = BaseRate / OneCycleStartDivisor;
        if (t < rising)
        {
            return start + (BaseRate - start) * t / rising;
        }

        double end = BaseRate / OneCycleEndDivisor;
        return end + (BaseRate - end) * HalfCosine(t - rising, Math.Max(1, _scheduledSteps - rising));
    }

    /// <summary>Falls from 1 at t = 0 to 0 at t = length along half a cosine; stays at 0 past the end.</summary>
    private static double HalfCosine(long t, long length) =>
        0.5 * (1 + Math.Cos(Math.PI * Math.Min(t, length) / length));
}

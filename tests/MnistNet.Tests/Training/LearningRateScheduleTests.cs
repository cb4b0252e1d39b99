using MnistNet.Training;

namespace MnistNet.Tests.Training;

/// <summary>Every expected rate here was worked out by hand from the formulas the schedule documents.</summary>
public class LearningRateScheduleTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void ConstantKeepsTheBaseRate()
    {
        var schedule = new LearningRateSchedule(LearningRateScheduleKind.Constant, 0.1, totalSteps: 10);

        Assert.All(Enumerable.Range(0, 10), step => Assert.Equal(0.1, schedule.RateAt(step)));
    }

    [Fact]
    public void StepMultipliesByTheFactorOncePerInterval()
    {
        var schedule = new LearningRateSchedule(LearningRateScheduleKind.Step, 0.1, totalSteps: 10,
            stepInterval: 3, stepFactor: 0.5);

        double[] expected = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125];
        AssertRates(expected, schedule);
    }

    [Fact]
    public void CosineFallsAlongHalfACosine()
    {
        var schedule = new LearningRateSchedule(LearningRateScheduleKind.Cosine, 0.1, totalSteps: 12);

        Assert.Equal(0.1, schedule.RateAt(0), Tolerance);
        Assert.Equal(0.075, schedule.RateAt(4), Tolerance); // (1 + cos(π/3)) / 2 = 0.75
        Assert.Equal(0.05, schedule.RateAt(6), Tolerance); // (1 + cos(π/2)) / 2 = 0.5
        Assert.Equal(0.025, schedule.RateAt(8), Tolerance); // (1 + cos(2π/3)) / 2 = 0.25
    }

    [Fact]
    public void WarmupClimbsLinearlyToTheStartingRate()
    {
        var schedule = new LearningRateSchedule(LearningRateScheduleKind.Constant, 0.1, totalSteps: 10,
            warmupSteps: 4);

        AssertRates([0.025, 0.05, 0.075, 0.1, 0.1, 0.1], schedule);
    }

    [Fact]
    public void WarmupShiftsTheCosineToStartAfterIt()
    {
        var schedule = new LearningRateSchedule(LearningRateScheduleKind.Cosine, 0.1, totalSteps: 14,
            warmupSteps: 2);

        // Warm-up 0.05, 0.1; then the cosine over the remaining 12 steps, as in the test without warm-up.
        AssertRates([0.05, 0.1, 0.1], schedule);
        Assert.Equal(0.075, schedule.RateAt(6), Tolerance);
        Assert.Equal(0.05, schedule.RateAt(8), Tolerance);
    }

    [Fact]
    public void OneCycleRisesForThirtyPercentThenFalls()
    {
        var schedule = new LearningRateSchedule(LearningRateScheduleKind.OneCycle, 0.1, totalSteps: 20);

        // 6 rising steps from 0.1 / 25 = 0.004; then 14 falling steps towards 0.1 / 10,000 = 0.00001.
        Assert.Equal(0.004, schedule.RateAt(0), Tolerance);
        Assert.Equal(0.052, schedule.RateAt(3), Tolerance); // halfway: 0.004 + 0.096 / 2
        Assert.Equal(0.1, schedule.RateAt(6), Tolerance);
        Assert.Equal(0.050005, schedule.RateAt(13), Tolerance); // 7 of 14: 0.00001 + 0.09999 / 2
    }

    [Fact]
    public void OneCycleWarmupClimbsToTheCycleStart()
    {
        var schedule = new LearningRateSchedule(LearningRateScheduleKind.OneCycle, 0.1, totalSteps: 22,
            warmupSteps: 2);

        AssertRates([0.002, 0.004, 0.004], schedule);
    }

    [Fact]
    public void NonsenseSettingsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new LearningRateSchedule(LearningRateScheduleKind.Step, 0.1, 10, stepInterval: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new LearningRateSchedule(LearningRateScheduleKind.Constant, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new LearningRateSchedule(LearningRateScheduleKind.Step, 0.1, 10, stepFactor: -1));
    }

    private static void AssertRates(double[] expected, LearningRateSchedule schedule)
    {
        for (int step = 0; step < expected.Length; step++)
        {
            Assert.Equal(expected[step], schedule.RateAt(step), Tolerance);
        }
    }
}

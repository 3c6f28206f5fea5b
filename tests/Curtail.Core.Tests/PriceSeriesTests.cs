using Curtail.Core.Prices;

namespace Curtail.Core.Tests;

public class PriceSeriesTests
{
    private static readonly DateTimeOffset T0 = new(2023, 1, 1, 6, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(15);

    private static PriceSeries Make(int n) => PriceSeries.FromIntervals("HB_WEST",
        Enumerable.Range(0, n).Select(i => new PriceInterval(T0 + i * Step, T0 + (i + 1) * Step, i * 10)).ToList());

    [Fact]
    public void LookupIsHalfOpen()
    {
        var s = Make(4);
        Assert.Equal(0, s.PriceAt(T0));
        Assert.Equal(0, s.PriceAt(T0 + Step - TimeSpan.FromTicks(1)));
        Assert.Equal(10, s.PriceAt(T0 + Step));
        Assert.Equal(30, s.PriceAt(T0 + 4 * Step - TimeSpan.FromTicks(1)));
        Assert.Null(s.PriceAt(T0 + 4 * Step));
        Assert.Null(s.PriceAt(T0 - TimeSpan.FromTicks(1)));
    }

    [Fact]
    public void LookupFindsNothingInAGap()
    {
        var s = PriceSeries.FromIntervals("HB_WEST", [new(T0, T0 + Step, 1), new(T0 + 2 * Step, T0 + 3 * Step, 3)]);
        Assert.Null(s.PriceAt(T0 + Step));
        Assert.Null(s.UniformStep());
        Assert.Equal(Step, Make(5).UniformStep());
    }

    [Fact]
    public void OverlapsAndDisorderAreRefused()
    {
        Assert.Throws<ArgumentException>(() => PriceSeries.FromIntervals("HB_WEST", [new(T0, T0 + Step, 1), new(T0, T0 + Step, 2)]));
        Assert.Throws<ArgumentException>(() => PriceSeries.FromIntervals("HB_WEST", [new(T0 + Step, T0 + 2 * Step, 1), new(T0, T0 + Step, 2)]));
        Assert.Throws<ArgumentException>(() => PriceSeries.FromIntervals("HB_WEST", [new(T0, T0, 1)]));
    }

    [Fact]
    public void SliceAndConcatAreInverse()
    {
        var s = Make(10);
        var a = s.Slice(T0, T0 + 4 * Step);
        var b = s.Slice(T0 + 4 * Step, T0 + 10 * Step);
        Assert.Equal(4, a.Count);
        var joined = PriceSeries.Concat([b, a]);
        Assert.Equal(s.Prices.ToArray(), joined.Prices.ToArray());
    }
}

using Curtail.Core.Economics;

namespace Curtail.Core.Tests;

public class HashpriceSeriesTests
{
    [Fact]
    public void LooksUpByUtcDate()
    {
        var s = HashpriceSeries.Daily([(new DateOnly(2023, 1, 1), 0.06), (new DateOnly(2023, 1, 2), 0.07)]);
        Assert.Equal(0.06, s.AtUtcTicks(new DateTime(2023, 1, 1, 23, 59, 0, DateTimeKind.Utc).Ticks));
        Assert.Equal(0.07, s.AtUtcTicks(new DateTime(2023, 1, 2, 0, 0, 0, DateTimeKind.Utc).Ticks));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => s.On(new DateOnly(2023, 1, 3)));
        Assert.Contains("no hashprice for 2023-01-03", ex.Message);
    }

    [Fact]
    public void GapsAreRefused() =>
        Assert.Throws<ArgumentException>(() => HashpriceSeries.Daily([(new DateOnly(2023, 1, 1), 0.06), (new DateOnly(2023, 1, 3), 0.07)]));

    [Theory]
    [InlineData(1.0, 1.0)]
    [InlineData(0.8, 0.857)]
    [InlineData(0.6, 0.703)]
    [InlineData(0.5, 0.620)]
    public void HashrateFollowsThePowerLawOfTheReference(double power, double hashrate) =>
        Assert.Equal(hashrate, PowerHashrateModel.HashrateFraction(power), 3);
}

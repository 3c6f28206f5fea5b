using Curtail.Controller.Cycle;

namespace Curtail.Controller.Tests;

/// <summary>An OpenADR PRICE interval overrides the price the policy acts on while it lasts, and only then.</summary>
public sealed class SignalPriceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 1, 19, 0, 0, TimeSpan.Zero);
    private static readonly IReadOnlyList<ScedRun> Held = [new(T0.AddMinutes(-5), 40), new(T0, 42), new(T0.AddMinutes(5), 45)];
    private static readonly SignalPrice Signal = new(T0.AddMinutes(2), T0.AddMinutes(17), 5000, "OpenADR price of event e1 (ercot-dr)");

    [Fact]
    public void During_the_interval_the_signal_price_is_the_latest_run_and_later_SCED_runs_give_way()
    {
        var now = T0.AddMinutes(7);
        var runs = SignalPrice.Apply(Held, [Signal], now);
        Assert.Equal([40, 42, 5000], runs.Select(r => r.Lmp));
        Assert.Equal(now, runs[^1].Time);
        var acted = ActedPrice.From(new CycleInputs
        {
            Now = now, SettledPrices = [38], LastSettledIntervalStart = T0.AddMinutes(-15), Sced = runs, HashpriceUsdPerThDay = 0.05, Groups = [],
            Trading = new Curtail.Controller.Trading.TradingSettings(150, 100, 1, null), SiteLoadKw = 0,
        })!;
        Assert.Equal(5000, acted.Price);
        Assert.Equal("OpenADR price of event e1 (ercot-dr): 5000.00 $/MWh", acted.ToString());
    }

    [Fact]
    public void Outside_the_interval_the_SCED_runs_stand()
    {
        Assert.Same(Held, SignalPrice.Apply(Held, [Signal], T0.AddMinutes(1)));
        Assert.Same(Held, SignalPrice.Apply(Held, [Signal], T0.AddMinutes(17)));
    }
}

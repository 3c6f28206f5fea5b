using Curtail.Core.Decisions;
using Curtail.Core.Fleet;
using Curtail.Core.Sites;

namespace Curtail.Core.Economics;

/// <summary>Energy, hash revenue and energy cost of one group over one interval.</summary>
public readonly record struct GroupOutcome(double EnergyMwh, double HashRevenueUsd, double EnergyCostUsd);

/// <summary>
/// The site's money model (docs/economics.md). Per interval of h hours, a group at power P MW and hashrate H TH/s:
/// energy cost = P·h·(price + adder); hash revenue = H·hashprice(UTC date of the interval start)·h/24·(1 − pool_fee).
/// A fixed contract buys the full site load at the fixed price and sells the unused part back at the real-time price,
/// which adds Q·(fixed − price) for the contracted energy Q and leaves the marginal cost of running unchanged.
/// </summary>
public sealed class IntervalEconomics
{
    private readonly double[] _fullPowerMw;
    private readonly double[] _revenuePerHourPerHashprice;
    private readonly double _adder;
    private readonly double _siteFullPowerMw;
    private readonly double? _fixedPrice;

    public IntervalEconomics(SiteDefinition site)
    {
        Fleet = site.Fleet;
        _fullPowerMw = site.Fleet.Select(g => g.FullPowerMw).ToArray();
        _revenuePerHourPerHashprice = site.Fleet.Select(g => g.FullHashrateTh * (1 - site.Economics.PoolFee) / 24).ToArray();
        _adder = site.Energy.AdderUsdPerMwh;
        _siteFullPowerMw = _fullPowerMw.Sum();
        _fixedPrice = site.Energy.Contract == EnergyContract.Fixed ? site.Energy.FixedPriceUsdPerMwh : null;
        Timing = new TransitionTiming(site.Constraints);
    }

    public IReadOnlyList<FleetGroup> Fleet { get; }
    public TransitionTiming Timing { get; }
    public double AdderUsdPerMwh => _adder;

    /// <summary>Hash revenue per hour of one group at nameplate for a hashprice.</summary>
    public double RevenuePerHourAtFull(int group, double hashprice) => _revenuePerHourPerHashprice[group] * hashprice;

    /// <summary>Energy cost per hour of one group at nameplate for a price.</summary>
    public double CostPerHourAtFull(int group, double price) => _fullPowerMw[group] * (price + _adder);

    /// <summary>The price at which running group <paramref name="group"/> at full power earns nothing.</summary>
    public double BreakevenPrice(int group, double hashprice) => _revenuePerHourPerHashprice[group] * hashprice / _fullPowerMw[group] - _adder;

    public GroupOutcome Account(int group, in GroupState state, long startTicks, long endTicks, double price, double hashprice)
    {
        var length = endTicks - startTicks;
        var hours = length / (double)TimeSpan.TicksPerHour;
        var elapsed = startTicks - state.SinceTicks;
        var fullMw = _fullPowerMw[group];
        if (!state.IsRunning)
        {
            var sleepEnergy = fullMw * Timing.SleepHours(elapsed, length);
            return new GroupOutcome(sleepEnergy, 0, sleepEnergy * (price + _adder));
        }
        var wakeHours = Timing.WakeHours(elapsed, length);
        var hashHours = hours - wakeHours;
        var f = state.PowerFraction;
        var energy = fullMw * wakeHours + fullMw * f * hashHours;
        var revenue = _revenuePerHourPerHashprice[group] * hashprice * PowerHashrateModel.HashrateFraction(f) * hashHours;
        return new GroupOutcome(energy, revenue, energy * (price + _adder));
    }

    /// <summary>The part of a fixed contract's cost that does not depend on decisions: Q·(fixed − price); 0 on index.</summary>
    public double ContractCostUsd(long startTicks, long endTicks, double price)
    {
        if (_fixedPrice is not { } fixedPrice) return 0;
        var contractedMwh = _siteFullPowerMw * (endTicks - startTicks) / TimeSpan.TicksPerHour;
        return contractedMwh * (fixedPrice - price);
    }
}

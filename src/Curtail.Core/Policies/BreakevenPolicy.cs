using Curtail.Core.Decisions;
using Curtail.Core.Fleet;
using Curtail.Core.Sites;

namespace Curtail.Core.Policies;

/// <summary>
/// A strike per group and day: the energy price at which the group's hash revenue equals its energy cost on that day's
/// hashprice, times <c>breakeven_margin</c>. Less efficient groups get lower strikes and curtail first.
/// </summary>
public sealed class BreakevenPolicy : ICurtailmentPolicy
{
    private readonly double[] _revenuePerMwhPerHashprice;
    private readonly double _adder;
    private readonly double _margin;
    private readonly int _confirm;
    private readonly double? _hardCap;
    private readonly double[] _strikes;
    private double _strikesHashprice = double.NaN;

    public BreakevenPolicy(IReadOnlyList<FleetGroup> fleet, double poolFee, double adderUsdPerMwh, double margin, int confirmIntervals, double? hardCap)
    {
        if (margin <= 0) throw new ArgumentException("breakeven_margin must be positive");
        // Revenue per MWh consumed at nameplate, per unit of hashprice: (TH/s · (1 − fee) / 24 h) / MW.
        _revenuePerMwhPerHashprice = fleet.Select(g => g.HashrateTh * (1 - poolFee) / 24 / (g.PowerW / 1e6)).ToArray();
        _adder = adderUsdPerMwh;
        _margin = margin;
        _confirm = Math.Max(1, confirmIntervals);
        _hardCap = hardCap;
        _strikes = new double[fleet.Count];
    }

    public static BreakevenPolicy From(SiteDefinition site) =>
        new(site.Fleet, site.Economics.PoolFee, site.Energy.AdderUsdPerMwh, site.Policy.BreakevenMargin, site.Policy.ConfirmIntervals, site.Policy.HardCapUsdPerMwh);

    public string Name => "breakeven";

    /// <summary>The group's strike in $/MWh for a day's hashprice.</summary>
    public double StrikeFor(int group, double hashpriceUsdPerThDay) =>
        _margin * (_revenuePerMwhPerHashprice[group] * hashpriceUsdPerThDay - _adder);

    public void Decide(in DecisionInputs inputs, ReadOnlySpan<GroupState> groups, Span<GroupIntent> intents)
    {
        // Strikes change only with the day's hashprice: recompute them when it changes, not every interval.
        if (inputs.HashpriceUsdPerThDay != _strikesHashprice)
        {
            for (var g = 0; g < _strikes.Length; g++) _strikes[g] = StrikeFor(g, inputs.HashpriceUsdPerThDay);
            _strikesHashprice = inputs.HashpriceUsdPerThDay;
        }
        for (var g = 0; g < groups.Length; g++)
            intents[g] = StrikeRule.Apply(inputs.DecisionPrices, groups[g].IsRunning, _strikes[g], _strikes[g], _confirm, _hardCap);
    }
}

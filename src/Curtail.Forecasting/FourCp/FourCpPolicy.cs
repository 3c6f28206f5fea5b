using Curtail.Core.Decisions;
using Curtail.Core.Policies;
using Curtail.Core.Prices;
using Curtail.Core.Time;

namespace Curtail.Forecasting.FourCp;

/// <summary>The `4cp` setting: which hours to watch and how many hours a month the site may give up for it.</summary>
public sealed record FourCpSettings
{
    /// <summary>Curtail an hour whose peak probability is at least this.</summary>
    public double ProbabilityThreshold { get; init; } = 0.05;

    /// <summary>Curtailed hours per peak month spent on 4CP watch, at most.</summary>
    public double MonthlyBudgetHours { get; init; } = 12;

    /// <summary>Transmission charge per kW of 4CP demand per year, for the avoided-cost report.</summary>
    public double RateUsdPerKwYear { get; init; } = FourCpReport.DefaultRateUsdPerKwYear;

    public void Validate()
    {
        if (ProbabilityThreshold is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(ProbabilityThreshold), ProbabilityThreshold, "4CP probability threshold must be in (0, 1]");
        if (MonthlyBudgetHours < 0) throw new ArgumentOutOfRangeException(nameof(MonthlyBudgetHours), MonthlyBudgetHours, "4CP monthly budget cannot be negative");
        if (RateUsdPerKwYear < 0) throw new ArgumentOutOfRangeException(nameof(RateUsdPerKwYear));
    }
}

/// <summary>
/// Wraps a price policy: in the peak months it curtails every group through hours likely to be the month's
/// system peak, while the month's budget of 4CP hours lasts; otherwise the inner policy decides.
/// </summary>
public sealed class FourCpPolicy : ICurtailmentPolicy
{
    private readonly ICurtailmentPolicy _inner;
    private readonly FourCpPeakModel _model;
    private readonly Func<PriceSeries> _load;
    private readonly FourCpSettings _settings;
    private readonly Dictionary<(int Year, int Month), double> _usedHours = [];
    private long _cachedHour = long.MinValue;
    private double _cachedProbability;

    public FourCpPolicy(ICurtailmentPolicy inner, FourCpPeakModel model, Func<PriceSeries> hourlyLoadForecast, FourCpSettings settings)
    {
        settings.Validate();
        _inner = inner;
        _model = model;
        _load = hourlyLoadForecast;
        _settings = settings;
    }

    public string Name => $"{_inner.Name}+4cp";

    /// <summary>4CP hours spent per month so far.</summary>
    public IReadOnlyDictionary<(int Year, int Month), double> UsedHours => _usedHours;

    public void Decide(in DecisionInputs inputs, ReadOnlySpan<GroupState> groups, Span<GroupIntent> intents)
    {
        _inner.Decide(inputs, groups, intents);
        var start = new DateTimeOffset(inputs.IntervalStartTicks, TimeSpan.Zero);
        var hour = inputs.IntervalStartTicks - inputs.IntervalStartTicks % TimeSpan.TicksPerHour;
        if (hour != _cachedHour)
        {
            _cachedHour = hour;
            _cachedProbability = _model.HourProbability(_load(), start);
        }
        if (_cachedProbability < _settings.ProbabilityThreshold) return;
        var local = CentralPrevailingTime.ToLocal(start);
        var key = (local.Year, local.Month);
        var hours = (inputs.IntervalEndTicks - inputs.IntervalStartTicks) / (double)TimeSpan.TicksPerHour;
        var used = _usedHours.GetValueOrDefault(key);
        if (used + hours > _settings.MonthlyBudgetHours + 1e-9) return;
        _usedHours[key] = used + hours;
        for (var g = 0; g < groups.Length; g++)
            intents[g] = GroupIntent.Curtail(DecisionReason.FourCpWindow);
    }
}

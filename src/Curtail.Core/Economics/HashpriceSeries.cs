namespace Curtail.Core.Economics;

/// <summary>Hashprice in USD per TH/s per day, by UTC calendar date: either one constant or a daily series.</summary>
public sealed class HashpriceSeries
{
    private readonly int _firstDayNumber;
    private readonly double[] _byDay;
    private readonly double? _constant;

    private HashpriceSeries(int firstDayNumber, double[] byDay, double? constant)
    {
        _firstDayNumber = firstDayNumber;
        _byDay = byDay;
        _constant = constant;
    }

    public static HashpriceSeries Constant(double usdPerThDay) => new(0, [], usdPerThDay);

    /// <summary>A daily series; dates must be consecutive with no gaps.</summary>
    public static HashpriceSeries Daily(IReadOnlyList<(DateOnly Date, double UsdPerThDay)> days)
    {
        if (days.Count == 0) throw new ArgumentException("hashprice series is empty");
        var first = days[0].Date.DayNumber;
        var values = new double[days.Count];
        for (var i = 0; i < days.Count; i++)
        {
            if (days[i].Date.DayNumber != first + i)
                throw new ArgumentException($"hashprice series has a gap or is out of order at {days[i].Date:yyyy-MM-dd}");
            values[i] = days[i].UsdPerThDay;
        }
        return new HashpriceSeries(first, values, null);
    }

    public bool IsConstant => _constant.HasValue;
    public DateOnly? FirstDate => _constant.HasValue ? null : DateOnly.FromDayNumber(_firstDayNumber);
    public DateOnly? LastDate => _constant.HasValue ? null : DateOnly.FromDayNumber(_firstDayNumber + _byDay.Length - 1);

    /// <summary>Hashprice of the UTC date containing <paramref name="utcTicks"/>.</summary>
    public double AtUtcTicks(long utcTicks)
    {
        if (_constant is { } c) return c;
        var day = (int)(utcTicks / TimeSpan.TicksPerDay) - _firstDayNumber;
        if ((uint)day >= (uint)_byDay.Length)
            throw new ArgumentOutOfRangeException(nameof(utcTicks),
                $"no hashprice for {new DateTime(utcTicks, DateTimeKind.Utc):yyyy-MM-dd} (series covers {FirstDate:yyyy-MM-dd}..{LastDate:yyyy-MM-dd})");
        return _byDay[day];
    }

    public double On(DateOnly utcDate) => AtUtcTicks(utcDate.DayNumber * TimeSpan.TicksPerDay);
}

using Curtail.Core.LoadFollowing;
using Curtail.Core.Sites;

namespace Curtail.Simulation.Backtest;

/// <summary>
/// The available power of a site's gensets over a backtest, genset by genset: a genset whose site file says
/// <c>available: &lt;csv&gt;</c> follows that profile, one read over Modbus is assumed at its rated power; a pooled profile
/// (<c>curtail genset backtest --genset-profile</c>, or its random walk) is shared out by rating instead. Each genset is
/// capped at its rated power. Relative profiles start at <see cref="Origin"/> and loop.
/// </summary>
public sealed class GensetSupply
{
    /// <summary>Samples per decision row for its mean available power (every 30 s of a 15-minute interval).</summary>
    public const int SamplesPerRow = 30;

    private readonly EnergySources _sources;
    private readonly GensetSupplyProfile?[] _profiles;
    private readonly GensetSupplyProfile? _pooled;

    private GensetSupply(EnergySources sources, GensetSupplyProfile?[] profiles, GensetSupplyProfile? pooled, DateTimeOffset origin)
    {
        _sources = sources;
        _profiles = profiles;
        _pooled = pooled;
        Origin = origin;
    }

    public DateTimeOffset Origin { get; }

    /// <summary>One profile shared by the gensets in proportion to their rating (null: every genset at its rated power).</summary>
    public GensetSupplyProfile? Pooled => _pooled;

    /// <summary>Genset by genset as the site file says (<paramref name="load"/> reads a profile path named there).</summary>
    public static GensetSupply FromSite(EnergySources sources, Func<string, GensetSupplyProfile> load, DateTimeOffset origin) =>
        new(sources, sources.Gensets.Select(g => g is { Availability: GensetAvailability.Profile, ProfileFile: { } f } ? load(f) : null).ToArray(), null, origin);

    /// <summary>Every genset at its rated power (a site whose gensets are read over Modbus).</summary>
    public static GensetSupply RatedPower(EnergySources sources, DateTimeOffset origin) =>
        new(sources, new GensetSupplyProfile?[sources.Gensets.Count], null, origin);

    /// <summary>One profile for the whole pool, shared by rating.</summary>
    public static GensetSupply Pool(EnergySources sources, GensetSupplyProfile pooled, DateTimeOffset origin) =>
        new(sources, new GensetSupplyProfile?[sources.Gensets.Count], pooled, origin);

    /// <summary>Each genset's available kW at <paramref name="time"/>.</summary>
    public void AvailableKwAt(DateTimeOffset time, Span<double> perGenset)
    {
        var rated = _sources.GensetRatedKw;
        var pooled = _pooled?.AvailableKwAt(time, Origin);
        for (var i = 0; i < perGenset.Length; i++)
        {
            var g = _sources.Gensets[i];
            var kw = pooled is { } p ? p * g.RatedKw / rated : _profiles[i]?.AvailableKwAt(time, Origin) ?? g.RatedKw;
            perGenset[i] = Math.Clamp(kw, 0, g.RatedKw);
        }
    }

    /// <summary>All gensets' available kW at <paramref name="time"/>.</summary>
    public double TotalKwAt(DateTimeOffset time)
    {
        Span<double> each = stackalloc double[_sources.Gensets.Count];
        AvailableKwAt(time, each);
        var sum = 0.0;
        foreach (var kw in each) sum += kw;
        return sum;
    }

    /// <summary>Each genset's available kW at each row's start: <c>[row][genset]</c>.</summary>
    public double[][] AtStarts(ReadOnlySpan<long> startTicks)
    {
        var rows = new double[startTicks.Length][];
        for (var r = 0; r < rows.Length; r++)
        {
            rows[r] = new double[_sources.Gensets.Count];
            AvailableKwAt(new DateTimeOffset(startTicks[r], TimeSpan.Zero), rows[r]);
        }
        return rows;
    }

    /// <summary>Each genset's mean available kW over each row [start, end): <c>[row][genset]</c>.</summary>
    public double[][] MeansOver(ReadOnlySpan<long> startTicks, ReadOnlySpan<long> endTicks)
    {
        var n = _sources.Gensets.Count;
        var rows = new double[startTicks.Length][];
        if (_pooled is null && _profiles.All(p => p is null))
        {
            var rated = _sources.Gensets.Select(g => g.RatedKw).ToArray();
            for (var r = 0; r < rows.Length; r++) rows[r] = rated;
            return rows;
        }
        var sample = new double[n];
        for (var r = 0; r < rows.Length; r++)
        {
            var mean = new double[n];
            var step = (endTicks[r] - startTicks[r]) / (double)SamplesPerRow;
            for (var k = 0; k < SamplesPerRow; k++)
            {
                AvailableKwAt(new DateTimeOffset(startTicks[r] + (long)(step * (k + 0.5)), TimeSpan.Zero), sample);
                for (var i = 0; i < n; i++) mean[i] += sample[i];
            }
            for (var i = 0; i < n; i++) mean[i] /= SamplesPerRow;
            rows[r] = mean;
        }
        return rows;
    }
}

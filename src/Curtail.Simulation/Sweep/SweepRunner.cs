using System.Collections.Concurrent;
using Curtail.Core;
using Curtail.Core.Policies;
using Curtail.Core.Sites;
using Curtail.Simulation.Backtest;

namespace Curtail.Simulation.Sweep;

/// <summary>One grid point of a sweep: the parameter values and what the site's policy earned there.</summary>
public sealed record SweepPoint(IReadOnlyList<double> Values, BacktestTotals Totals, double AlwaysOnProfitUsd, double OracleProfitUsd)
{
    public double? CaptureRatio => SimulationResult.CaptureRatioOf(Totals.ProfitUsd, AlwaysOnProfitUsd, OracleProfitUsd);
}

public sealed record SweepResult(IReadOnlyList<SweepParameter> Parameters, IReadOnlyList<SweepPoint> Points)
{
    public SweepPoint Best => Points.MaxBy(p => p.Totals.ProfitUsd)!;
}

/// <summary>Runs the site's policy at every point of a one- or two-parameter grid over the same prices, in parallel.</summary>
public static class SweepRunner
{
    public static SweepResult Run(BacktestInputs inputs, IReadOnlyList<SweepParameter> parameters, IProgress<int>? progress = null)
    {
        if (parameters.Count is < 1 or > 2) throw new InvalidInputException("--param", null, "give one or two parameters to sweep");
        if (parameters.Count == 2 && parameters[0].Key == parameters[1].Key)
            throw new InvalidInputException("--param", null, $"{parameters[0].Key} is given twice");
        foreach (var q in parameters.Where(q => q.Key is "policy.risk_weight" or "policy.horizon_intervals"))
            if (inputs.Site.Policy.Kind != PolicyKind.Forecast)
                throw new InvalidInputException("--param", null,
                    $"{q.Key} applies only to policy.kind: forecast (the site's policy is {SiteFileParser.PolicyKindName(inputs.Site.Policy.Kind)})");
        inputs = inputs.WithForecasting();
        var grid = Grid(parameters);
        var resumeSwept = parameters.Any(p => p.Key == "policy.resume_below_usd_per_mwh");
        var sites = grid.Select(values => SiteAt(inputs.Site, parameters, values, resumeSwept)).ToArray();

        // The economics table and the references depend only on economics and constraints; compute each distinct one once.
        var shared = new ConcurrentDictionary<(string, double, double?, double, OperatingConstraints), Lazy<Shared>>();
        Shared SharedFor(SiteDefinition site) => shared.GetOrAdd(
            (site.Name, site.Energy.AdderUsdPerMwh, site.Energy.FixedPriceUsdPerMwh, site.Economics.PoolFee, site.Constraints),
            _ => new Lazy<Shared>(() =>
            {
                var at = inputs.WithSite(site);
                var table = Backtester.TableFor(at);
                return new Shared(table,
                    Backtester.Run(at, new AlwaysOnPolicy(), table: table).ProfitUsd,
                    Backtester.Run(at, PolicyFactory.Create(at, PolicyKind.Oracle), table: table).ProfitUsd);
            })).Value;

        // Bad input (a model trained on the window, no load history for 4CP) fails here, once, not inside the parallel loop.
        foreach (var site in sites.DistinctBy(s => (s.Policy.Forecast, s.FourCpEnabled)))
            PolicyFactory.CreateForSite(inputs.WithSite(site));
        var points = new SweepPoint[grid.Length];
        var done = 0;
        Parallel.For(0, grid.Length, i =>
        {
            var at = inputs.WithSite(sites[i]);
            var refs = SharedFor(sites[i]);
            var totals = Backtester.Run(at, PolicyFactory.CreateForSite(at).Policy, table: refs.Table);
            points[i] = new SweepPoint(grid[i], totals, refs.AlwaysOnProfitUsd, refs.OracleProfitUsd);
            progress?.Report(Interlocked.Increment(ref done));
        });
        return new SweepResult(parameters, points);
    }

    private sealed record Shared(Core.Economics.EconomicsTable Table, double AlwaysOnProfitUsd, double OracleProfitUsd);

    private static double[][] Grid(IReadOnlyList<SweepParameter> parameters)
    {
        var first = parameters[0].Values();
        if (parameters.Count == 1) return first.Select(v => new[] { v }).ToArray();
        var second = parameters[1].Values();
        return first.SelectMany(a => second.Select(b => new[] { a, b })).ToArray();
    }

    private static SiteDefinition SiteAt(SiteDefinition site, IReadOnlyList<SweepParameter> parameters, double[] values, bool resumeSwept)
    {
        for (var k = 0; k < parameters.Count; k++)
            site = SweepParameter.Apply(site, parameters[k].Key, values[k], resumeSwept);
        var p = site.Policy;
        if (p.ResumeBelowUsdPerMwh > p.CurtailAboveUsdPerMwh)
            throw new InvalidInputException("--param", null,
                $"at {string.Join(", ", parameters.Select((q, k) => $"{q.Key}={values[k]}"))} the resume strike {p.ResumeBelowUsdPerMwh} is above the curtail strike {p.CurtailAboveUsdPerMwh}");
        return site;
    }
}

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
    /// <summary>The rule that moved the resume strike with the curtail strike, if one was given.</summary>
    public SweepCoupling? Coupling { get; init; }

    /// <summary>The resume strike each point ran with, when it followed the curtail strike by <see cref="Coupling"/>.</summary>
    public double? CoupledResume(SweepPoint p) => Coupling is { } c
        ? c.ResumeFor(p.Values[Parameters.ToList().FindIndex(q => q.Key == SweepCoupling.CurtailKey)])
        : null;

    public SweepPoint Best => Points.MaxBy(p => p.Totals.ProfitUsd)!;

    /// <summary>The default plateau tolerance: 0.2 percentage points of capture ratio.</summary>
    public const double DefaultPlateauCapturePoints = 0.2;

    /// <summary>
    /// Every setting whose profit is within <paramref name="captureRatioPoints"/> percentage points of capture ratio of
    /// the best one (that many hundredths of the best point's oracle-minus-always-on gain, in dollars). On a flat
    /// optimum these settings differ by noise, and naming one strike "best" would claim a precision the data lacks.
    /// </summary>
    public SweepPlateau Plateau(double captureRatioPoints = DefaultPlateauCapturePoints)
    {
        var best = Best;
        var room = best.OracleProfitUsd - best.AlwaysOnProfitUsd;
        // No room between always-on and the oracle (capture ratio undefined): a tenth of a percent of the best profit.
        var toleranceUsd = room > 0 ? room * captureRatioPoints / 100 : Math.Abs(best.Totals.ProfitUsd) * 0.001;
        return new SweepPlateau(captureRatioPoints, toleranceUsd,
            Points.Where(p => p.Totals.ProfitUsd >= best.Totals.ProfitUsd - toleranceUsd).ToList());
    }
}

/// <summary>The settings within a stated tolerance of the best one.</summary>
public sealed record SweepPlateau(double CaptureRatioPoints, double ToleranceUsd, IReadOnlyList<SweepPoint> Points)
{
    public bool Contains(SweepPoint p) => Points.Contains(p);

    /// <summary>The lowest and highest value of parameter <paramref name="k"/> across the plateau.</summary>
    public (double Low, double High) Range(int k) => (Points.Min(p => p.Values[k]), Points.Max(p => p.Values[k]));
}

/// <summary>Runs the site's policy at every point of a one- or two-parameter grid over the same prices, in parallel.</summary>
public static class SweepRunner
{
    public static SweepResult Run(BacktestInputs inputs, IReadOnlyList<SweepParameter> parameters, IProgress<int>? progress = null, SweepCoupling? coupling = null)
    {
        if (parameters.Count is < 1 or > 2) throw new InvalidInputException("--param", null, "give one or two parameters to sweep");
        if (parameters.Count == 2 && parameters[0].Key == parameters[1].Key)
            throw new InvalidInputException("--param", null, $"{parameters[0].Key} is given twice");
        foreach (var q in parameters)
            if (KindOf(q.Key) is { } only && inputs.Site.Policy.Kind != only)
                throw new InvalidInputException("--param", null,
                    $"{q.Key} applies only to policy.kind: {SiteFileParser.PolicyKindName(only)} (the site's policy is {SiteFileParser.PolicyKindName(inputs.Site.Policy.Kind)})");
        inputs = inputs.WithForecasting();
        var grid = Grid(parameters);
        var sites = grid.Select(values => SiteAt(inputs.Site, parameters, values, coupling)).ToArray();
        RefuseInvertedBands(sites, grid, parameters, inputs.Site, coupling);

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
        if (inputs.Site.Policy.Kind == PolicyKind.ForecastGated)
            foreach (var site in sites)
                if (site.Policy.Gates is var g && g.ResumeMarginUsdPerMwh < -g.CurtailMarginUsdPerMwh)
                    throw new InvalidInputException("--param", null,
                        $"at policy.curtail_margin_usd_per_mwh={g.CurtailMarginUsdPerMwh}, policy.resume_margin_usd_per_mwh={g.ResumeMarginUsdPerMwh} the resume strike is above the curtail strike");
        foreach (var site in sites.DistinctBy(s => (s.Policy.Forecast, s.Policy.Gates.VetoBelow > 0 || s.Policy.Gates.EarlyResumeBelow > 0, s.FourCpEnabled)))
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
        return new SweepResult(parameters, points) { Coupling = coupling };
    }

    /// <summary>The one policy kind a swept key belongs to, or null for a key every policy reads.</summary>
    private static PolicyKind? KindOf(string key) => key switch
    {
        "policy.risk_weight" or "policy.horizon_intervals" => PolicyKind.Forecast,
        "policy.curtail_margin_usd_per_mwh" or "policy.resume_margin_usd_per_mwh" or "policy.sced_confirm_runs"
            or "policy.veto_below" or "policy.early_resume_below" => PolicyKind.ForecastGated,
        _ => null,
    };

    private sealed record Shared(Core.Economics.EconomicsTable Table, double AlwaysOnProfitUsd, double OracleProfitUsd);

    private static double[][] Grid(IReadOnlyList<SweepParameter> parameters)
    {
        var first = parameters[0].Values();
        if (parameters.Count == 1) return first.Select(v => new[] { v }).ToArray();
        var second = parameters[1].Values();
        return first.SelectMany(a => second.Select(b => new[] { a, b })).ToArray();
    }

    private static SiteDefinition SiteAt(SiteDefinition site, IReadOnlyList<SweepParameter> parameters, double[] values, SweepCoupling? coupling)
    {
        for (var k = 0; k < parameters.Count; k++)
            site = SweepParameter.Apply(site, parameters[k].Key, values[k]);
        if (coupling is not null && site.Policy.CurtailAboveUsdPerMwh is { } curtail)
            site = site with { Policy = site.Policy with { ResumeBelowUsdPerMwh = coupling.ResumeFor(curtail) } };
        return site;
    }

    /// <summary>
    /// A resume strike above the curtail strike is refused by <c>simulate</c>; the sweep refuses the same settings, all
    /// of them named at once, and says how to sweep them instead of moving the resume strike behind the user's back.
    /// </summary>
    private static void RefuseInvertedBands(SiteDefinition[] sites, double[][] grid, IReadOnlyList<SweepParameter> parameters, SiteDefinition site,
        SweepCoupling? coupling)
    {
        var bad = Enumerable.Range(0, sites.Length).Where(i => sites[i].Policy.ResumeBelowUsdPerMwh > sites[i].Policy.CurtailAboveUsdPerMwh).ToList();
        if (bad.Count == 0) return;
        var named = bad.Take(5).Select(i => string.Join(", ", parameters.Select((q, k) => $"{q.Key}={grid[i][k]}"))
            + $" (resume {sites[i].Policy.ResumeBelowUsdPerMwh} > curtail {sites[i].Policy.CurtailAboveUsdPerMwh})");
        var hint = coupling is not null
            ? $"the rule {coupling.Rule} puts the resume strike above the curtail strike; use a positive band"
            : site.Policy is { CurtailAboveUsdPerMwh: { } c, ResumeBelowUsdPerMwh: { } r }
                ? $"the resume strike stays at the site's {r} unless told otherwise: start the grid at {r} or above, sweep {SweepCoupling.ResumeKey} too, " +
                  $"or move it with the curtail strike by {SweepCoupling.Option} resume=curtail-{(c - r).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)} (the site's band)"
                : "sweep the two strikes so that resume stays at or below curtail";
        throw new InvalidInputException("--param", null,
            $"{bad.Count} of {sites.Length} settings have a resume strike above the curtail strike, which simulate refuses: {string.Join("; ", named)}{(bad.Count > 5 ? "; ..." : "")}. {hint}");
    }
}

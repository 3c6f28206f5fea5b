using Curtail.Core.Sites;
using Curtail.Forecasting.FourCp;

namespace Curtail.Simulation.Backtest;

/// <summary>What a site is charged under one peak rule: its mean load at the rule's billing intervals, at the site's rate.</summary>
/// <param name="BilledBy">The rule that picks the billing intervals.</param>
/// <param name="Peaks">How many billing intervals fell in the window.</param>
/// <param name="SiteDemandMw">The site's mean load at them.</param>
/// <param name="ChargeUsd">SiteDemandMw × 1000 × rate: the charge the site pays.</param>
/// <param name="AvoidedUsd">(full load − SiteDemandMw) × 1000 × rate: the charge avoided against running through every peak.</param>
public sealed record PeakRuleCharge(string BilledBy, int Peaks, int Hits, double SiteDemandMw, double ChargeUsd, double AvoidedUsd);

/// <summary>One backtest of the site watching for <see cref="Rule"/>'s peaks, and what it would be charged under each rule compared.</summary>
public sealed record PeakRuleRun(string Rule, string Description, double ProfitUsd, double EnergyProfitDeltaUsd, double CurtailedHours, IReadOnlyList<PeakRuleCharge> Charges)
{
    /// <summary>The charge under the rule the run watched for.</summary>
    public PeakRuleCharge Own => Charges.First(c => c.BilledBy == Rule);
}

/// <summary>
/// Backtests the site once per peak rule (each run's watch avoids that rule's peaks with the site's threshold and
/// budget) and bills every run under every rule: the operator sees what each rule would cost on history, and what
/// watching for the wrong rule would cost. The rate is the site file's <c>rate_usd_per_kw_year</c> for all rules.
/// </summary>
public static class PeakRuleComparison
{
    public static IReadOnlyList<PeakRuleRun> Run(BacktestInputs inputs, IReadOnlyList<PeakRule> rules, PolicyKind? kind = null)
    {
        if (rules.Count == 0) throw new ArgumentException("no peak rule to compare");
        inputs = inputs.WithForecasting();
        var settings = inputs.Site.FourCp is { } f ? f with { Enabled = true } : FourCpSiteSettings.Default;
        var context = inputs.ForecastingOrShipped();
        var billing = rules.Select(r => (Rule: r, Peaks: context.BillingPeaks(inputs, r))).ToList();
        var runs = new List<PeakRuleRun>();
        double? withoutWatch = null;
        foreach (var rule in rules)
        {
            var site = inputs.Site with { FourCp = settings with { Rule = rule } };
            var result = SimulationRunner.Run(inputs.WithSite(site), kind, keepIntervals: true);
            var records = result.PolicyIntervals!;
            var starts = records.Select(r => r.StartTicks).ToArray();
            var power = records.Select(r => r.BilledMw).ToArray();
            var curtailed = result.FourCp?.CurtailedHours ?? 0;
            withoutWatch ??= SimulationRunner.Run(inputs.WithSite(inputs.Site with { FourCp = settings with { Enabled = false } }), kind).Policy.ProfitUsd;
            var charges = billing.Select(b =>
            {
                var report = FourCpReport.Compute(b.Peaks, starts, power, site.FullPowerMw, settings.RateUsdPerKwYear, curtailed);
                return new PeakRuleCharge(b.Rule.Name, report.Peaks.Count, report.Hits, report.SiteFourCpMw, report.SiteFourCpMw * 1000 * settings.RateUsdPerKwYear, report.AvoidedChargeUsd);
            }).ToList();
            runs.Add(new PeakRuleRun(rule.Name, rule.Describe(), result.Policy.ProfitUsd, result.Policy.ProfitUsd - withoutWatch.Value, curtailed, charges));
        }
        return runs;
    }
}

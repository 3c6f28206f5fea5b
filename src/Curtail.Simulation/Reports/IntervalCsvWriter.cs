using System.Globalization;
using Curtail.Core.Sites;
using Curtail.Core.Time;
using Curtail.Simulation.Backtest;

namespace Curtail.Simulation.Reports;

/// <summary>Writes a backtest's intervals as CSV, one row per interval, with each group's mode and reason.</summary>
public static class IntervalCsvWriter
{
    public static void Write(TextWriter w, SiteDefinition site, SimulationResult result)
    {
        var inv = CultureInfo.InvariantCulture;
        var records = result.PolicyIntervals ?? throw new ArgumentException("the simulation kept no intervals");
        w.Write("interval_start_utc,interval_start_local,price_usd_per_mwh,site_power_mw,running_fraction,energy_mwh,hash_revenue_usd,energy_cost_usd,profit_usd,cumulative_profit_usd,always_on_cumulative_profit_usd,oracle_cumulative_profit_usd");
        foreach (var g in site.Fleet) w.Write($",{g.Name}_power_fraction,{g.Name}_reason");
        w.WriteLine();
        double cum = 0, cumAlways = 0, cumOracle = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var r = records[i];
            cum += r.ProfitUsd;
            cumAlways += result.AlwaysOnIntervals![i].ProfitUsd;
            cumOracle += result.OracleIntervals![i].ProfitUsd;
            var start = new DateTimeOffset(r.StartTicks, TimeSpan.Zero);
            w.Write(string.Create(inv, $"{start:yyyy-MM-ddTHH:mmZ},{CentralPrevailingTime.ToLocal(start):yyyy-MM-ddTHH:mmzzz},{r.Price},{r.SitePowerMw:F4},{r.RunningFraction:F4},{r.EnergyMwh:F5},{r.HashRevenueUsd:F4},{r.EnergyCostUsd:F4},{r.ProfitUsd:F4},{cum:F2},{cumAlways:F2},{cumOracle:F2}"));
            for (var g = 0; g < site.Fleet.Count; g++)
                w.Write(string.Create(inv, $",{(r.Groups[g].IsRunning ? r.Groups[g].PowerFraction : 0):F3},{r.Reasons[g]}"));
            w.WriteLine();
        }
    }
}

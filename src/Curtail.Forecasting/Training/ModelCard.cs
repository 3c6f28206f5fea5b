using System.Globalization;
using System.Text;
using Curtail.Forecasting.Features;

namespace Curtail.Forecasting.Training;

/// <summary>Writes the markdown card that ships next to a model file.</summary>
public static class ModelCard
{
    public static string Render(TrainingResult result)
    {
        var inv = CultureInfo.InvariantCulture;
        var p = result.Plan;
        var m = result.Model;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"# Model card: {p.Name}");
        sb.AppendLine();
        sb.AppendLine(inv, $"- Settlement point: {m.Provenance.SettlementPoint}, 15-minute real-time SPP");
        sb.AppendLine(inv, $"- Training data: decision times {p.TrainFrom:yyyy-MM-dd HH:mm}Z to {p.TrainTo:yyyy-MM-dd HH:mm}Z, {result.TrainingRows:N0} rows (every {p.TrainStrideIntervals} intervals, {p.HorizonsPerDecision} random horizons each)");
        if (p.HoldoutFrom is { } hf && p.HoldoutTo is { } ht)
            sb.AppendLine(inv, $"- Held out: {hf:yyyy-MM-dd HH:mm}Z to {ht:yyyy-MM-dd HH:mm}Z, scored every {p.EvaluationStrideIntervals} intervals at all {p.Horizon} horizons");
        sb.AppendLine(inv, $"- Outputs: P10, P50, P90 and mean of the price of each of the next {p.Horizon} intervals; probability that it exceeds ${p.StrikePrice:F0}/MWh");
        sb.AppendLine(inv, $"- Learner: LightGBM 4.6 (native, from the Microsoft.ML.LightGbm 6.0.0 package) through its C API: objective `quantile` (alpha 0.1/0.5/0.9) for P10/P50/P90, `regression` (least squares) for the mean, `binary` for the spike probability");
        sb.AppendLine(inv, $"- Hyper-parameters: {p.Gbrt.Trees} rounds, ≤{p.Gbrt.Leaves} leaves, depth ≤{p.Gbrt.MaxDepth}, learning rate {p.Gbrt.LearningRate}, ≥{p.Gbrt.MinRowsPerLeaf} rows per leaf, L2 {p.Gbrt.L2}, bagging {p.Gbrt.RowSample}, ≤{p.Gbrt.MaxBins} bins, seed {p.Gbrt.Seed}, deterministic");
        sb.AppendLine(inv, $"- Training time: {result.TrainingTime.TotalSeconds:F1} s for the five models ({p.Gbrt.Threads} threads)");
        sb.AppendLine(inv, $"- Inputs present in training: {string.Join(", ", m.Provenance.InputsUsed)}");
        sb.AppendLine();
        sb.AppendLine("## Features (known at decision time)");
        sb.AppendLine();
        sb.AppendLine("| feature | splits using it |");
        sb.AppendLine("|---|---|");
        foreach (var (f, n) in result.FeatureUse) sb.AppendLine(inv, $"| {f} | {n} |");
        sb.AppendLine();
        sb.AppendLine("Caveats:");
        sb.AppendLine("- `load_target_hour` and `load_current_hour` are ERCOT's *actual* hourly native load, standing in for ERCOT's");
        sb.AppendLine("  load forecast, which is not in the shipped history. Live, feed the forecast; in backtests this is optimistic.");
        if (!m.Provenance.InputsUsed.Contains("sced_lmp"))
            sb.AppendLine("- SCED LMP history starts in 2024, after this model's training period, so it was trained without SCED: `sced_last` and `sced_mean_15m` were missing in every row. Live SCED values are accepted and routed as missing values were in training. RTD indicative LMPs (NP6-970-CD) have no history, so they are no trained feature of any model: live, the controller moves the forecast toward the latest RTD run where it covers an interval (docs/forecasting.md, \"RTD indicative LMPs\").");
        else
            sb.AppendLine("- SCED LMP history covers 2024 only, so `sced_last` and `sced_mean_15m` are present in the 2024 rows and missing in the earlier ones. RTD indicative LMPs (NP6-970-CD) have no history, so they cannot be a trained feature: live, the controller moves this model's forecast toward the latest RTD run where it covers an interval (docs/forecasting.md, \"RTD indicative LMPs\"); no backtest or held-out figure includes them.");
        sb.AppendLine("- The DAM price of the target hour is published the day before, so it is known for every horizon up to 24 intervals.");
        sb.AppendLine("- Hashprice is the previous UTC day's value.");
        if (result.HoldoutMetrics.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("## Held-out accuracy");
            sb.AppendLine();
            sb.AppendLine(inv, $"Strike ${p.StrikePrice:F0}/MWh; spike rate in the held-out period {result.HoldoutMetrics[0].SpikeRate:P2}. Lower is better for all columns.");
            sb.AppendLine();
            sb.AppendLine("| forecaster | MAE $/MWh | pinball P10 | pinball P50 | pinball P90 | mean pinball | Brier (spike) | n |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var x in result.HoldoutMetrics)
                sb.AppendLine(inv, $"| {x.Forecaster} | {x.Mae:F2} | {x.PinballP10:F2} | {x.PinballP50:F2} | {x.PinballP90:F2} | {x.Pinball:F2} | {x.Brier:F4} | {x.Count:N0} |");
            sb.AppendLine();
            sb.AppendLine("Baselines: persistence repeats the last settled price; seasonal naive repeats the same interval one day earlier.");
            sb.AppendLine("Their P10/P90 are the point plus the residual quantiles they showed in the training period, per horizon;");
            sb.AppendLine("their spike probability is how often the price exceeded the strike in training when the point did or did not.");
        }
        return sb.ToString();
    }

    public static string FeatureList() => string.Join(", ", PriceFeatures.Names);
}

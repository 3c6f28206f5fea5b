using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Curtail.Ercot;
using Curtail.Forecasting.Learning;
using Curtail.Forecasting.Training;

namespace Curtail.Forecasting.Tests;

/// <summary>A test against Debian's python3-xgboost: skipped unless CURTAIL_INTEROP=1 (.ci/interop/setup-xgboost.sh installs it).</summary>
public sealed class XgboostInteropFactAttribute : FactAttribute
{
    public XgboostInteropFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CURTAIL_INTEROP") != "1")
            Skip = "interop peers not requested (set CURTAIL_INTEROP=1 and source .ci/interop/setup-xgboost.sh)";
    }
}

public class XgboostInteropTests
{
    [XgboostInteropFact]
    public async Task Xgboost_on_the_exported_rows_agrees_with_our_least_squares_ensemble()
    {
        var history = new MarketHistory(Synthetic.Prices(50, 8, spikeChance: 0.004));
        var split = Synthetic.Start.AddDays(40);
        var train = ForecastDataset.Build(history, Synthetic.Start, split, 8, 2, 4, 1);
        var test = ForecastDataset.Build(history, split, Synthetic.Start.AddDays(50), 8, 4, 8, 1);
        var csv = Path.Combine(Path.GetTempPath(), $"curtail-xgb-{Guid.NewGuid():N}.csv");
        try
        {
            using (var w = new StreamWriter(csv))
            {
                train.AppendCsv(w, "train", header: true);
                test.AppendCsv(w, "test", header: false);
            }
            var model = new GradientBoostingTrainer(new GbrtOptions { Trees = 40 }).Fit(train.X, train.Y, new SquaredLoss());
            var pred = model.PredictAll(test.X);
            var ours = pred.Select((p, i) => Math.Abs(p - test.Y[i])).Average();

            var script = Path.Combine(Path.GetDirectoryName(ShippedData.Locate().Root)!, "tools", "xgboost_compare.py");
            var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { script, csv, "--trees", "40" }) psi.ArgumentList.Add(a);
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, await stderr);
            var match = Regex.Match(await stdout, @"squared error \(mean\)\s+MAE\s+([0-9.]+)");
            Assert.True(match.Success, await stdout);
            var theirs = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.InRange(ours / theirs, 0.8, 1.25);
        }
        finally
        {
            File.Delete(csv);
        }
    }
}

using System.CommandLine;
using Curtail.Core;
using Curtail.Core.Time;
using Curtail.Forecasting;
using Curtail.Forecasting.Policies;
using Spectre.Console;

namespace Curtail.Cli.Commands;

/// <summary>`curtail forecast`: the next intervals' price quantiles at a time, from a trained model.</summary>
public sealed class ForecastCommand : ICliCommand
{
    public Command Build()
    {
        var model = new Option<string>("--model") { Description = "Model file from `curtail train` (e.g. models/hb_west_2021_2022).", Required = true };
        var at = new Option<string>("--at") { Description = "Decision time: ISO-8601 with offset (2023-08-17T18:00-05:00) or a CPT wall time (2023-08-17 18:00).", Required = true };
        var intervals = new Option<int>("--intervals") { Description = "Intervals to forecast.", DefaultValueFactory = _ => 24 };
        var point = ForecastOptions.Point();
        var data = ForecastOptions.Data();
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var command = new Command("forecast", "Print the P10/P50/P90 price forecast of the next 15-minute intervals at a time.");
        foreach (var o in new Option[] { model, at, intervals, point, data, json }) command.Options.Add(o);
        command.SetAction(p =>
        {
            var output = p.InvocationConfiguration.Output;
            var n = p.GetValue(intervals);
            if (n is < 1 or > 96) throw new InvalidInputException("--intervals", null, "must be 1..96");
            var forecaster = ForecastOptions.LoadModel(p.GetValue(model)!);
            var t = ForecastOptions.Instant(p.GetValue(at)!, "--at");
            var pointName = p.GetValue(point)!;
            if (pointName != forecaster.Provenance.SettlementPoint)
                throw new InvalidInputException("--point", null, $"the model was trained for {forecaster.Provenance.SettlementPoint}, not {pointName}");
            var history = ForecastOptions.LoadHistory(p.GetValue(data), pointName);
            var settled = history.SettledCount(MarketHistory.FloorToInterval(t));
            if (settled < 96 || MarketHistory.FloorToInterval(t) - new DateTimeOffset(history.RealTime.EndTicks[settled - 1], TimeSpan.Zero) > ForecastPolicy.DefaultMaxStaleness)
                throw new InvalidInputException("--at", null, $"needs a day of settled {pointName} prices up to {t:u}; the data covers {history.RealTime.Start:u} to {history.RealTime.End:u}");
            var forecast = forecaster.Forecast(history, t, n);
            if (p.GetValue(json))
            {
                output.WriteLine(JsonOutput.Serialize(new
                {
                    model = forecaster.Provenance.Name, settlementPoint = pointName, issuedAt = forecast.IssuedAt, strike = forecaster.StrikePrice,
                    intervals = forecast.Intervals.Select(f => new { start = f.StartUtc, end = f.EndUtc, p10 = f.P10, p50 = f.P50, p90 = f.P90, mean = f.Mean, spikeProbability = f.SpikeProbability }),
                }));
                return CurtailApp.ExitOk;
            }
            var console = Terminal.On(output);
            var last = history.SettledCount(forecast.IssuedAt) - 1;
            console.MarkupLine($"[bold]{pointName}[/] forecast issued {forecast.IssuedAt:yyyy-MM-dd HH:mm}Z ({CentralPrevailingTime.ToLocal(forecast.IssuedAt):yyyy-MM-dd HH:mm zzz} CPT); last settled ${ForecastOptions.F(history.RealTime.Prices[last])}; model {Markup.Escape(forecaster.Provenance.Name)}");
            var table = new Table().AddColumns("interval (CPT)", "P10", "P50", "P90", "mean", $"P(>${forecaster.StrikePrice:F0})");
            foreach (var f in forecast.Intervals)
                table.AddRow($"{CentralPrevailingTime.ToLocal(f.StartUtc):MM-dd HH:mm}", ForecastOptions.F(f.P10), ForecastOptions.F(f.P50),
                    ForecastOptions.F(f.P90), ForecastOptions.F(f.Mean), ForecastOptions.F(f.SpikeProbability, "P0"));
            foreach (var i in Enumerable.Range(1, 5)) table.Columns[i].RightAligned();
            console.Write(table);
            return CurtailApp.ExitOk;
        });
        return command;
    }
}

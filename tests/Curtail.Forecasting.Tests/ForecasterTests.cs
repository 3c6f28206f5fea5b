using Curtail.Core;
using Curtail.Core.Prices;
using Curtail.Forecasting.Baselines;
using Curtail.Forecasting.Features;
using Curtail.Forecasting.Models;
using Curtail.Forecasting.Training;

namespace Curtail.Forecasting.Tests;

public class ForecasterTests
{
    private static readonly GbrtOptions Quick = new() { Trees = 30, MaxDepth = 4, MinRowsPerLeaf = 20, Seed = 3 };

    private static TrainingPlan Plan(DateTimeOffset trainTo, DateTimeOffset? holdoutTo = null) => new()
    {
        Name = "test", TrainFrom = Synthetic.Start, TrainTo = trainTo, HoldoutFrom = holdoutTo is null ? null : trainTo,
        HoldoutTo = holdoutTo, Horizon = 8, TrainStrideIntervals = 3, HorizonsPerDecision = 3, EvaluationStrideIntervals = 8, Gbrt = Quick,
    };

    [Fact]
    public void Features_use_nothing_after_the_decision_time()
    {
        var prices = Synthetic.Prices(20, 1);
        var decision = Synthetic.Start.AddDays(15);
        var history = new MarketHistory(prices);
        var settled = history.SettledCount(decision);
        var changed = prices.Prices.ToArray();
        for (var i = settled; i < changed.Length; i++) changed[i] = 9999;
        var tampered = new MarketHistory(new PriceSeries(prices.SettlementPoint, prices.StartTicks.ToArray(), prices.EndTicks.ToArray(), changed));
        for (var h = 1; h <= 24; h++)
        {
            var a = new double[PriceFeatures.Count];
            var b = new double[PriceFeatures.Count];
            PriceFeatures.Fill(history, decision, settled, h, a);
            PriceFeatures.Fill(tampered, decision, tampered.SettledCount(decision), h, b);
            Assert.Equal(a, b);
        }
        Assert.Equal(15 * 96, settled);
    }

    [Fact]
    public void Optional_inputs_are_missing_not_zero_and_sced_is_picked_up_when_present()
    {
        var prices = Synthetic.Prices(10, 2);
        var decision = Synthetic.Start.AddDays(9);
        var row = new double[PriceFeatures.Count];
        var plain = new MarketHistory(prices);
        PriceFeatures.Fill(plain, decision, plain.SettledCount(decision), 1, row);
        var sced = PriceFeatures.Names.ToList().IndexOf("sced_last");
        var dam = PriceFeatures.Names.ToList().IndexOf("dam_target_hour");
        Assert.True(double.IsNaN(row[sced]));
        Assert.True(double.IsNaN(row[dam]));

        var scedSeries = Synthetic.Constant("HB_WEST", decision.AddMinutes(-20), 4, TimeSpan.FromMinutes(5), i => 100 + i);
        var withSced = new MarketHistory(prices, sced: scedSeries);
        PriceFeatures.Fill(withSced, decision, withSced.SettledCount(decision), 1, row);
        Assert.Equal(103, row[sced]);
    }

    [Fact]
    public void Persistence_and_seasonal_naive_repeat_what_they_say()
    {
        var prices = Synthetic.Prices(12, 3);
        var history = new MarketHistory(prices);
        var decision = Synthetic.Start.AddDays(10).AddHours(5);
        var settled = history.SettledCount(decision);
        var persistence = new PersistenceForecaster(100);
        var seasonal = new SeasonalNaiveForecaster(100);
        persistence.Calibrate(history, Synthetic.Start.AddDays(7), Synthetic.Start.AddDays(10), 4);
        seasonal.Calibrate(history, Synthetic.Start.AddDays(7), Synthetic.Start.AddDays(10), 4);
        var p = persistence.Forecast(history, decision, 4);
        var s = seasonal.Forecast(history, decision, 4);
        for (var h = 0; h < 4; h++)
        {
            Assert.Equal(prices.Prices[settled - 1], p.Intervals[h].P50);
            Assert.Equal(prices.Prices[settled + h - 96], s.Intervals[h].P50);
            Assert.True(p.Intervals[h].P10 <= p.Intervals[h].P50 && p.Intervals[h].P50 <= p.Intervals[h].P90);
            Assert.Equal(decision + MarketHistory.Interval * h, p.Intervals[h].StartUtc);
        }
    }

    [Fact]
    public void Trained_model_beats_persistence_on_held_out_days_and_round_trips_through_its_file()
    {
        var prices = Synthetic.Prices(60, 4, spikeChance: 0.004);
        var history = new MarketHistory(prices);
        var result = ForecastTrainer.Train(history, Plan(Synthetic.Start.AddDays(45), Synthetic.Start.AddDays(60)));
        var model = result.HoldoutMetrics.Single(m => m.Forecaster == "lightgbm");
        var persistence = result.HoldoutMetrics.Single(m => m.Forecaster == "persistence");
        Assert.True(model.Mae < persistence.Mae, $"lightgbm MAE {model.Mae:F2}, persistence {persistence.Mae:F2}");
        Assert.True(model.Pinball < persistence.Pinball);

        var path = Path.Combine(Path.GetTempPath(), $"curtail-test-{Guid.NewGuid():N}{ModelFile.Extension}");
        try
        {
            ModelFile.Save(result.Model, path);
            var loaded = ModelFile.Load(path);
            var t = Synthetic.Start.AddDays(50);
            Assert.Equal(result.Model.Forecast(history, t, 8), loaded.Forecast(history, t, 8), new ForecastComparer());
            Assert.Equal(result.Model.Provenance.TrainTo, loaded.Provenance.TrainTo);
            var card = ModelCard.Render(result);
            Assert.Contains("| persistence |", card);
            Assert.Contains("trained without SCED", card);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class ForecastComparer : IEqualityComparer<PriceForecast>
    {
        public bool Equals(PriceForecast? x, PriceForecast? y) => x!.IssuedAt == y!.IssuedAt && x.Intervals.SequenceEqual(y.Intervals);
        public int GetHashCode(PriceForecast obj) => obj.IssuedAt.GetHashCode();
    }

    [Fact]
    public void Unreadable_or_foreign_model_files_are_reported_with_their_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"curtail-test-{Guid.NewGuid():N}{ModelFile.Extension}");
        try
        {
            File.WriteAllText(path, "not gzip");
            var ex = Assert.Throws<InvalidInputException>(() => ModelFile.Load(path));
            Assert.Contains(path, ex.Message);
            using (var gz = new System.IO.Compression.GZipStream(File.Create(path), System.IO.Compression.CompressionLevel.Fastest))
            using (var w = new StreamWriter(gz))
                w.Write("{\"format\":\"curtail-price-forecaster\",\"version\":99}");
            ex = Assert.Throws<InvalidInputException>(() => ModelFile.Load(path));
            Assert.Contains("version 99", ex.Message);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Throws<InvalidInputException>(() => ModelFile.Load(path));
    }

    [Fact]
    public void Training_rejects_a_holdout_that_overlaps_training()
    {
        var history = new MarketHistory(Synthetic.Prices(20, 5));
        var plan = Plan(Synthetic.Start.AddDays(15), Synthetic.Start.AddDays(20)) with { HoldoutFrom = Synthetic.Start.AddDays(10) };
        Assert.Throws<ArgumentException>(() => ForecastTrainer.Train(history, plan));
    }

    [Fact]
    public void Training_rows_never_reach_into_the_held_out_period()
    {
        var history = new MarketHistory(Synthetic.Prices(20, 6));
        var to = Synthetic.Start.AddDays(15);
        var data = ForecastDataset.Build(history, Synthetic.Start, to, 24, 1, 24, 1);
        for (var r = 0; r < data.Rows; r++)
            Assert.True(data.DecisionTimes[r] + MarketHistory.Interval * (data.Horizons[r] - 1) < to);
    }

    [Fact]
    public void Metrics_are_the_textbook_formulas()
    {
        var t = Synthetic.Start;
        var f = new[]
        {
            new IntervalForecast(t, t, 10, 20, 30, 20, 0.5),
            new IntervalForecast(t, t, 10, 20, 30, 20, 0.0),
        };
        var m = ForecastMetrics.Compute("x", f, [25, 200], 100);
        Assert.Equal((5 + 180) / 2.0, m.Mae, 9);
        Assert.Equal((0.1 * 15 + 0.1 * 190) / 2, m.PinballP10, 9);
        // 25 is below P90 = 30, costing (1 − 0.9)·5; 200 is above it, costing 0.9·170.
        Assert.Equal((0.1 * 5 + 0.9 * 170) / 2, m.PinballP90, 9);
        Assert.Equal((0.25 + 1) / 2, m.Brier, 9);
    }

    [Fact]
    public void Holidays_follow_the_federal_calendar()
    {
        Assert.True(UsHolidays.IsHoliday(new DateOnly(2023, 7, 4)));
        Assert.True(UsHolidays.IsHoliday(new DateOnly(2023, 11, 23)));
        Assert.True(UsHolidays.IsHoliday(new DateOnly(2022, 12, 26)));
        Assert.True(UsHolidays.IsHoliday(new DateOnly(2023, 5, 29)));
        Assert.False(UsHolidays.IsHoliday(new DateOnly(2023, 7, 5)));
    }
}

public class MarketDataFromStoreTests
{
    [Fact]
    public void The_live_history_from_the_store_feeds_sced_features_when_sced_is_stored()
    {
        var path = Path.Combine(Path.GetTempPath(), $"curtail-md-{Guid.NewGuid():N}.db");
        try
        {
            using var store = new Curtail.Ercot.Api.SqlitePriceStore(path);
            var t0 = Synthetic.Start;
            store.Upsert("np6-905-cd", Enumerable.Range(0, 96).Select(i => new Curtail.Ercot.Api.ApiPrice("HB_WEST", t0.AddMinutes(15 * i), t0.AddMinutes(15 * i + 15), 20 + i)), t0);
            var decision = t0.AddHours(24);
            var withoutSced = Data.MarketData.FromStore(store, "HB_WEST", t0, decision);
            Assert.Null(withoutSced.Sced);
            store.Upsert("np6-788-cd", [new Curtail.Ercot.Api.ApiPrice("HB_WEST", decision.AddMinutes(-4), decision.AddMinutes(1), 250)], t0);
            var history = Data.MarketData.FromStore(store, "HB_WEST", t0, decision);
            var row = new double[PriceFeatures.Count];
            PriceFeatures.Fill(history, decision, history.SettledCount(decision), 1, row);
            Assert.Equal(250, row[PriceFeatures.Names.ToList().IndexOf("sced_last")]);
            Assert.Equal(115, row[PriceFeatures.Names.ToList().IndexOf("spp_last")]);
            Assert.Throws<InvalidInputException>(() => Data.MarketData.FromStore(store, "HB_NORTH", t0, decision));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in new[] { path, path + "-wal", path + "-shm" }) File.Delete(f);
        }
    }
}

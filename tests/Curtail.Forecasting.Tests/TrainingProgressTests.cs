using Curtail.Forecasting.Training;

namespace Curtail.Forecasting.Tests;

/// <summary>Training reports each step as it starts and ends, so `curtail train` is never a silent minute.</summary>
public class TrainingProgressTests
{
    [Fact]
    public void EachModelIsAnnouncedAndTimed()
    {
        var history = new MarketHistory(Synthetic.Prices(12, 2));
        var log = new StringWriter();
        ForecastTrainer.Train(history, new TrainingPlan
        {
            Name = "progress", TrainFrom = Synthetic.Start, TrainTo = Synthetic.Start.AddDays(8), HoldoutFrom = Synthetic.Start.AddDays(8),
            HoldoutTo = Synthetic.Start.AddDays(10), Horizon = 4, Gbrt = new GbrtOptions { Trees = 5, MaxDepth = 3 },
        }, log);
        var lines = log.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.StartsWith("building features ", lines[0]);
        for (var i = 1; i <= 5; i++)
        {
            var start = lines.FindIndex(l => l.StartsWith($"training model {i}/5 (", StringComparison.Ordinal));
            Assert.True(start >= 0, $"model {i} not announced:\n{log}");
            Assert.Matches($@"^  model {i}/5 done in \d+\.\d s$", lines[start + 1]);
        }
        Assert.Equal(3, lines.Count(l => l.StartsWith("evaluating ", StringComparison.Ordinal)));
    }
}

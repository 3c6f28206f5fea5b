using Curtail.Core.LoadFollowing;

namespace Curtail.Core.Tests.LoadFollowing;

public class GensetSupplyProfileTests
{
    [Fact]
    public void Csv_with_seconds_holds_each_value_until_the_next_row_and_loops()
    {
        var p = GensetSupplyProfile.ParseCsv(new StringReader("time,available_kw\n0,950\n10,600\n# comment\n20,900\n"), "p.csv");
        Assert.Equal(3, p.Count);
        Assert.Equal(950, p.AvailableKwAt(TimeSpan.FromSeconds(9.9)));
        Assert.Equal(600, p.AvailableKwAt(TimeSpan.FromSeconds(10)));
        Assert.Equal(900, p.AvailableKwAt(TimeSpan.FromSeconds(25)));
        Assert.Equal(TimeSpan.FromSeconds(30), p.Duration);
        Assert.Equal(950, p.AvailableKwAt(TimeSpan.FromSeconds(31)));
        Assert.Equal(900, p.AvailableKwAt(TimeSpan.FromSeconds(31), loop: false));
    }

    [Fact]
    public void Csv_with_instants_is_relative_to_its_first_row()
    {
        var p = GensetSupplyProfile.ParseCsv(new StringReader("available_kw,time\n800,2026-07-01T00:00:00Z\n500,2026-07-01T00:05:00Z\n"), "p.csv");
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 0, 0, 0, TimeSpan.Zero), p.Start);
        Assert.Equal(500, p.AvailableKwAt(new DateTimeOffset(2026, 7, 1, 0, 6, 0, TimeSpan.Zero), DateTimeOffset.MinValue));
    }

    [Theory]
    [InlineData("time,kw\n0,1\n", 1, "header")]
    [InlineData("time,available_kw\n0,950\nabc,1\n", 3, "neither seconds")]
    [InlineData("time,available_kw\n0,950\n5,-3\n", 3, "non-negative")]
    [InlineData("time,available_kw\n0,950\n0,900\n", 3, "not after")]
    [InlineData("time,available_kw\n0,950\n2026-01-01T00:00:00Z,900\n", 3, "mixes")]
    [InlineData("time,available_kw\n", 1, "no data rows")]
    public void Bad_csv_names_the_line_and_problem(string csv, int line, string message)
    {
        var ex = Assert.Throws<InvalidInputException>(() => GensetSupplyProfile.ParseCsv(new StringReader(csv), "gas.csv"));
        Assert.Equal(line, ex.Line);
        Assert.Contains("gas.csv", ex.Message);
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void Random_walk_is_reproducible_by_seed_and_has_pressure_drops()
    {
        var a = GensetSupplyProfile.RandomWalk(7, 1000, TimeSpan.FromHours(2));
        var b = GensetSupplyProfile.RandomWalk(7, 1000, TimeSpan.FromHours(2));
        var c = GensetSupplyProfile.RandomWalk(8, 1000, TimeSpan.FromHours(2));
        Assert.Equal(a.Points, b.Points);
        Assert.NotEqual(a.Points, c.Points);
        var values = a.Points.Select(p => p.AvailableKw).ToArray();
        Assert.All(values, v => Assert.InRange(v, 0, 1000));
        Assert.Contains(values, v => v < 760);   // at least one drop below the 85 % floor of the normal walk
        Assert.True(values.Count(v => v >= 850) > values.Length / 2);
    }
}

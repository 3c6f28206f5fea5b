using System.Text.Json;
using Curtail.Controller.OpenAdr;

namespace Curtail.Controller.Tests;

/// <summary>How an OpenADR event's intervals and payloads become limits, levels and prices; what is refused.</summary>
public sealed class OpenAdrEventMapperTests
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 1, 19, 0, 0, TimeSpan.Zero);
    private static readonly OadrProgram Program = new() { Id = "program-1", ProgramName = "ercot-dr" };

    private static readonly OpenAdrProgramConfig Config = new("ercot-dr")
    {
        SimpleLevels = new Dictionary<int, SimpleLevelAction> { [1] = new(null, null, 50), [3] = new(0, null, null) },
    };

    private static OadrEvent Event(string? duration, params (string Type, object Value)[][] intervals) => new()
    {
        Id = "event-7", ProgramId = "program-1",
        IntervalPeriod = new OadrIntervalPeriod { Start = T0, Duration = duration },
        PayloadDescriptors =
        [
            new OadrPayloadDescriptor { PayloadType = "IMPORT_CAPACITY_LIMIT", Units = "KW" },
            new OadrPayloadDescriptor { PayloadType = "PRICE", Units = "KWH", Currency = "USD" },
        ],
        Intervals = intervals.Select((payloads, i) => new OadrInterval
        {
            Id = i, Payloads = payloads.Select(p => new OadrValuesMap { Type = p.Type, Values = [JsonSerializer.SerializeToElement(p.Value)] }).ToList(),
        }).ToList(),
    };

    [Fact]
    public void Limits_follow_one_another_from_the_event_start_in_MW()
    {
        var signals = OpenAdrEventMapper.Map(Event("PT15M", [("IMPORT_CAPACITY_LIMIT", 2500.0)], [("IMPORT_CAPACITY_LIMIT", 800.0)]), Program, Config);
        Assert.Equal([2.5, 0.8], signals.Select(s => s.LimitMw!.Value));
        Assert.Equal([T0, T0.AddMinutes(15)], signals.Select(s => s.Start));
        Assert.Equal([T0.AddMinutes(15), T0.AddMinutes(30)], signals.Select(s => s.End!.Value));
        Assert.Equal("oadr-event-7-1-limit", signals[1].DispatchId);
        Assert.Equal("event-7", OpenAdrIds.EventOf(signals[1].DispatchId));
    }

    [Fact]
    public void A_zero_duration_lasts_until_the_event_goes()
    {
        var signal = Assert.Single(OpenAdrEventMapper.Map(Event("PT0S", [("IMPORT_CAPACITY_LIMIT", 0.0)]), Program, Config));
        Assert.Null(signal.End);
        Assert.True(signal.ActiveAt(T0.AddDays(3)));
        Assert.False(signal.ActiveAt(T0.AddSeconds(-1)));
    }

    [Fact]
    public void Simple_levels_take_the_program_mapping_and_level_zero_is_normal()
    {
        var signals = OpenAdrEventMapper.Map(Event("PT5M", [("SIMPLE", 1)], [("SIMPLE", 0)], [("SIMPLE", 3)]), Program, Config);
        Assert.Equal(50, signals[0].Action!.CurtailPercent);
        Assert.Null(signals[1].Action);
        Assert.Equal(0, signals[1].Level);
        Assert.Equal(0, signals[2].Action!.TargetMw);
    }

    [Fact]
    public void A_price_per_kWh_in_USD_becomes_dollars_per_MWh()
    {
        var signal = Assert.Single(OpenAdrEventMapper.Map(Event("PT1H", [("PRICE", 0.215)]), Program, Config));
        Assert.Equal(SignalKind.Price, signal.Kind);
        Assert.Equal(215, signal.PriceUsdPerMwh!.Value, 6);
    }

    [Theory]
    [InlineData("GHG", 450.0, "GHG", "not a payload type Curtail acts on")]
    [InlineData("SIMPLE", 2, "SIMPLE", "level 2 has no mapping")]
    [InlineData("SIMPLE", 4, "SIMPLE", "level 4 is not 0, 1, 2 or 3")]
    [InlineData("IMPORT_CAPACITY_LIMIT", -5.0, "IMPORT_CAPACITY_LIMIT", "out of range")]
    public void What_cannot_be_mapped_is_refused_with_the_event_and_type_named(string type, object value, string named, string reason)
    {
        var ex = Assert.Throws<OpenAdrRefusedException>(() => OpenAdrEventMapper.Map(Event("PT15M", [("IMPORT_CAPACITY_LIMIT", 500.0)], [(type, value)]), Program, Config));
        Assert.Equal("event-7", ex.EventId);
        Assert.Equal(named, ex.PayloadType);
        Assert.Contains("'event-7'", ex.Message);
        Assert.Contains(named, ex.Message);
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public void A_limit_without_units_is_refused_unless_the_program_config_gives_them()
    {
        var e = Event("PT15M", [("IMPORT_CAPACITY_LIMIT", 3.0)]) with { PayloadDescriptors = null };
        var ex = Assert.Throws<OpenAdrRefusedException>(() => OpenAdrEventMapper.Map(e, Program, Config));
        Assert.Contains("no units", ex.Message);
        Assert.Equal(3, Assert.Single(OpenAdrEventMapper.Map(e, Program, Config with { LimitUnits = "MW" })).LimitMw);
    }

    [Fact]
    public void An_SB6_program_takes_limits_only()
    {
        var sb6 = new OpenAdrProgramConfig("ercot-sb6") { Sb6 = true };
        Assert.Single(OpenAdrEventMapper.Map(Event("PT30M", [("IMPORT_CAPACITY_LIMIT", 0.0)]), Program, sb6));
        var ex = Assert.Throws<OpenAdrRefusedException>(() => OpenAdrEventMapper.Map(Event("PT30M", [("PRICE", 1.0)]), Program, sb6));
        Assert.Contains("SB 6", ex.Message);
    }

    [Fact]
    public void A_duration_in_months_is_refused_not_guessed()
    {
        var ex = Assert.Throws<OpenAdrRefusedException>(() => OpenAdrEventMapper.Map(Event("P1M", [("IMPORT_CAPACITY_LIMIT", 1.0)]), Program, Config));
        Assert.Contains("'P1M'", ex.Message);
    }
}

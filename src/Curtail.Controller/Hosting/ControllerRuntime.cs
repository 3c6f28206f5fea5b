using Curtail.Controller.Cycle;
using Curtail.Controller.Config;
using Curtail.Controller.DemandResponse;
using Curtail.Controller.Trading;
using Curtail.Core.Economics;
using Curtail.Core.LoadFollowing;
using Curtail.Core.Prices;
using Curtail.Miners;
using Curtail.Miners.Fleet;

namespace Curtail.Controller.Hosting;

/// <summary>
/// What the miners said at the last read, reduced to what status and telemetry need. A miner that failed the read
/// shows no power or hashrate (null, never a stale value as live: hass-miner #519) and <see cref="LastSeen"/>, when
/// it last answered.
/// </summary>
public sealed record MinerSnapshot(string Id, string Group, string Family, string Mode, double? PowerW, double? HashrateTh, string? Error,
    DateTimeOffset? LastSeen = null)
{
    /// <summary>
    /// Whether power, hashrate and the rest come from the latest read (as `miners status --json` says it); false for a
    /// miner that did not answer, which shows none of them and when it was last seen.
    /// </summary>
    public bool Live { get; init; }

    /// <summary>The model the miner reports, or the fleet file's when it did not answer.</summary>
    public string Model { get; init; } = "";

    public string Firmware { get; init; } = "";

    /// <summary>The hottest board or chip temperature the firmware reports; null when it reports none.</summary>
    public double? MaxTemperatureC { get; init; }

    /// <summary>Each fan's speed in rpm; null when the firmware reports no fans (or the miner did not answer).</summary>
    public IReadOnlyList<double>? FanRpm { get; init; }
}

/// <summary>
/// The controller's live view of the world, shared by jobs, the decision cycle and the API. Inputs (prices, genset,
/// miners) are written by their poll jobs; trader settings and events by the API. Every read for a decision goes
/// through one <see cref="Snapshot"/> taken under the lock.
/// </summary>
public sealed class ControllerRuntime(ControllerConfig config, HashpriceSeries hashprice)
{
    private readonly Lock _lock = new();
    private ControllerConfig _config = config;
    private TradingSettings _trading = TradingSettings.From(config.Site.Policy);
    private TradingOverride? _override;
    private readonly List<DispatchEvent> _events = [];
    private PriceSeries? _prices;
    private GensetReading? _genset;
    private string? _gensetLinkProblem;
    private IReadOnlyList<MinerSnapshot> _miners = [];
    private object? _lastDecision;
    private PriceSeries? _sced;
    private RtdLookAhead? _rtd;
    private IReadOnlyList<SignalPrice> _signalPrices = [];

    public HashpriceSeries Hashprice => hashprice;

    public ControllerConfig Config { get { lock (_lock) return _config; } }

    public sealed record View(ControllerConfig Config, TradingSettings Trading, TradingOverride? Override, IReadOnlyList<DispatchEvent> Events,
        PriceSeries? Prices, GensetReading? Genset, string? GensetLinkProblem, IReadOnlyList<MinerSnapshot> Miners, object? LastDecision)
    {
        /// <summary>Recent SCED LMPs of the site's point (about every 5 minutes; each holds until the next run).</summary>
        public PriceSeries? Sced { get; init; }

        /// <summary>The latest RTD run (NP6-970-CD): its time and indicative LMPs for the next 12 five-minute intervals.</summary>
        public RtdLookAhead? Rtd { get; init; }

        /// <summary>Prices of OpenADR PRICE intervals, current and coming (docs/openadr.md): each overrides the price acted on during it.</summary>
        public IReadOnlyList<SignalPrice> SignalPrices { get; init; } = [];
    }

    public View Snapshot()
    {
        lock (_lock) return new View(_config, _trading, _override, _events.ToList(), _prices, _genset, _gensetLinkProblem, _miners, _lastDecision) { Sced = _sced, Rtd = _rtd, SignalPrices = _signalPrices };
    }

    public void Reload(ControllerConfig config)
    {
        lock (_lock) _config = config;
    }

    public TradingSettings SetTrading(TradingSettings settings)
    {
        lock (_lock)
        {
            var old = _trading;
            _trading = settings;
            return old;
        }
    }

    public TradingOverride? SetOverride(TradingOverride? o)
    {
        lock (_lock)
        {
            var old = _override;
            _override = o;
            return old;
        }
    }

    public void AddEvent(DispatchEvent e)
    {
        lock (_lock) _events.Add(e);
    }

    public DispatchEvent? UpdateEvent(string id, Func<DispatchEvent, DispatchEvent> change)
    {
        lock (_lock)
        {
            var i = _events.FindIndex(e => e.Id == id);
            if (i < 0) return null;
            _events[i] = change(_events[i]);
            return _events[i];
        }
    }

    public void SetPrices(PriceSeries prices)
    {
        lock (_lock) _prices = prices;
    }

    public void SetSced(PriceSeries sced)
    {
        lock (_lock) _sced = sced;
    }

    public void SetSignalPrices(IReadOnlyList<SignalPrice> prices)
    {
        lock (_lock) _signalPrices = prices;
    }

    public void SetRtd(RtdLookAhead rtd)
    {
        lock (_lock) _rtd = rtd;
    }

    public void SetGenset(GensetReading? reading, string? linkProblem)
    {
        lock (_lock)
        {
            if (reading is not null) _genset = reading;
            _gensetLinkProblem = linkProblem;
        }
    }

    public void SetMiners(IReadOnlyList<MinerSnapshot> miners)
    {
        lock (_lock) _miners = miners;
    }

    public void SetLastDecision(object decision)
    {
        lock (_lock) _lastDecision = decision;
    }

    /// <summary>Family and mode in the API's one enum style, snake_case (<c>whatsminer_v2</c>, <c>sleeping</c>, <c>unreachable</c>).</summary>
    public static MinerSnapshot Describe(FleetMember member, MinerStatus? status, string? error) => new(
        member.Miner.Id, member.Group, Snake(member.Miner.Family.ToString()), status is null ? "unreachable" : Snake(status.Mode.ToString()),
        status?.PowerW, status?.HashrateThs, error)
    {
        Live = status is not null,
        Model = string.IsNullOrWhiteSpace(status?.Model) ? member.Miner.Model.Name : status.Model,
        Firmware = status?.Firmware ?? "",
        MaxTemperatureC = status is { TemperaturesC.Count: > 0 } ? status.TemperaturesC.Max() : null,
        FanRpm = status?.FanRpm,
    };

    private static string Snake(string name) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    public static MinerSnapshot Describe(MinerReading reading) =>
        Describe(reading.Member, reading.Status, reading.Error) with { LastSeen = reading.LastSeen };
}

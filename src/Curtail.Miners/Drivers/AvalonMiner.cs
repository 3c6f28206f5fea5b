using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Curtail.Miners.Protocols;

namespace Curtail.Miners.Drivers;

/// <summary>
/// Canaan Avalon on cgminer 4.11 (TCP JSON, port 4028). Telemetry is one string of <c>Key[value]</c> pairs in
/// <c>stats</c> → <c>STATS[0]."MM ID0"</c> (A-series) or <c>"MM ID0:Summary"</c> (Avalon Q), as in the asic-rs
/// captures: GHSspd (GH/s), WALLPOWER or PS[4] (W), MPO (the work mode's power, W), WORKMODE, SoftOFF,
/// SYSTEMSTATU ("Work: In Work" / "In Idle"), FanN, TMax. Control is <c>ascset</c> on device 0:
/// <c>0,softoff,1:&lt;unix time&gt;</c> and <c>0,softon,1:&lt;unix time&gt;</c> (a scheduled soft power off/on that
/// keeps the control board up; softon may close the connection without a reply, asic-rs treats that as delivered)
/// and <c>0,workmode,set,&lt;n&gt;</c>, the coarse power step used as this family's power target.
/// </summary>
public sealed partial class AvalonMiner : MinerDriver, ISleepable, IPowerTargetable
{
    /// <summary>
    /// Work modes as fractions of nameplate power: 0 = low (eco), 1 = normal. UNVERIFIED: Canaan publishes per-model
    /// figures only; confirmation reads MPO and the wall power back, so a model whose low mode differs shows as
    /// unconfirmed instead of silently wrong.
    /// </summary>
    public static readonly IReadOnlyList<double> WorkModeFractions = [0.8, 1.0];

    /// <summary>How far ahead the soft off/on is scheduled: the firmware acts at the given time.</summary>
    private const int ScheduleAheadSeconds = 1;

    private readonly CgminerClient _api;
    private string? _firmware;

    public AvalonMiner(string id, MinerEndpoint endpoint, ModelSpec model, TimeProvider time, DriverOptions? options = null)
        : base(id, endpoint, model, new MinerCredentials("", ""), time, options ?? DriverOptions.Default)
    {
        _api = new CgminerClient(id, endpoint.Host, endpoint.Port, Options.CommandTimeout);
    }

    public override MinerFamily Family => MinerFamily.Avalon;

    protected override async Task<MinerStatus> ReadStatusCoreAsync(CancellationToken cancellationToken)
    {
        var stats = await _api.CommandAsync("stats", cancellationToken: cancellationToken).ConfigureAwait(false);
        var first = TolerantJson.First(stats, "STATS") ?? throw Protocol("stats reply lacks STATS");
        var text = TolerantJson.Text(first["MM ID0"]) ?? TolerantJson.Text(first["MM ID0:Summary"])
                   ?? throw Protocol("stats reply lacks 'MM ID0' (nor 'MM ID0:Summary')");
        var fields = ParseFields(text);
        if (_firmware is null)
        {
            var version = await _api.CommandAsync("version", cancellationToken: cancellationToken).ConfigureAwait(false);
            var v = TolerantJson.First(version, "VERSION");
            _firmware = $"{TolerantJson.Text(v?["PROD"]) ?? "Avalon"} {TolerantJson.Text(v?["CGVERSION"]) ?? TolerantJson.Text(v?["LVERSION"]) ?? fields.GetValueOrDefault("Ver") ?? "?"}";
        }
        var softOff = Number(fields, "SoftOFF") is { } so && so > 0;
        var idle = (fields.GetValueOrDefault("SYSTEMSTATU") ?? "").Contains("Idle", StringComparison.OrdinalIgnoreCase);
        var sleeping = softOff || idle;
        var ths = (Number(fields, "GHSspd") ?? 0) / 1000;
        var watts = Number(fields, "WALLPOWER") is { } wall && wall > 0 ? wall
            : Numbers(fields, "PS") is { Count: > 4 } ps && ps[4] > 0 ? ps[4] : (double?)null;
        var workMode = Number(fields, "WORKMODE");
        var mpo = Number(fields, "MPO");
        var target = mpo ?? (workMode is { } wm && wm >= 0 && wm < WorkModeFractions.Count ? Model.NominalW * WorkModeFractions[(int)wm] : null);
        var fans = Enumerable.Range(1, 4).Select(i => Number(fields, $"Fan{i}")).OfType<double>().ToList();
        var temps = Numbers(fields, "MTmax") is { Count: > 0 } mt ? mt : Number(fields, "TMax") is { } tmax ? [tmax] : [];
        var hashboards = Numbers(fields, "MGHS")?.Count;
        var starting = (fields.GetValueOrDefault("SYSTEMSTATU") ?? "").Contains("Init", StringComparison.OrdinalIgnoreCase);
        var mode = sleeping ? MinerMode.Sleeping
            : starting ? MinerMode.Ramping
            : target is { } t && t < Model.NominalW - 1 ? MinerMode.Throttled
            : MinerMode.Running;
        return new MinerStatus(Id, Family, Model.Name, _firmware, sleeping ? 0 : ths,
            watts ?? EstimatePower(ths, sleeping), watts is null ? PowerSource.Estimated : PowerSource.Measured, temps, mode, target,
            Time.GetUtcNow())
        {
            Hashboards = hashboards, FansRunning = fans.Count == 0 ? null : fans.Any(f => f > 0), FanRpm = fans.Count == 0 ? null : fans,
        };
    }

    public Task SleepAsync(CancellationToken cancellationToken = default) => SoftAsync("softoff", cancellationToken);

    public Task WakeAsync(CancellationToken cancellationToken = default) => SoftAsync("softon", cancellationToken);

    public Task<PowerLimits> GetPowerLimitsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new PowerLimits(Math.Round(Model.NominalW * WorkModeFractions[0]), Model.NominalW));

    public async Task SetPowerTargetAsync(double watts, CancellationToken cancellationToken = default)
    {
        await EnsureWithinLimitsAsync(this, watts, cancellationToken).ConfigureAwait(false);
        // The highest work mode whose power is not above the request, so a site target is never exceeded.
        var mode = 0;
        for (var i = 0; i < WorkModeFractions.Count; i++)
            if (Model.NominalW * WorkModeFractions[i] <= watts + 0.5) mode = i;
        var reply = await _api.CommandAsync("ascset", $"0,workmode,set,{mode}", cancellationToken: cancellationToken).ConfigureAwait(false);
        EnsureAccepted(reply, "ascset workmode");
    }

    private async Task SoftAsync(string verb, CancellationToken ct)
    {
        var at = Time.GetUtcNow().ToUnixTimeSeconds() + ScheduleAheadSeconds;
        var request = new JsonObject { ["command"] = "ascset", ["parameter"] = $"0,{verb},1:{at.ToString(CultureInfo.InvariantCulture)}" }.ToJsonString();
        string? text;
        try
        {
            text = await _api.SendMaybeSilentAsync(request, Options.SilentReplyGrace, ct).ConfigureAwait(false);
        }
        catch (MinerException ex) when (verb == "softon" && ex.Kind == MinerFailureKind.Connection && ex.Reason.Contains("without a reply", StringComparison.Ordinal))
        {
            return; // softon restarts the miner's process and drops the connection: delivered (asic-rs)
        }
        if (string.IsNullOrEmpty(text)) return;
        JsonObject reply;
        try
        {
            reply = TolerantJson.ParseObject(text, $"ascset {verb} reply");
        }
        catch (FormatException ex)
        {
            throw new MinerException(Id, MinerFailureKind.Protocol, ex.Message, ex);
        }
        EnsureAccepted(reply, $"ascset {verb}");
    }

    /// <summary>
    /// cgminer answers ascset with S "ASC 0 set OK" or I "ASC 0 set info: success softoff:…" (asic-rs captures);
    /// any other info text (the help list, an unknown option) is a refusal.
    /// </summary>
    private void EnsureAccepted(JsonObject reply, string what)
    {
        var (ok, code, msg) = CgminerClient.ReadStatus(reply);
        if (ok && (msg.Contains("set OK", StringComparison.OrdinalIgnoreCase) || msg.Contains("success", StringComparison.OrdinalIgnoreCase)))
            return;
        throw Rejected($"{what} refused: code {code?.ToString(CultureInfo.InvariantCulture) ?? "?"} {msg}".TrimEnd());
    }

    /// <summary>The <c>Key[value]</c> pairs of an Avalon stats string (first occurrence of each key wins).</summary>
    public static Dictionary<string, string> ParseFields(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in FieldPattern().Matches(text))
            fields.TryAdd(m.Groups[1].Value.Trim(), m.Groups[2].Value.Trim());
        return fields;
    }

    private static double? Number(Dictionary<string, string> fields, string key) =>
        fields.TryGetValue(key, out var v) && double.TryParse(v.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.TrimEnd('%'),
            NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : null;

    private static List<double>? Numbers(Dictionary<string, string> fields, string key) =>
        fields.TryGetValue(key, out var v)
            ? v.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : (double?)null)
                .OfType<double>().ToList()
            : null;

    // Keys are words (letters, digits, '_' and inner spaces, e.g. "Nonce Mask"); values run to the closing bracket.
    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_ ]*?)\[([^\]]*)\]")]
    private static partial Regex FieldPattern();
}

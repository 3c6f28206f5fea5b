using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Curtail.Miners.Protocols;

namespace Curtail.Miners.Drivers;

/// <summary>
/// LuxOS (Luxor firmware) on TCP 4028. Writes need the miner's single session: logon → command with the session
/// id first → logoff, as Luxor's own tooling does (luxos-tooling syncops.rexec); the logoff waits
/// <see cref="DriverOptions.LuxOsSessionLinger"/> so that writes close together share one session. A 402 "Another
/// session is active" is <see cref="MinerFailureKind.Busy"/> (transient). Power targets select the nearest profile by
/// "NNNNW", with ATM switched off around the change (it blocks profile changes). Disposing logs off a lingering session.
/// </summary>
public sealed class LuxOsMiner : MinerDriver, ISleepable, IPowerTargetable, IPowerStateReadable, IAsyncDisposable
{
    private readonly CgminerClient _api;
    private IReadOnlyList<(string Name, double Watts)>? _profiles;
    private (string Model, string Firmware)? _identity;
    /// <summary>LuxOS expires an idle session after 60 s: an unanswered logon of ours can block no longer.</summary>
    private static readonly TimeSpan OrphanWindow = TimeSpan.FromSeconds(60);
    private readonly SemaphoreSlim _sessionGate = new(1, 1);
    private string? _session;
    private DateTimeOffset? _unansweredLogonAt;
    private readonly ITimer _logoffTimer;

    public LuxOsMiner(string id, MinerEndpoint endpoint, ModelSpec model, TimeProvider time, DriverOptions? options = null)
        : base(id, endpoint, model, new MinerCredentials("", ""), time, options ?? DriverOptions.Default)
    {
        _api = new CgminerClient(id, endpoint.Host, endpoint.Port, Options.CommandTimeout);
        // Made here, idle until a write arms it: a first shed does not also make 10,000 timers while its commands go out.
        _logoffTimer = Time.CreateTimer(static self => ((LuxOsMiner)self!).LogoffIfIdle(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public override MinerFamily Family => MinerFamily.LuxOs;

    protected override Task<MinerStatus> ReadStatusCoreAsync(CancellationToken cancellationToken) =>
        ReadAsync(full: true, cancellationToken);

    /// <summary>
    /// A read-back: `summary+power+config+devs`, everything the dispatcher's confirmation looks at (hashrate, POWER
    /// Watts, the active profile, the boards' IsRamping), without `stats` (temperatures and fans, the longest section
    /// and the costliest to take apart: a string per chip row) and `version`.
    /// </summary>
    protected override Task<MinerStatus> ReadPowerStateCoreAsync(CancellationToken cancellationToken) =>
        ReadAsync(full: false, cancellationToken);

    private async Task<MinerStatus> ReadAsync(bool full, CancellationToken cancellationToken)
    {
        // version never changes while the miner runs: asked once, then left out of every read. The reply is read
        // where it was received (no JSON node tree): a fleet read and every read-back of a shed come this way.
        var withVersion = full && _identity is null;
        var reading = await _api.ReadAsync(withVersion ? "summary+power+config+devs+stats+version" : full ? "summary+power+config+devs+stats" : "summary+power+config+devs",
            ReadReply, cancellationToken).ConfigureAwait(false);
        var profiles = await ProfilesAsync(cancellationToken).ConfigureAwait(false);
        double? target = profiles.FirstOrDefault(p => p.Name == reading.ProfileName) is { Name: not null } hit ? hit.Watts : null;
        var (ths, watts, ramping) = (reading.Ths, reading.Watts, reading.Ramping);
        // A board that reports ramping is waking (restarting after wakeup at sleep power), not asleep.
        var sleeping = ths <= 0 && (watts ?? 0) < Model.NominalW * 0.2 && !ramping;
        var mode = sleeping ? MinerMode.Sleeping
            : ramping ? MinerMode.Ramping
            : target is { } t && t < Model.NominalW - 1 ? MinerMode.Throttled : MinerMode.Running;
        if (withVersion) _identity = (reading.Type ?? Model.Name, "LuxOS " + (reading.LuxMiner ?? "?"));
        var (model, firmware) = _identity ?? (Model.Name, "LuxOS ?");
        return new MinerStatus(Id, Family, model, firmware, ths,
            watts ?? EstimatePower(ths, sleeping), watts is null ? PowerSource.Estimated : PowerSource.Measured,
            reading.Temperatures, mode, target, Time.GetUtcNow())
        {
            FanRpm = reading.FanRpm,
        };
    }

    /// <summary>What a status read takes from the reply, before the document is let go.</summary>
    private sealed record StatusReading(double Ths, double? Watts, bool Ramping, string ProfileName, List<double> Temperatures,
        string? Type, string? LuxMiner)
    {
        /// <summary>The stats detail's fan1..fanN in rpm; null when it lists none.</summary>
        public IReadOnlyList<double>? FanRpm { get; init; }
    }

    private StatusReading ReadReply(JsonElement reply)
    {
        JsonElement Part(string name, string section)
        {
            var part = TolerantJson.Get(reply, name);
            var first = part.ValueKind == JsonValueKind.Array && part.GetArrayLength() > 0 ? part[0] : default;
            var s = first.ValueKind == JsonValueKind.Object ? TolerantJson.First(first, section) : default;
            return s.ValueKind == JsonValueKind.Object ? s : throw Protocol($"status reply lacks {name}.{section}");
        }
        var summary = Part("summary", "SUMMARY");
        var power = Part("power", "POWER");
        var config = Part("config", "CONFIG");
        var ths = (TolerantJson.Number(TolerantJson.Get(summary, "GHS 5s"), "summary.SUMMARY.GHS 5s") ?? 0) / 1000;
        var watts = TolerantJson.Number(TolerantJson.Get(power, "Watts"), "power.POWER.Watts");
        var ramping = false;
        var devs = TolerantJson.Get(reply, "devs");
        if (devs.ValueKind == JsonValueKind.Array && devs.GetArrayLength() > 0 && devs[0].ValueKind == JsonValueKind.Object
            && TolerantJson.Get(devs[0], "DEVS") is { ValueKind: JsonValueKind.Array } boards)
        {
            foreach (var board in boards.EnumerateArray())
                if (board.ValueKind == JsonValueKind.Object && TolerantJson.Text(TolerantJson.Get(board, "IsRamping")) == "true") ramping = true;
        }
        var profileName = TolerantJson.Text(TolerantJson.Get(config, "Profile")) ?? "default";
        string? type = null, luxMiner = null;
        var version = TolerantJson.Get(reply, "version");
        if (version.ValueKind == JsonValueKind.Array && version.GetArrayLength() > 0 && version[0].ValueKind == JsonValueKind.Object
            && TolerantJson.First(version[0], "VERSION") is { ValueKind: JsonValueKind.Object } v)
        {
            type = TolerantJson.Text(TolerantJson.Get(v, "Type"));
            luxMiner = TolerantJson.Text(TolerantJson.Get(v, "LUXminer"));
        }
        var (temperatures, fans) = Temperatures(reply);
        return new StatusReading(ths, watts, ramping, profileName, temperatures, type, luxMiner) { FanRpm = fans };
    }

    private static (List<double> Temperatures, IReadOnlyList<double>? FanRpm) Temperatures(JsonElement reply)
    {
        var result = new List<double>();
        var fans = new SortedDictionary<int, double>();
        var stats = TolerantJson.Get(reply, "stats");
        if (stats.ValueKind == JsonValueKind.Array && stats.GetArrayLength() > 0 && stats[0].ValueKind == JsonValueKind.Object
            && TolerantJson.Get(stats[0], "STATS") is { ValueKind: JsonValueKind.Array } a && a.GetArrayLength() > 1
            && a[1].ValueKind == JsonValueKind.Object)
        {
            foreach (var property in a[1].EnumerateObject())
            {
                if (property.Name.StartsWith("fan", StringComparison.Ordinal) && int.TryParse(property.Name.AsSpan(3), out var fan)
                    && TolerantJson.Number(property.Value, $"stats.STATS.{property.Name}") is { } rpm && rpm >= 0)
                    fans[fan] = rpm;
                if (!property.Name.StartsWith("temp_chip", StringComparison.Ordinal)) continue;
                var temps = (TolerantJson.Text(property.Value) ?? "").Split('-')
                    .Select(x => double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0)
                    .Where(d => d > 0).ToList();
                if (temps.Count > 0) result.Add(temps.Average());
            }
        }
        return (result, fans.Count == 0 ? null : fans.Values.ToList());
    }

    public Task SleepAsync(CancellationToken cancellationToken = default) =>
        WithSessionAsync(static (self, sid, ct) => self.WriteAsync("curtail", $"{sid},sleep", ct), cancellationToken);

    public Task WakeAsync(CancellationToken cancellationToken = default) =>
        WithSessionAsync(static (self, sid, ct) => self.WriteAsync("curtail", $"{sid},wakeup", ct), cancellationToken);

    /// <summary>A write whose reply only has to say success: read without a JSON node tree (a shed sends thousands).</summary>
    private Task<bool> WriteAsync(string command, string parameter, CancellationToken ct) =>
        _api.CommandAsync(command, parameter, static _ => true, cancellationToken: ct);

    public async Task<PowerLimits> GetPowerLimitsAsync(CancellationToken cancellationToken = default)
    {
        var profiles = await ProfilesAsync(cancellationToken).ConfigureAwait(false);
        return profiles.Count == 0 ? Model.DefaultLimits : new PowerLimits(profiles.Min(p => p.Watts), profiles.Max(p => p.Watts));
    }

    public async Task SetPowerTargetAsync(double watts, CancellationToken cancellationToken = default)
    {
        await EnsureWithinLimitsAsync(this, watts, cancellationToken).ConfigureAwait(false);
        // The highest profile not above the request, so a site target is never exceeded (the "NNNNW" selector
        // picks the nearest, which may be above).
        var profiles = await ProfilesAsync(cancellationToken).ConfigureAwait(false);
        var chosen = profiles.Where(p => p.Watts <= watts + 0.5).OrderByDescending(p => p.Watts).Select(p => p.Name).FirstOrDefault()
                     ?? $"{watts.ToString("0", CultureInfo.InvariantCulture)}W";
        var atm = await _api.CommandAsync("atm", cancellationToken: cancellationToken).ConfigureAwait(false);
        var atmOn = TolerantJson.Text(TolerantJson.First(atm, "ATM")?["Enabled"]) == "true";
        await WithSessionAsync(async (self, sid, ct) =>
        {
            if (atmOn) await self.WriteAsync("atmset", $"{sid},enabled=false", ct).ConfigureAwait(false);
            try
            {
                await self.WriteAsync("profileset", $"{sid},{chosen}", ct).ConfigureAwait(false);
            }
            finally
            {
                if (atmOn) await self.WriteAsync("atmset", $"{sid},enabled=true", ct).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<(string Name, double Watts)>> ProfilesAsync(CancellationToken ct)
    {
        if (_profiles is not null) return _profiles;
        // Read where it was received (no node tree): every miner's first read of a fleet asks for its profiles.
        var list = await _api.CommandAsync("profiles", null, static reply =>
        {
            var profiles = new List<(string Name, double Watts)>();
            if (TolerantJson.Get(reply, "PROFILES") is { ValueKind: JsonValueKind.Array } array)
            {
                foreach (var p in array.EnumerateArray())
                {
                    if (p.ValueKind != JsonValueKind.Object) continue;
                    var name = TolerantJson.Text(TolerantJson.Get(p, "Profile Name")) ?? "";
                    var watts = TolerantJson.Number(TolerantJson.Get(p, "Watts"), "PROFILES.Watts") ?? 0;
                    if (name.Length > 0 && watts > 0) profiles.Add((name, watts));
                }
            }
            return profiles;
        }, cancellationToken: ct).ConfigureAwait(false);
        _profiles = SharedProfiles.Share(list);
        return _profiles;
    }

    /// <summary>
    /// Runs a write in our session: the lingering one if there is one, else a new logon. Writes to this miner take
    /// turns (two at once would both log on, and the second would trip the firmware's one-session lock), and a logon
    /// never overlaps our own logoff. A refusal naming the session (expired, miner rebooted) of a reused session logs
    /// on again once.
    /// </summary>
    /// <remarks>The write is handed this miner, so that a sleep's or a wake's is a static lambda: no delegate per command.</remarks>
    private async Task WithSessionAsync(Func<LuxOsMiner, string, CancellationToken, Task> write, CancellationToken ct)
    {
        await _sessionGate.WaitAsync(ct).ConfigureAwait(false);
        var handedOver = false;
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var reused = _session is not null;
                _session ??= await LogonAsync(ct).ConfigureAwait(false);
                try
                {
                    await write(this, _session, ct).ConfigureAwait(false);
                    return;
                }
                catch (MinerException ex) when (reused && attempt == 0 && ex.Kind == MinerFailureKind.Rejected
                                                && ex.Reason.Contains("session", StringComparison.OrdinalIgnoreCase))
                {
                    _session = null; // the firmware dropped it: never send that id again
                }
            }
        }
        finally
        {
            handedOver = ReleaseLater();
            if (!handedOver) _sessionGate.Release();
        }
    }

    /// <summary>
    /// Called holding the gate after a write: arms the linger timer, or with no linger starts the logoff, which then
    /// owns the gate until it is done (returns true).
    /// </summary>
    private bool ReleaseLater()
    {
        var linger = Options.LuxOsSessionLinger;
        if (_session is null || linger == Timeout.InfiniteTimeSpan) return false;
        if (linger <= TimeSpan.Zero)
        {
            var sid = _session;
            _session = null;
            _ = LogoffAndReleaseAsync(sid);
            return true;
        }
        _logoffTimer.Change(linger, Timeout.InfiniteTimeSpan);
        return false;
    }

    private void LogoffIfIdle()
    {
        // A write holds the gate: it re-arms the linger when it ends.
        if (!_sessionGate.Wait(0)) return;
        var sid = _session;
        _session = null;
        if (sid is null) _sessionGate.Release();
        else _ = LogoffAndReleaseAsync(sid);
    }

    /// <summary>Logs off holding the gate, so that the next write's logon comes after it.</summary>
    private async Task LogoffAndReleaseAsync(string sid)
    {
        try
        {
            await _api.CommandAsync("logoff", sid, static _ => true, checkStatus: false, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (MinerException)
        {
            // The session expires by itself after 60 s idle.
        }
        finally
        {
            _sessionGate.Release();
        }
    }

    /// <summary>Logs off a lingering session now (a controller or a benchmark that exits must not leave the miner locked).</summary>
    public async ValueTask DisposeAsync()
    {
        await _sessionGate.WaitAsync().ConfigureAwait(false);
        // Disarmed, not disposed: a write after this (none is expected) arms it again and its session is still logged off.
        _logoffTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var sid = _session;
        _session = null;
        if (sid is null) _sessionGate.Release();
        else await LogoffAndReleaseAsync(sid).ConfigureAwait(false);
    }

    /// <summary>
    /// Logs on. A logon whose reply never came may still have opened a session on the miner, which is then ours but
    /// unknown to us, and every further logon would be refused with 402 until it expired (60 s idle). So after an
    /// unanswered logon, a 402 within that expiry adopts the miner's current session (the `session` command) instead.
    /// </summary>
    private async Task<string> LogonAsync(CancellationToken ct)
    {
        (string? Sid, (bool Ok, int? Code, string Message) Status) logon;
        try
        {
            // STATUS only without a session id: a logon that got one needs nothing else from the reply.
            logon = await _api.CommandAsync("logon", null,
                static reply => SessionId(reply) is { Length: > 0 } sid ? (sid, (true, (int?)null, "")) : ((string?)null, CgminerClient.ReadStatus(reply)),
                checkStatus: false, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (MinerException ex) when (ex.Kind is MinerFailureKind.Timeout or MinerFailureKind.Connection)
        {
            _unansweredLogonAt = Time.GetUtcNow();
            throw;
        }
        if (!string.IsNullOrEmpty(logon.Sid))
        {
            _unansweredLogonAt = null;
            return logon.Sid;
        }
        var (_, code, msg) = logon.Status;
        if (code == 402 && _unansweredLogonAt is { } at && Time.GetUtcNow() - at < OrphanWindow)
        {
            var orphan = await _api.CommandAsync("session", null, SessionId, checkStatus: false, cancellationToken: ct).ConfigureAwait(false);
            _unansweredLogonAt = null;
            if (!string.IsNullOrEmpty(orphan)) return orphan;
        }
        throw new MinerException(Id, code == 402 ? MinerFailureKind.Busy : MinerFailureKind.Rejected,
            $"logon refused: code {code} {msg} (LuxOS allows one session per miner)");
    }

    /// <summary>SESSION[0].SessionID of a logon or session reply; null or empty when there is none.</summary>
    private static string? SessionId(JsonElement reply) =>
        TolerantJson.First(reply, "SESSION") is { ValueKind: JsonValueKind.Object } session ? TolerantJson.Text(TolerantJson.Get(session, "SessionID")) : null;

    /// <summary>
    /// One copy of each distinct profile list: the miners of a model list the same 25 profiles, and 10,000 private
    /// copies (names and all) were 15 MB of a 38 MB live heap. The lists are arrays, never changed once shared.
    /// </summary>
    private static class SharedProfiles
    {
        private static readonly ConcurrentDictionary<(string Name, double Watts)[], (string Name, double Watts)[]> Lists = new(new ByContent());

        public static IReadOnlyList<(string Name, double Watts)> Share(List<(string Name, double Watts)> list)
        {
            var array = list.ToArray();
            return Lists.GetOrAdd(array, array);
        }

        /// <summary>Two lists are the same when they name the same profiles with the same watts, in the same order.</summary>
        private sealed class ByContent : IEqualityComparer<(string Name, double Watts)[]>
        {
            public bool Equals((string Name, double Watts)[]? x, (string Name, double Watts)[]? y) =>
                ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

            public int GetHashCode((string Name, double Watts)[] list)
            {
                var hash = new HashCode();
                foreach (var (name, watts) in list)
                {
                    hash.Add(name, StringComparer.Ordinal);
                    hash.Add(watts);
                }
                return hash.ToHashCode();
            }
        }
    }
}

using System.Text.Json.Nodes;
using Curtail.Miners.Protocols;

namespace Curtail.Miners.Drivers;

/// <summary>
/// Whatsminer API v3 (firmware 2024-11 and later) on TCP 4433: length-prefixed JSON; set.* commands signed with a
/// per-command token over the salt from get.device.info (miner-apis.md §6). The salt is fetched on the same
/// connection as each write, so a rebooted miner's new salt never makes a write fail.
/// </summary>
public sealed class WhatsminerV3Miner : MinerDriver, ISleepable, IPowerTargetable
{
    private readonly FramedJsonClient _api;

    public WhatsminerV3Miner(string id, MinerEndpoint endpoint, ModelSpec model, MinerCredentials credentials,
        TimeProvider time, DriverOptions? options = null)
        : base(id, endpoint, model, credentials, time, options ?? DriverOptions.Default)
    {
        _api = new FramedJsonClient(id, endpoint.Host, endpoint.Port, Options.CommandTimeout);
    }

    public override MinerFamily Family => MinerFamily.WhatsminerV3;

    protected override async Task<MinerStatus> ReadStatusCoreAsync(CancellationToken cancellationToken)
    {
        JsonObject? status = null;
        var info = await _api.ExchangeAsync(previous =>
        {
            if (previous is null) return new JsonObject { ["cmd"] = "get.miner.status", ["param"] = "summary" };
            if (status is null)
            {
                status = previous;
                return new JsonObject { ["cmd"] = "get.device.info", ["param"] = "miner" };
            }
            return null;
        }, cancellationToken).ConfigureAwait(false);
        var summary = Ok(status!, "get.miner.status")["summary"] as JsonObject ?? throw Protocol("get.miner.status lacks summary");
        var miner = Ok(info, "get.device.info")["miner"] as JsonObject;
        var working = TolerantJson.Text(miner?["working"]) != "false";
        var ths = TolerantJson.Number(summary["hash-realtime"]) ?? 0;
        var power = TolerantJson.Number(summary["power-realtime"]);
        var limit = TolerantJson.Number(summary["power-limit"]);
        var ramping = TolerantJson.Number(summary["up-freq-finish"]) == 0;
        var mode = !working ? MinerMode.Sleeping
            : ramping ? MinerMode.Ramping
            : limit is { } l && l > 0 && l < Model.NominalW - 1 ? MinerMode.Throttled : MinerMode.Running;
        var temps = (summary["board-temperature"] as JsonArray)?.Select(TolerantJson.Number).OfType<double>().ToList() ?? [];
        return new MinerStatus(Id, Family, TolerantJson.Text(miner?["type"]) ?? Model.Name, "btminer v3", ths,
            power ?? EstimatePower(ths, !working), power is null ? PowerSource.Estimated : PowerSource.Measured, temps, mode,
            limit is > 0 ? limit : null, Time.GetUtcNow()) { FanRpm = FanSpeeds.Named(summary, "fan-speed-in", "fan-speed-out") };
    }

    public Task SleepAsync(CancellationToken cancellationToken = default) => SetAsync("set.miner.service", "stop", cancellationToken);

    public Task WakeAsync(CancellationToken cancellationToken = default) => SetAsync("set.miner.service", "start", cancellationToken);

    public Task<PowerLimits> GetPowerLimitsAsync(CancellationToken cancellationToken = default) => Task.FromResult(Model.DefaultLimits);

    public async Task SetPowerTargetAsync(double watts, CancellationToken cancellationToken = default)
    {
        await EnsureWithinLimitsAsync(this, watts, cancellationToken).ConfigureAwait(false);
        await SetAsync("set.miner.power_limit", JsonValue.Create((long)Math.Round(watts)), cancellationToken).ConfigureAwait(false);
    }

    private async Task SetAsync(string cmd, JsonNode param, CancellationToken ct)
    {
        var sent = false;
        var reply = await _api.ExchangeAsync(previous =>
        {
            if (previous is null) return new JsonObject { ["cmd"] = "get.device.info", ["param"] = "salt" };
            if (sent) return null;
            var salt = TolerantJson.Text((Ok(previous, "get.device.info"))["salt"])
                       ?? throw Protocol("get.device.info salt reply lacks msg.salt");
            var ts = Time.GetUtcNow().ToUnixTimeSeconds();
            sent = true;
            return new JsonObject
            {
                ["cmd"] = cmd, ["param"] = param.DeepClone(), ["ts"] = ts, ["account"] = Credentials.User,
                ["token"] = WhatsminerCrypto.V3Token(cmd, Credentials.Password, salt, ts),
            };
        }, ct).ConfigureAwait(false);
        var code = TolerantJson.Number(reply["code"]);
        if (code == -4) throw new MinerException(Id, MinerFailureKind.Authentication, $"'{cmd}' refused: {TolerantJson.Text(reply["msg"])} (check account/password)");
        Ok(reply, cmd);
    }

    /// <summary>Success is code 0 only (the msg shape differs between firmware builds).</summary>
    private JsonObject Ok(JsonObject reply, string cmd)
    {
        var code = TolerantJson.Number(reply["code"]);
        if (code != 0) throw Rejected($"'{cmd}' refused: code {code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} {TolerantJson.Text(reply["msg"])}");
        return reply["msg"] as JsonObject ?? [];
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using Curtail.Miners.Protocols;

namespace Curtail.Miners.Drivers;

/// <summary>
/// Whatsminer API v2 (btminer, firmware before 2024-11) on TCP 4028: plaintext reads; writes encrypted with the
/// md5-crypt token and AES-256-ECB (miner-apis.md §5.2). The token is cached 25 min and fetched again on Code 135.
/// power_off is sent without waiting for a reply that real firmware never sends; confirmation is by read-back.
/// </summary>
public sealed class WhatsminerV2Miner : MinerDriver, ISleepable, IPowerTargetable
{
    private static readonly TimeSpan TokenReuse = TimeSpan.FromMinutes(25);
    private readonly CgminerClient _api;
    private readonly SemaphoreSlim _tokenGate = new(1, 1);
    private (string Key, string Sign, DateTimeOffset Until)? _token;
    private string? _firmware;

    public WhatsminerV2Miner(string id, MinerEndpoint endpoint, ModelSpec model, MinerCredentials credentials,
        TimeProvider time, DriverOptions? options = null)
        : base(id, endpoint, model, credentials, time, options ?? DriverOptions.Default)
    {
        _api = new CgminerClient(id, endpoint.Host, endpoint.Port, Options.CommandTimeout);
    }

    public override MinerFamily Family => MinerFamily.WhatsminerV2;

    protected override async Task<MinerStatus> ReadStatusCoreAsync(CancellationToken cancellationToken)
    {
        var summaryTask = _api.CommandAsync("summary", cancellationToken: cancellationToken);
        var statusTask = _api.CommandAsync("status", cancellationToken: cancellationToken);
        var summaryReply = await summaryTask.ConfigureAwait(false);
        var statusReply = await statusTask.ConfigureAwait(false);
        var summary = TolerantJson.First(summaryReply, "SUMMARY") ?? throw Protocol("summary reply lacks SUMMARY");
        var off = TolerantJson.Text((statusReply["Msg"] as JsonObject)?["mineroff"]) == "true";
        var ths = (TolerantJson.Number(summary["MHS 5s"]) ?? TolerantJson.Number(summary["MHS av"]) ?? 0) / 1e6;
        var power = TolerantJson.Number(summary["Power"]);
        if (power is < 0) power = null; // -1 means unknown
        var limit = TolerantJson.Number(summary["Power Limit"]);
        var ramping = TolerantJson.Number(summary["Upfreq Complete"]) == 0;
        var mode = off ? MinerMode.Sleeping
            : ramping ? MinerMode.Ramping
            : limit is { } l && l > 0 && l < Model.NominalW - 1 ? MinerMode.Throttled : MinerMode.Running;
        var temp = TolerantJson.Number(summary["Chip Temp Avg"]);
        _firmware ??= await FirmwareAsync(cancellationToken).ConfigureAwait(false);
        return new MinerStatus(Id, Family, Model.Name, _firmware, ths, power ?? EstimatePower(ths, off),
            power is null ? PowerSource.Estimated : PowerSource.Measured, temp is { } t ? [t] : [], mode,
            limit is > 0 ? limit : null, Time.GetUtcNow()) { FanRpm = FanSpeeds.Named(summary, "Fan Speed In", "Fan Speed Out") };
    }

    private async Task<string> FirmwareAsync(CancellationToken ct)
    {
        var reply = await _api.CommandAsync("get_version", checkStatus: false, cancellationToken: ct).ConfigureAwait(false);
        return "btminer " + (TolerantJson.Text((reply["Msg"] as JsonObject)?["fw_ver"]) ?? "?");
    }

    public async Task SleepAsync(CancellationToken cancellationToken = default)
    {
        var reply = await PrivilegedAsync(new JsonObject { ["cmd"] = "power_off", ["respbefore"] = "false" },
            silentAllowed: true, cancellationToken).ConfigureAwait(false);
        if (reply is not null) Check(reply, "power_off");
    }

    public async Task WakeAsync(CancellationToken cancellationToken = default)
    {
        var reply = await PrivilegedAsync(new JsonObject { ["cmd"] = "power_on" }, silentAllowed: false, cancellationToken).ConfigureAwait(false);
        Check(reply!, "power_on");
    }

    public Task<PowerLimits> GetPowerLimitsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(Model.DefaultLimits); // "cannot exceed the machine's normal power"

    public async Task SetPowerTargetAsync(double watts, CancellationToken cancellationToken = default)
    {
        await EnsureWithinLimitsAsync(this, watts, cancellationToken).ConfigureAwait(false);
        var reply = await PrivilegedAsync(new JsonObject
        {
            ["cmd"] = "adjust_power_limit", ["power_limit"] = watts.ToString("0", CultureInfo.InvariantCulture),
        }, silentAllowed: false, cancellationToken).ConfigureAwait(false);
        Check(reply!, "adjust_power_limit");
    }

    private void Check(JsonObject reply, string command)
    {
        var (ok, code, msg) = CgminerClient.ReadStatus(reply);
        if (!ok) throw Rejected($"'{command}' refused: code {code} {msg}");
    }

    /// <summary>Encrypts and sends; on Code 135 (token expired or miner rebooted) fetches a new token once.</summary>
    private async Task<JsonObject?> PrivilegedAsync(JsonObject command, bool silentAllowed, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (key, sign) = await TokenAsync(forceNew: attempt > 0, ct).ConfigureAwait(false);
            var body = (JsonObject)command.DeepClone();
            body["token"] = sign;
            var request = new JsonObject { ["enc"] = 1, ["data"] = WhatsminerCrypto.Encrypt(key, body.ToJsonString()) }.ToJsonString();
            string? text;
            if (silentAllowed) text = await _api.SendMaybeSilentAsync(request, Options.SilentReplyGrace, ct).ConfigureAwait(false);
            else text = (await _api.SendRawAsync(request, ct).ConfigureAwait(false)).ToJsonString();
            if (text is null) return null;
            var outer = ParseOrThrow(text);
            var reply = outer["enc"] is JsonValue enc && enc.TryGetValue<string>(out var cipher)
                ? ParseOrThrow(DecryptOrThrow(key, cipher))
                : outer;
            var (_, code, msg) = CgminerClient.ReadStatus(reply);
            if (code == 135 && attempt == 0) continue;
            if (code == 135) throw new MinerException(Id, MinerFailureKind.Authentication, $"token refused twice: {msg}");
            if (code == 136) throw new MinerException(Id, MinerFailureKind.Busy, "token quota exhausted (Code 136)");
            if (code == 137) throw new MinerException(Id, MinerFailureKind.Authentication, "the miner could not decrypt the command (Code 137): wrong password?");
            if (code == 45) throw new MinerException(Id, MinerFailureKind.Rejected, "write API disabled or not permitted (Code 45); enable it in WhatsMinerTool");
            return reply;
        }
    }

    private JsonObject ParseOrThrow(string text)
    {
        try
        {
            return TolerantJson.ParseObject(text, "privileged reply");
        }
        catch (FormatException ex)
        {
            throw new MinerException(Id, MinerFailureKind.Protocol, ex.Message, ex);
        }
    }

    private string DecryptOrThrow(string key, string cipher)
    {
        try
        {
            return WhatsminerCrypto.Decrypt(key, cipher);
        }
        catch (Exception ex) when (ex is FormatException or System.Security.Cryptography.CryptographicException)
        {
            throw new MinerException(Id, MinerFailureKind.Authentication, "reply does not decrypt with our key: wrong password?", ex);
        }
    }

    private async Task<(string Key, string Sign)> TokenAsync(bool forceNew, CancellationToken ct)
    {
        await _tokenGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!forceNew && _token is { } t && t.Until > Time.GetUtcNow()) return (t.Key, t.Sign);
            var reply = await _api.SendRawAsync("{\"cmd\":\"get_token\"}", ct).ConfigureAwait(false);
            if (reply["Msg"] is not JsonObject msg)
            {
                var (_, code, text) = CgminerClient.ReadStatus(reply);
                throw new MinerException(Id, code == 136 ? MinerFailureKind.Busy : MinerFailureKind.Authentication,
                    $"get_token refused: code {code} {text}");
            }
            var time = TolerantJson.Text(msg["time"]) ?? "";
            var salt = TolerantJson.Text(msg["salt"]) ?? "";
            var newSalt = TolerantJson.Text(msg["newsalt"]) ?? "";
            if (salt.Length == 0 || newSalt.Length == 0) throw Protocol("get_token reply lacks salt/newsalt");
            var key = WhatsminerCrypto.Key(Credentials.Password, salt);
            var sign = WhatsminerCrypto.Sign(key, time, newSalt);
            _token = (key, sign, Time.GetUtcNow() + TokenReuse);
            return (key, sign);
        }
        finally
        {
            _tokenGate.Release();
        }
    }
}

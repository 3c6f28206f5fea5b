using System.Globalization;
using System.Security.Cryptography;
using Curtail.Controller.Hosting;
using Curtail.Emulators.Ercot;
using Curtail.Emulators.Genset;
using Curtail.Emulators.Miners;
using Curtail.Ercot;
using Curtail.Miners;
using Curtail.Miners.Fleet;

namespace Curtail.Cli.Tests.FaultInjection;

internal sealed record FaultSiteOptions
{
    /// <summary>Replay start, CPT; by default a few minutes after the first interval of the 2023-08-17 HB_WEST spike settled ($651.53).</summary>
    public DateTimeOffset Start { get; init; } = new(2023, 8, 17, 13, 50, 0, TimeSpan.FromHours(-5));
    public double Speed { get; init; } = 30;
    public int Miners { get; init; } = 12;
    /// <summary>
    /// Families of the emulated fleet. Not Whatsminer v3: its commands carry a timestamp the miner accepts within a
    /// minute of its own clock, and the controller's replay clock, started in another process a few real seconds
    /// later, lags the emulators' by more than a replayed minute at these speeds.
    /// </summary>
    public string Mix { get; init; } = "luxos:50,braiins:25,antminer:25";
    public bool Genset { get; init; }

    /// <summary>With <see cref="Genset"/>: a grid-tied site (energy.sources: the grid with paid export and the genset, read over Modbus), the emulated genset paralleled with the grid.</summary>
    public bool GridTied { get; init; }
    public double CurtailAbove { get; init; } = 150;
    public double ResumeBelow { get; init; } = 100;

    /// <summary>
    /// A PostgreSQL connection string: the controllers store there (each test its own schema) instead of in SQLite.
    /// </summary>
    public string? Postgres { get; init; }

    /// <summary>Further loopback addresses the miners listen on, one per controller of a cluster test.</summary>
    public IReadOnlyList<System.Net.IPAddress> AlsoListenOn { get; init; } = [];

    /// <summary>Real-time delay of the Antminer's config reply (firmware: ~20 s), to keep a dispatch in flight.</summary>
    public TimeSpan? AntminerConfReply { get; init; }
}

/// <summary>
/// An emulated site for fault injection: the ERCOT feed, the miners and (optionally) the genset as real network servers
/// in the test process, on the replay clock, with their fault switches at hand; the controller runs as `curtail run`
/// in its own process against them. The emulators' own readings are the ground truth of every assertion.
/// </summary>
internal sealed class FaultSite : IAsyncDisposable
{
    public const string TokenVariable = "CURTAIL_FAULT_TEST_TOKEN";
    private readonly List<ControllerProcess> _controllers = [];

    private FaultSite(FaultSiteOptions options, AcceleratedTimeProvider time, ErcotApiEmulator ercot, MinerFleetEmulator fleet, GensetEmulator? genset, string dir)
    {
        Options = options;
        Time = time;
        Ercot = ercot;
        Fleet = fleet;
        Genset = genset;
        Directory = dir;
    }

    public FaultSiteOptions Options { get; }
    public AcceleratedTimeProvider Time { get; }
    public ErcotApiEmulator Ercot { get; }
    public MinerFleetEmulator Fleet { get; }
    public GensetEmulator? Genset { get; }
    public string Directory { get; }
    public string Token { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    public double FullPowerW => Fleet.Miners.Sum(m => m.Model.NominalW);
    public int Asleep => Fleet.Miners.Count(m => m.Asleep);

    public static FaultSite Start(FaultSiteOptions options)
    {
        var dir = Path.Combine(Path.GetTempPath(), "curtail-fault-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(dir);
        var time = new AcceleratedTimeProvider(options.Start, options.Speed);
        var ercot = new ErcotApiEmulator(ErcotEmulatorData.Load(ShippedData.Locate(), ["HB_WEST"]),
            new ErcotEmulatorOptions { StartUtc = time.GetUtcNow(), Speed = 1, Username = "fault-test", Password = "pw", SubscriptionKey = "key", RequestsPerMinute = 10_000 }, time);
        ercot.Start();
        var fleet = new MinerFleetEmulator(new FleetEmulatorOptions
        {
            Count = options.Miners, Mix = FleetEmulatorOptions.ParseMix(options.Mix), BasePort = FreePortBlock(options.Miners), Seed = 29,
            Timing = new EmulatorTiming { SpeedFactor = options.Speed, AntminerConfReplyOverride = options.AntminerConfReply },
            AlsoListenOn = options.AlsoListenOn,
        }, time);
        fleet.Start();
        GensetEmulator? genset = null;
        if (options.Genset)
        {
            var fullKw = fleet.Miners.Sum(m => m.Model.NominalW) / 1000;
            genset = new GensetEmulator(new GensetEmulatorOptions { RatedKw = Math.Ceiling(fullKw * 1.25 / 10) * 10, InitialSiteLoadKw = fullKw, Seed = 29, MaxStepLoadPct = 100, GridTied = options.GridTied },
                TimeProvider.System, () => fleet.TotalPowerW / 1000);
            genset.Start();
        }
        var site = new FaultSite(options, time, ercot, fleet, genset, dir);
        site.WriteFiles();
        return site;
    }

    /// <summary>
    /// Starts `curtail run` with the replay clock at the site's present replay time. A cluster instance gets its own
    /// directory (its own price cache), <paramref name="cluster"/> as its instance id, and reaches the miners at
    /// <paramref name="minerAddress"/>, so the miners can tell its commands from another instance's.
    /// </summary>
    public async Task<ControllerProcess> StartControllerAsync(string? cluster = null, string? minerAddress = null)
    {
        var dir = cluster is null ? Directory : Path.Combine(Directory, cluster);
        System.IO.Directory.CreateDirectory(dir);
        WriteConfig(Time.GetUtcNow(), dir, cluster, minerAddress);
        var controller = await ControllerProcess.StartAsync(Path.Combine(dir, "site.yaml"), new Dictionary<string, string>
        {
            [TokenVariable] = Token,
            ["ERCOT_API_USERNAME"] = "fault-test",
            ["ERCOT_API_PASSWORD"] = "pw",
            ["ERCOT_API_SUBSCRIPTION_KEY"] = "key",
        }, Token);
        _controllers.Add(controller);
        return controller;
    }

    /// <summary>Replay time now, CPT.</summary>
    public DateTimeOffset LocalNow => Curtail.Core.Time.CentralPrevailingTime.ToLocal(Time.GetUtcNow());

    /// <summary>Waits (real time) for a condition on the emulators, returning whether it held in time.</summary>
    public static async Task<bool> WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (condition()) return true;
            await Task.Delay(50);
        }
        return condition();
    }

    private void WriteFiles() => WriteFleet(Directory, null);

    private void WriteFleet(string dir, string? minerAddress)
    {
        var specs = Fleet.Miners.Select(m => m.Endpoint with { Host = minerAddress ?? m.Endpoint.Host })
            .Select((e, i) => new MinerSpec($"{e.Host}:{e.Port}", Fleet.Miners[i].Family, e, Fleet.Miners[i].Model, Fleet.Miners[i].Credentials)).ToList();
        File.WriteAllText(Path.Combine(dir, "fleet.yaml"), FleetFile.Describe(specs));
        var passwords = Fleet.Miners.Where(m => m.Credentials != MinerCredentials.Default(m.Family)).Select(m => m.Credentials.Password).Distinct().ToList();
        if (passwords.Count > 0) File.WriteAllText(Path.Combine(dir, "fleet.password"), passwords[0]);
    }

    private void WriteConfig(DateTimeOffset replayNow, string dir, string? cluster, string? minerAddress)
    {
        if (dir != Directory) WriteFleet(dir, minerAddress);
        var storage = Options.Postgres is { } pg ? $"{{postgres: \"{pg}\"}}" : $"{{sqlite: {Path.Combine(Directory, "state.db")}}}";
        var clusterLine = cluster is null ? "" : $"\n  cluster: {{instance_id: {cluster}, checkin_seconds: 2, lease_seconds: 6}}";
        var count = Fleet.Miners.Count;
        var powerW = FullPowerW / count;
        var ths = Fleet.Miners.Sum(m => m.Model.NominalThs) / count;
        string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
        var genset = Genset is null ? "" : $$$"""

              genset:
                endpoint: 127.0.0.1:{{{Genset.Port}}}
                map: default
                poll_ms: {{{F(1000 * Options.Speed)}}}
                load_following: {fail_safe: shed, safe_load_kw: 0, max_step_load_pct: 100}
            """;
        var sources = Genset is null || !Options.GridTied ? "" : $$$"""

            energy:
              contract: index
              sources:
                grid: {export_limit_kw: {{{F(Genset.Options.RatedKw)}}}, export_paid: real_time}
                gensets: [{name: flare, rated_kw: {{{F(Genset.Options.RatedKw)}}}, available: modbus, min_load_pct: 30}]
            """;
        File.WriteAllText(Path.Combine(dir, "site.yaml"), $$$"""
            name: Fault-injection site
            settlement_point: HB_WEST{{{sources}}}
            economics: {hashprice: {usd_per_th_day: 0.05}}
            fleet: [{group: site, count: {{{count}}}, hashrate_th: {{{F(ths)}}}, power_w: {{{F(powerW)}}}}]
            policy: {kind: threshold, curtail_above_usd_per_mwh: {{{F(Options.CurtailAbove)}}}, resume_below_usd_per_mwh: {{{F(Options.ResumeBelow)}}}}
            controller:
              listen: http://127.0.0.1:0
              storage: {{{storage}}}{{{clusterLine}}}
              tokens: [{name: ops, role: operator, token_env: {{{TokenVariable}}}}]
              prices: {base_url: "{{{Ercot.BaseUrl}}}"}
              fleet: {{{Path.Combine(dir, "fleet.yaml")}}}
              cycle_minutes: 5
              time: {start: "{{{replayNow:O}}}", speed: {{{F(Options.Speed)}}}}{{{genset}}}
            """);
    }

    /// <summary>A block of 2·count free ports (each miner may have a second API port).</summary>
    private static int FreePortBlock(int count)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var basePort = 32000 + Random.Shared.Next(0, 250) * 100;
            var ok = true;
            for (var p = basePort; p < basePort + 2 * count && ok; p++)
            {
                try
                {
                    using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, p);
                    probe.Start();
                }
                catch (System.Net.Sockets.SocketException)
                {
                    ok = false;
                }
            }
            if (ok) return basePort;
        }
        throw new InvalidOperationException("no block of free ports for the emulated miners");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _controllers) await c.DisposeAsync();
        if (Genset is not null) await Genset.StopAsync();
        await Fleet.StopAsync();
        await Ercot.DisposeAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

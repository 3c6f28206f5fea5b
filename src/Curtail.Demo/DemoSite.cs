using System.Security.Cryptography;
using Curtail.Controller.Config;
using Curtail.Controller.Hosting;
using Curtail.Core.Fleet;
using Curtail.Core.LoadFollowing;
using Curtail.Core.Sites;
using Curtail.Core.Time;
using Curtail.Emulators.Ercot;
using Curtail.Emulators.Genset;
using Curtail.Emulators.Miners;
using Curtail.Emulators.OpenAdr;
using Curtail.Ercot;
using Curtail.Ercot.Api;
using Curtail.Miners;
using Curtail.Miners.Fleet;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Curtail.Demo;

/// <summary>What `curtail demo` runs: the day, the speed, the size of the emulated fleet.</summary>
public sealed record DemoOptions
{
    /// <summary>
    /// Start of the replay; default 16:30 CDT on 2024-05-08, the run-up to that evening's HB_WEST spike: the first SCED
    /// run above $1,000 came at 17:05:15 ($1,731.50), the LMP reached $4,998 at 20:10 and fell below $300 at 20:55.
    /// </summary>
    public DateTimeOffset Start { get; init; } = DefaultStart;

    public static readonly DateTimeOffset DefaultStart = new(2024, 5, 8, 16, 30, 0, TimeSpan.FromHours(-5));
    public double Speed { get; init; } = 120;
    /// <summary>A real site's scale: 1,000 miners (about 3.2 MW nameplate) of seven firmware families.</summary>
    public int Miners { get; init; } = DefaultMiners;

    public const int DefaultMiners = 1000;
    public string Mix { get; init; } = DefaultMix;

    public const string DefaultMix = "luxos:25,antminer:20,whatsminer:15,braiins:10,vnish:10,epic:10,avalon:10";
    public int Port { get; init; } = 8080;

    /// <summary>Miner i listens on base+i, second APIs after the main ports: 1,000 miners take at most 27000-28999, below the ephemeral range.</summary>
    public int MinerBasePort { get; init; } = 27000;
    public string? WorkDirectory { get; init; }
    public double CurtailAboveUsdPerMwh { get; init; } = 1000;
    public double ResumeBelowUsdPerMwh { get; init; } = 300;
    /// <summary>Genset poll interval on the replay clock; default one real second at the replay speed.</summary>
    public TimeSpan? GensetPoll { get; init; }
    public TimeSpan CycleInterval { get; init; } = TimeSpan.FromMinutes(5);
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>Also run an OpenADR 3 VTN emulator whose program the site's VEN follows (`curtail demo --openadr`).</summary>
    public bool OpenAdr { get; init; }
}

/// <summary>
/// An emulated site in one process: the ERCOT API emulator replaying the shipped prices (settled SPPs, 5-minute SCED
/// LMPs and the RTD look-ahead derived from them) in accelerated time, a fleet
/// of emulated miners speaking their real protocols, a grid-tied flare-gas genset emulator (base load on free gas; the
/// site imports what the miners need beyond it and exports what they do not use), and the controller driving them over
/// loopback exactly as it would drive real devices.
/// </summary>
public sealed class DemoSite : IAsyncDisposable
{
    private DemoSite(AcceleratedTimeProvider time, ErcotApiEmulator ercot, MinerFleetEmulator fleet, GensetEmulator genset, WebApplication controller,
        ControllerConfig config, string operatorToken, string directory, VtnEmulator? vtn)
    {
        Vtn = vtn;
        Time = time;
        Ercot = ercot;
        Fleet = fleet;
        Genset = genset;
        Controller = controller;
        Config = config;
        OperatorToken = operatorToken;
        Directory = directory;
    }

    /// <summary>The demo genset's minimum load, % of rated.</summary>
    public const double GensetMinLoadPct = 30;

    public AcceleratedTimeProvider Time { get; }
    public ErcotApiEmulator Ercot { get; }
    public MinerFleetEmulator Fleet { get; }
    public GensetEmulator Genset { get; }
    public WebApplication Controller { get; }
    public ControllerConfig Config { get; }
    public string OperatorToken { get; }
    public string Directory { get; }
    public string DashboardUrl => Controller.Urls.First();

    /// <summary>The OpenADR 3 VTN emulator (with <see cref="DemoOptions.OpenAdr"/>): programs <see cref="OpenAdrProgram"/> and <see cref="OpenAdrSb6Program"/>.</summary>
    public VtnEmulator? Vtn { get; }

    public const string OpenAdrProgram = "ercot-dr";
    public const string OpenAdrSb6Program = "ercot-sb6";
    public const string VtnOperator = "vtn-operator";

    /// <summary>
    /// Publishes, as the VTN's operator would, an event of <see cref="OpenAdrProgram"/>: the site's import at most
    /// <paramref name="limitKw"/> from now (replay time) for <paramref name="duration"/>. Returns the event's id.
    /// </summary>
    public string PublishCapacityLimit(double limitKw, TimeSpan duration)
    {
        var vtn = Vtn ?? throw new InvalidOperationException("the demo runs without the OpenADR VTN (DemoOptions.OpenAdr)");
        return vtn.PublishEvent(new System.Text.Json.Nodes.JsonObject
        {
            ["programID"] = vtn.ProgramId(OpenAdrProgram),
            ["eventName"] = "demo capacity limit",
            ["intervalPeriod"] = new System.Text.Json.Nodes.JsonObject { ["start"] = Time.GetUtcNow().ToString("O"), ["duration"] = System.Xml.XmlConvert.ToString(duration) },
            ["intervals"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
            {
                ["id"] = 0,
                ["payloads"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["type"] = "IMPORT_CAPACITY_LIMIT", ["values"] = new System.Text.Json.Nodes.JsonArray(limitKw) }),
            }),
        });
    }

    public static async Task<DemoSite> StartAsync(DemoOptions options, CancellationToken ct = default)
    {
        var dir = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "curtail-demo-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(dir);
        // The history is read before the replay clock starts: at 120x, the seconds it takes would skip most of an hour.
        var shipped = ShippedData.Locate();
        var history = ErcotEmulatorData.Load(shipped, ["HB_WEST"]);
        var time = new AcceleratedTimeProvider(options.Start, options.Speed);
        var credentials = new ErcotApiCredentials("demo", RandomToken(), RandomToken());

        var ercot = new ErcotApiEmulator(history,
            // The emulator runs on the replay clock itself, so what it has published and its rate limit follow replay time.
            new ErcotEmulatorOptions { StartUtc = time.GetUtcNow(), Speed = 1, Username = credentials.Username,
                Password = credentials.Password, SubscriptionKey = credentials.SubscriptionKey,
                // Synthetic AS clearing prices for the demo days (no real MCPC history is shipped): the dashboard's chart.
                McpcFile = File.Exists(shipped.DemoMcpcFile) ? shipped.DemoMcpcFile : null }, time);
        ercot.Start();

        var fleet = new MinerFleetEmulator(new FleetEmulatorOptions
        {
            Count = options.Miners, Mix = FleetEmulatorOptions.ParseMix(options.Mix), BasePort = options.MinerBasePort, Seed = 17,
            // Firmware timing follows the replay clock; the one real-time socket delay (Antminer's ~20 s config reply)
            // is scaled to match, so a write takes 20 s of replay time as everything else does.
            Timing = new EmulatorTiming { AntminerConfReplyOverride = TimeSpan.FromSeconds(20 / options.Speed) },
        }, time);
        fleet.Start();

        var fullKw = fleet.Miners.Sum(m => m.Model.NominalW) / 1000;
        // A grid-tied flare-gas genset sized at 60 % of the fleet: it runs at base load on gas that would otherwise be
        // flared (fuel cost 0), the miners import the rest, and when they shed for a price spike it exports at that price.
        var gensetRatedKw = Math.Ceiling(fullKw * 0.6 / 10) * 10;
        var genset = new GensetEmulator(new GensetEmulatorOptions
        {
            RatedKw = gensetRatedKw, InitialSiteLoadKw = fullKw, Seed = 17, MaxStepLoadPct = 40, MinLoadPct = GensetMinLoadPct, GridTied = true,
            // On the replay clock like everything else; its physics tick is a tenth of a real second.
            TickInterval = TimeSpan.FromSeconds(0.1 * options.Speed),
            // Summing a thousand emulated miners' power is slow on a loaded host: requests are answered from the tick's sample.
            SampleSiteLoadOnTicks = true,
        }, time, () => fleet.TotalPowerW / 1000);
        genset.Start();

        var fleetFile = Path.Combine(dir, "fleet.yaml");
        var specs = fleet.Miners.Select(m => new MinerSpec($"{m.Endpoint.Host}:{m.Endpoint.Port}", m.Family, m.Endpoint, m.Model, m.Credentials)).ToList();
        await File.WriteAllTextAsync(fleetFile, FleetFile.Describe(specs), ct);
        var passwords = fleet.Miners.Where(m => m.Credentials != MinerCredentials.Default(m.Family)).Select(m => m.Credentials.Password).Distinct().ToList();
        if (passwords.Count > 0) await File.WriteAllTextAsync(Path.Combine(dir, "fleet.password"), passwords[0], ct);

        // The VTN stamps its objects on the replay clock; its tokens expire on it too (an hour of replay is ample for a poll a second).
        VtnEmulator? vtn = null;
        if (options.OpenAdr)
        {
            vtn = new VtnEmulator(new VtnEmulatorOptions
            {
                Programs = [OpenAdrProgram, OpenAdrSb6Program],
                Clients = new Dictionary<string, string> { ["curtail-ven"] = RandomToken(), [VtnOperator] = RandomToken() },
                TokenLifetime = TimeSpan.FromDays(30),
            }, time);
            vtn.Start();
        }

        var token = RandomToken();
        var site = new SiteDefinition("Demo flare-gas site (HB_WEST)", "HB_WEST",
            new EnergySettings(6.5, EnergyContract.Index, null),
            new EconomicsSettings(new HashpriceSource(null, "shipped:bitcoin/hashprice_daily.csv.gz"), 0.02),
            fleet.Miners.GroupBy(m => m.Model.Name).Select(g => new FleetGroup(Slug(g.Key), g.Key, g.Count(), g.First().Model.NominalThs, g.First().Model.NominalW, 0.6)).ToList(),
            new PolicySettings(PolicyKind.Threshold, options.CurtailAboveUsdPerMwh, options.ResumeBelowUsdPerMwh, 1, Math.Max(3000, options.CurtailAboveUsdPerMwh), 1),
            new OperatingConstraints(5, 5, 15, 15))
        {
            // The 4CP watch on ERCOT's load forecast, which the emulator serves: the dashboard shows the day's likely peak hours.
            FourCp = FourCpSiteSettings.Default,
            Sources = new EnergySources(new GridSource(null, gensetRatedKw, ExportPaidAtRealTime: true),
                [new GensetSource("flare-gas", gensetRatedKw, GensetAvailability.Reading, null, GensetMinLoadPct, FuelCostUsdPerMwh: 0)]),
        };
        var config = new ControllerConfig
        {
            Site = site,
            Source = Path.Combine(dir, "demo-site.yaml"),
            Listen = $"http://127.0.0.1:{options.Port}",
            SqlitePath = Path.Combine(dir, "curtail.db"),
            Tokens = [new ApiToken("demo-operator", ApiRole.Operator, token)],
            Prices = new PriceFeedConfig(ercot.BaseUrl, null, TimeSpan.FromMinutes(20)),
            Genset = new GensetConfig("127.0.0.1", genset.Port, "default", 1, options.GensetPoll ?? TimeSpan.FromSeconds(options.Speed), new LoadFollowingSettings { MaxStepLoadPct = 40, MinLoadPct = GensetMinLoadPct }),
            FleetFile = fleetFile,
            CycleInterval = options.CycleInterval,
            OpenAdr = vtn is null ? null : new Curtail.Controller.OpenAdr.OpenAdrConfig(vtn.BaseUrl, "curtail-ven", vtn.Secret("curtail-ven"), "demo-site")
            {
                PollInterval = TimeSpan.FromSeconds(1),
                Programs =
                [
                    new Curtail.Controller.OpenAdr.OpenAdrProgramConfig(OpenAdrProgram)
                    {
                        Deadline = TimeSpan.FromMinutes(10),
                        SimpleLevels = new Dictionary<int, Curtail.Controller.OpenAdr.SimpleLevelAction>
                        {
                            [1] = new(null, null, 25), [2] = new(null, null, 50), [3] = new(0, null, null),
                        },
                    },
                    new Curtail.Controller.OpenAdr.OpenAdrProgramConfig(OpenAdrSb6Program) { Sb6 = true, Deadline = TimeSpan.FromMinutes(30) },
                ],
            },
        };
        var controller = ControllerHost.Build(config, new ControllerHostOptions
        {
            // The genset emulator, like a real genset, answers in real seconds: its link is judged on the real clock.
            Time = time, DeviceTime = TimeProvider.System, ErcotCredentials = credentials, MinimumLogLevel = options.LogLevel,
        });
        await controller.StartAsync(ct);
        return new DemoSite(time, ercot, fleet, genset, controller, config, token, dir, vtn) { OwnsDirectory = options.WorkDirectory is null };
    }

    /// <summary>The working directory is the demo's own temporary one (no <see cref="DemoOptions.WorkDirectory"/>): removed on disposal.</summary>
    private bool OwnsDirectory { get; init; }

    /// <summary>Local (CPT) time in the replay.</summary>
    public DateTimeOffset LocalNow => CentralPrevailingTime.ToLocal(Time.GetUtcNow());

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await Controller.StopAsync();
        await Controller.DisposeAsync();
        await Genset.StopAsync();
        await Fleet.StopAsync();
        await Ercot.DisposeAsync();
        if (Vtn is not null) await Vtn.DisposeAsync();
        if (OwnsDirectory)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A temporary directory left behind is no reason to fail a clean stop.
            }
        }
    }

    private static string Slug(string model) => new string(model.ToLowerInvariant().Where(char.IsLetterOrDigit).ToArray());

    private static string RandomToken() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
}

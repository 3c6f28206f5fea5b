using Curtail.Controller.Api;
using Curtail.Controller.Cluster;
using Curtail.Controller.Config;
using Curtail.Controller.Cycle;
using Curtail.Controller.Dashboard;
using Curtail.Controller.DemandResponse;
using Curtail.Controller.Jobs;
using Curtail.Controller.Storage;
using Curtail.Controller.Telemetry;
using Curtail.Controller.Trading;
using Curtail.Core.LoadFollowing;
using Curtail.Ercot.Api;
using Curtail.Miners;
using Curtail.Miners.Fleet;
using Curtail.Modbus.Client;
using Curtail.Modbus.Gensets;
using Curtail.Modbus.Maps;
using Curtail.Simulation.Setup;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Quartz;

namespace Curtail.Controller.Hosting;

/// <summary>
/// The service's clock (real or accelerated), as its own type: Quartz registers the scheduler's clock as
/// <see cref="TimeProvider"/>, which in accelerated runs is the real clock.
/// </summary>
public sealed record ServiceClock(TimeProvider Time);

/// <summary>The name of this host's Quartz scheduler.</summary>
public sealed record SchedulerName(string Value);

/// <summary>How the host reaches what it needs besides the config (the ERCOT credentials, the clock).</summary>
public sealed record ControllerHostOptions
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// The clock of the genset link: poll staleness and the 2 s link-loss fail-safe. It is <see cref="Time"/> unless the
    /// service replays the market in accelerated time (the demo), where a physical genset still answers in real seconds.
    /// </summary>
    public TimeProvider? DeviceTime { get; init; }
    public ErcotApiCredentials? ErcotCredentials { get; init; }
    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Information;

    /// <summary>Further log providers besides the console (tests read the host's log through one).</summary>
    public IReadOnlyList<ILoggerProvider> LogProviders { get; init; } = [];

    /// <summary>The config's fleet file, when the caller has loaded it already (`curtail run` does, for its rehearsal).</summary>
    public FleetFile? Fleet { get; init; }
}

/// <summary>Builds the `curtail run` service: an ASP.NET Core host with the API, the dashboard and a Quartz scheduler.</summary>
public static class ControllerHost
{
    public static WebApplication Build(ControllerConfig config, ControllerHostOptions? options = null)
    {
        options ??= new ControllerHostOptions();
        var time = options.Time;
        var deviceTime = options.DeviceTime ?? time;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
        builder.Logging.AddFilter("Quartz", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.WebHost.UseUrls(config.Listen);
        ConfigureKestrel(builder, config);
        foreach (var provider in options.LogProviders) builder.Logging.AddProvider(provider);
        var s = builder.Services;
        s.AddSingleton(new ServiceClock(time));
        s.AddSingleton(options);
        s.AddSingleton(config);
        var hashprice = SiteFiles.LoadHashprice(new LoadedSite(config.Site, config.Source, Path.GetDirectoryName(Path.GetFullPath(config.Source))));
        s.AddSingleton(sp => RestoreRuntime(new ControllerRuntime(config, hashprice), sp.GetRequiredService<ControllerStore>()));
        s.AddSingleton(_ => config.PostgresConnectionString is { } pg ? ControllerStore.Postgres(pg, config.SiteId) : ControllerStore.Sqlite(config.SqlitePath ?? "curtail.db", config.SiteId));
        s.AddSingleton<CurtailTelemetry>();
        s.AddSingleton<Dashboard.LiveMoney>();
        s.AddSingleton<Safety.ControllerAlarms>();
        s.AddSingleton(sp => new CycleTrigger(sp.GetRequiredService<ISchedulerFactory>(), sp.GetRequiredService<SchedulerName>(), sp.GetRequiredService<DecisionCycle>)
        {
            // On a standby a fail-safe goes to the leader through the shared scheduler (the leader's own polls see it too).
            IsLeader = config.Cluster is null ? null : () => sp.GetRequiredService<Cluster.ClusterCoordinator>().IsLeader,
        });
        s.AddSingleton(sp => new AuthFailures(deviceTime, sp.GetRequiredService<ILogger<AuthFailures>>()));
        s.AddSingleton<ForecastService>();
        s.AddSingleton(sp => new DemandResponse.FourCpWatch(config, sp.GetRequiredService<ControllerStore>(), sp.GetRequiredService<ILogger<DemandResponse.FourCpWatch>>(),
            config.Prices is null ? null : sp.GetRequiredService<DemandResponse.SystemLoadFeed>()));
        s.AddSingleton(sp => new SiteTargetPlanner(config.Site, config.Genset is { } g ? new LoadFollower(g.LoadFollowing) : null,
            Simulation.Backtest.SimulationRunner.UsesForecast(config.Site.Policy.Kind) ? sp.GetRequiredService<ForecastService>().PolicyFor : null));
        s.AddSingleton(sp => config.FleetFile is null ? null! : BuildActuator(config, options.Fleet, time));
        s.AddSingleton(sp =>
        {
            var alarms = sp.GetRequiredService<Safety.ControllerAlarms>();
            sp.GetRequiredService<CurtailTelemetry>().ActiveAlarms = () => alarms.Active.Select(a => a.Name).ToList();
            var cycle = new DecisionCycle(sp.GetRequiredService<ControllerRuntime>(), sp.GetRequiredService<SiteTargetPlanner>(),
                config.FleetFile is null ? null : sp.GetRequiredService<FleetActuator>(), sp.GetRequiredService<ControllerStore>(),
                sp.GetRequiredService<CurtailTelemetry>(), time, sp.GetRequiredService<ILogger<DecisionCycle>>(), deviceTime,
                sp.GetRequiredService<DemandResponse.FourCpWatch>(), alarms, config.Prices is null ? null : sp.GetRequiredService<PriceService>());
            // Overrides that end, events released or due, a retry after a failure: each asks for its cycle at its moment.
            var trigger = new Lazy<CycleTrigger>(sp.GetRequiredService<CycleTrigger>);
            cycle.RequestCycle = change => _ = trigger.Value.RunNowAsync(change.Reason, CancellationToken.None);
            if (config.Cluster is not null)
            {
                var coordinator = sp.GetRequiredService<Cluster.ClusterCoordinator>();
                coordinator.RequestCycle = (reason, ct) => trigger.Value.RunNowAsync(reason, ct);
                cycle.Cluster = coordinator;
                cycle.NotLeader = t => _ = coordinator.HandOverAsync(t, CancellationToken.None);
            }
            if (sp.GetService<Notifications.Notifier>() is { } notifier)
            {
                notifier.Watch(alarms);
                cycle.Decided = notifier.OnCycle;
            }
            return cycle;
        });
        if (config.Prices is { } prices)
        {
            s.AddSingleton(_ => BuildErcotClient(prices, config, options));
            s.AddSingleton(sp => BuildPriceService(config, options, sp));
            s.AddSingleton<DemandResponse.SystemLoadFeed>();
        }
        // The trace's minutes are minutes of the service clock (accelerated in a replay), not of the genset link's clock.
        s.AddSingleton(sp => new LoadTraceRecorder(sp.GetRequiredService<ControllerRuntime>(), sp.GetRequiredService<ControllerStore>(), time,
            sp.GetRequiredService<ILogger<LoadTraceRecorder>>()));
        s.AddSingleton(sp => new DemandResponse.EventPerformanceMonitor(sp.GetRequiredService<ControllerStore>(), time, sp.GetRequiredService<Safety.ControllerAlarms>()));
        s.AddSingleton(sp => new DirectiveDesk(sp.GetRequiredService<ControllerRuntime>(), sp.GetRequiredService<ControllerStore>(),
            sp.GetRequiredService<ServiceClock>(), sp.GetRequiredService<CycleTrigger>(), sp.GetRequiredService<LoadTraceRecorder>()));
        if (config.OpenAdr is { } openAdr)
        {
            // Token lifetimes and HTTP timeouts are real time, even when the service replays the market accelerated.
            s.AddSingleton(_ => new OpenAdr.OpenAdrClient(new HttpClient { Timeout = TimeSpan.FromSeconds(30) }, openAdr, deviceTime));
            s.AddSingleton(sp => new OpenAdr.OpenAdrVen(openAdr, sp.GetRequiredService<OpenAdr.OpenAdrClient>(), sp.GetRequiredService<ControllerRuntime>(),
                sp.GetRequiredService<ControllerStore>(), sp.GetRequiredService<ServiceClock>(), sp.GetRequiredService<CycleTrigger>(),
                sp.GetRequiredService<DirectiveDesk>(), sp.GetRequiredService<LoadTraceRecorder>(), sp.GetRequiredService<ILogger<OpenAdr.OpenAdrVen>>()));
        }
        if (config.Genset is { } genset) s.AddSingleton(sp => new GensetService(BuildGensetReader(genset, deviceTime), sp.GetRequiredService<ControllerRuntime>(), deviceTime,
            sp.GetRequiredService<CycleTrigger>(), sp.GetRequiredService<ILogger<GensetService>>(),
            // Beside a grid the genset's output is not the site's load (the grid carries the rest, or takes its export).
            config.Site.Sources.IsGridTiedWithGenset ? null : sp.GetRequiredService<LoadTraceRecorder>()));
        s.AddOpenApi();
        s.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = ControllerApi.JsonOut.PropertyNamingPolicy;
            o.SerializerOptions.NumberHandling = ControllerApi.JsonOut.NumberHandling;
        });

        var schedules = ControllerSchedules.For(config, time);
        // Quartz keeps schedulers in a process-wide repository by name: each host gets its own, so hosts in one process
        // (tests, the demo) never hand each other a scheduler that was shut down.
        var schedulerName = $"curtail-{Guid.NewGuid():N}";
        // A clustered site runs its cycle (and the jobs that only trigger or tidy after it) in one scheduler shared by
        // every instance through PostgreSQL; the reads (genset, prices, load trace, forecast) run in every instance's own.
        var clustered = config.Cluster is not null ? ClusteredJobs.Scheduler(config) : null;
        s.AddSingleton(new SchedulerName(clustered ?? schedulerName));
        builder.AddQuartz(q =>
        {
            q.ConfigureScheduler(o => o.InstanceName = schedulerName);
            // Quartz would otherwise take the service's TimeProvider from the container. Its waits are real time, so in
            // accelerated runs it must also compute fire times in real time (the intervals are already scaled).
            q.UseTimeProvider(time is AcceleratedTimeProvider ? TimeProvider.System : time);
            foreach (var schedule in schedules.Where(j => clustered is null || !ClusteredJobs.Names.Contains(j.Job))) Schedule(q, schedule);
        });
        if (config.Notify is { } notify)
        {
            // Sinks are real-world services answering in real seconds: retries wait on the device clock, as the genset link does.
            s.AddSingleton(sp => new Notifications.Notifier(notify, config.Site.Name, deviceTime, sp.GetRequiredService<ILogger<Notifications.Notifier>>()));
            // Registered before the scheduler: started before the first cycle, stopped after the last.
            s.AddHostedService(sp => sp.GetRequiredService<Notifications.Notifier>());
        }
        if (config.Cluster is { } cluster)
        {
            builder.AddQuartz(clustered!, q =>
            {
                ClusteredJobs.Configure(q, config, cluster);
                q.UseTimeProvider(time is AcceleratedTimeProvider ? TimeProvider.System : time);
                foreach (var schedule in schedules.Where(j => ClusteredJobs.Names.Contains(j.Job))) Schedule(q, schedule);
            });
            // Started by the cluster coordinator while this instance holds the site's lease, in standby otherwise.
            builder.AddQuartzHostedService(clustered!, o => o.AutoStart = false);
            s.AddSingleton(sp => new Cluster.ClusterCoordinator(config, sp.GetRequiredService<ControllerStore>(), sp.GetRequiredService<ISchedulerFactory>(),
                clustered!, deviceTime, sp.GetRequiredService<ILogger<Cluster.ClusterCoordinator>>()));
            s.AddHostedService(sp => sp.GetRequiredService<Cluster.ClusterCoordinator>());
        }
        builder.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);

        // One meter provider for every metrics exporter: OTLP when an endpoint is configured, Prometheus at /metrics
        // unless switched off. Both read the same instruments (CurtailTelemetry), so they agree with /api/metrics.
        var metricsExported = config.OtlpEndpoint is not null || config.PrometheusEndpoint;
        if (metricsExported)
        {
            s.AddSingleton(_ =>
            {
                var metrics = Sdk.CreateMeterProviderBuilder().AddMeter(CurtailTelemetry.Name);
                if (config.PrometheusEndpoint) metrics.AddPrometheusExporter();
                if (config.OtlpEndpoint is { } otlp)
                    metrics.AddOtlpExporter((o, reader) =>
                    {
                        o.Endpoint = OtlpEndpoint(config, otlp, "metrics");
                        o.Protocol = OtlpProtocol(config);
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)config.OtlpExportInterval.TotalMilliseconds;
                    });
                return metrics.Build();
            });
        }
        if (config.OtlpEndpoint is { } traces)
        {
            s.AddSingleton(_ => Sdk.CreateTracerProviderBuilder().AddSource(CurtailTelemetry.Name)
                .AddOtlpExporter(o =>
                {
                    o.Endpoint = OtlpEndpoint(config, traces, "traces");
                    o.Protocol = OtlpProtocol(config);
                    o.BatchExportProcessorOptions.ScheduledDelayMilliseconds = (int)Math.Min(config.OtlpExportInterval.TotalMilliseconds, 5000);
                }).Build());
        }

        var app = builder.Build();
        if (metricsExported) app.Services.GetRequiredService<MeterProvider>();
        if (config.OtlpEndpoint is not null) app.Services.GetRequiredService<TracerProvider>();
        if (config.PrometheusEndpoint)
            app.MapPrometheusScrapingEndpoint("/metrics", app.Services.GetRequiredService<MeterProvider>(), configureBranchedPipeline: null, optionsName: null);
        app.MapOpenApi();
        ControllerApi.Map(app);
        ClusterApi.Map(app);
        DashboardApi.Map(app);
        DashboardAssets.Map(app);
        return app;
    }

    /// <summary>Over HTTP each signal has its own path; over gRPC one endpoint serves both.</summary>
    private static Uri OtlpEndpoint(ControllerConfig config, string endpoint, string signal) =>
        new(config.OtlpHttp ? endpoint.TrimEnd('/') + "/v1/" + signal : endpoint);

    private static OpenTelemetry.Exporter.OtlpExportProtocol OtlpProtocol(ControllerConfig config) =>
        config.OtlpHttp ? OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf : OpenTelemetry.Exporter.OtlpExportProtocol.Grpc;

    /// <summary>Caps every request body, and serves HTTPS with the configured certificate when the listen URL is https.</summary>
    private static void ConfigureKestrel(WebApplicationBuilder builder, ControllerConfig config)
    {
        X509Certificate2? certificate = null;
        if (config.Tls is { } tls)
        {
            certificate = TlsCertificate.Load(tls, Environment.GetEnvironmentVariable);
            // The slim builder leaves out Kestrel's HTTPS configuration; https URLs need it.
            builder.WebHost.UseKestrelHttpsConfiguration();
        }
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = ApiLimits.MaxRequestBodyBytes;
            if (certificate is not null) k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate);
        });
    }

    private static void Schedule(IQuartzBuilder q, JobSchedule schedule)
    {
        switch (schedule.Job)
        {
            case "decision-cycle": q.ScheduleJob<DecisionCycleJob>(t => Configure(t, schedule), j => j.WithIdentity(DecisionCycleJob.Key).RequestRecovery()); break;
            case "price-poll": q.ScheduleJob<PricePollJob>(t => Configure(t, schedule), j => j.WithIdentity("price-poll")); break;
            case "sced-poll": q.ScheduleJob<ScedPollJob>(t => Configure(t, schedule), j => j.WithIdentity("sced-poll")); break;
            case "genset-poll": q.ScheduleJob<GensetPollJob>(t => Configure(t, schedule), j => j.WithIdentity("genset-poll")); break;
            case "load-trace": q.ScheduleJob<LoadTraceJob>(t => Configure(t, schedule), j => j.WithIdentity("load-trace")); break;
            case "dr-performance": q.ScheduleJob<DrPerformanceJob>(t => Configure(t, schedule), j => j.WithIdentity("dr-performance")); break;
            case "mcpc-poll": q.ScheduleJob<McpcPollJob>(t => Configure(t, schedule), j => j.WithIdentity("mcpc-poll")); break;
            case "4cp-window": q.ScheduleJob<FourCpWindowJob>(t => Configure(t, schedule), j => j.WithIdentity("4cp-window")); break;
            case "housekeeping": q.ScheduleJob<HousekeepingJob>(t => Configure(t, schedule), j => j.WithIdentity("housekeeping")); break;
            case "openadr-poll": q.ScheduleJob<OpenAdrPollJob>(t => Configure(t, schedule), j => j.WithIdentity("openadr-poll")); break;
            case "forecast-refresh": q.ScheduleJob<ForecastRefreshJob>(t => Configure(t, schedule), j => j.WithIdentity("forecast-refresh")); break;
        }
    }

    /// <summary>
    /// Missed firings (a pause, a slow cycle) are not replayed one by one: an interval schedule moves on to its next
    /// slot and a cron schedule fires once, late; the next cycle re-reads everything anyway.
    /// </summary>
    private static void Configure<T>(ITriggerConfigurator<T> t, JobSchedule s) where T : IJob
    {
        t.WithIdentity(s.Job + "-schedule");
        if (s.Every is { } every)
            t.StartNow().WithSimpleSchedule(b => b.WithInterval(every).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount));
        else
            t.StartNow().WithCronSchedule(s.Cron!, c => c.InTimeZone(s.Zone!).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed));
    }

    private static ControllerRuntime RestoreRuntime(ControllerRuntime runtime, ControllerStore store)
    {
        // Trader settings and overrides survive a restart; the site file's policy is only the starting point.
        if (store.LoadSetting<TradingSettings>("trading") is { } trading) runtime.SetTrading(trading);
        if (store.LoadSetting<TradingOverride>("override") is { } o) runtime.SetOverride(o with { Reason = ApiLimits.Clipped(o.Reason, ApiLimits.MaxReasonLength) });
        foreach (var e in store.Events().Where(e => e.ReleasedAt is null)) runtime.AddEvent(e);
        return runtime;
    }

    private static FleetActuator BuildActuator(ControllerConfig config, FleetFile? loaded, TimeProvider time)
    {
        var fleet = loaded ?? FleetFile.Load(config.FleetFile!);
        var members = fleet.Miners.Select(m => new FleetMember(MinerFactory.Create(m, time), m.Group)).ToList();
        return new FleetActuator(members, new FleetDispatcher(new DispatchOptions(), time), time)
        {
            Groups = WithSiteShedModes(fleet.Groups, config.Site.Fleet, config.FleetFile!),
        };
    }

    /// <summary>
    /// A site file group's <c>shed:</c> (and <c>shed_floor_w</c>) is how the backtest prices its cuts, so the live
    /// allocator follows it too for the fleet file's group of that name, unless the fleet file says <c>shed:</c> for
    /// it; a fleet file that says another soft mode than the site file is refused, naming both.
    /// </summary>
    public static IReadOnlyDictionary<string, GroupConstraints> WithSiteShedModes(IReadOnlyDictionary<string, GroupConstraints> fleetGroups,
        IReadOnlyList<Core.Fleet.FleetGroup> siteGroups, string fleetFile)
    {
        var merged = new Dictionary<string, GroupConstraints>(fleetGroups, StringComparer.Ordinal);
        foreach (var site in siteGroups.Where(g => g.Shed != Core.Fleet.ShedMode.Sleep))
        {
            var own = merged.TryGetValue(site.Name, out var c) ? c : GroupConstraints.Default with { Name = site.Name };
            if (own.ShedGiven)
            {
                if (own.Shed != site.Shed)
                    throw new Core.InvalidInputException(fleetFile, null, $"group '{site.Name}': shed is {Core.Fleet.ShedModes.Key(own.Shed)} here but "
                        + $"{Core.Fleet.ShedModes.Key(site.Shed)} in the site file, whose backtest prices the cuts by it: say the same in both, or leave it out here");
                continue;
            }
            merged[site.Name] = own with
            {
                Shed = site.Shed, ShedGiven = true,
                // The backtest's floor (ShedFloorFraction): the site file's, else half the nameplate.
                ShedFloorW = site.Shed == Core.Fleet.ShedMode.PowerTarget ? site.ShedFloorW ?? site.PowerW * 0.5 : own.ShedFloorW,
            };
        }
        return merged;
    }

    private static GensetReader BuildGensetReader(GensetConfig g, TimeProvider time)
    {
        // Network timeouts are real time even when the service runs accelerated; the reader stamps readings with the service clock.
        var client = new ModbusTcpClient(new ModbusClientOptions { Host = g.Host, Port = g.Port }, TimeProvider.System);
        return new GensetReader(client, RegisterMapLoader.Load(g.Map), g.Unit, time);
    }

    /// <summary>One client for every ERCOT report, so that they share the subscription's rate limit.</summary>
    private static ErcotApiClient BuildErcotClient(PriceFeedConfig prices, ControllerConfig config, ControllerHostOptions options)
    {
        var credentials = options.ErcotCredentials ?? ErcotApiCredentials.FromEnvironment()
            ?? throw new Core.InvalidInputException(config.Source, null,
                $"controller.prices needs ERCOT API credentials in {ErcotApiCredentials.UsernameVariable}, {ErcotApiCredentials.PasswordVariable} and {ErcotApiCredentials.SubscriptionKeyVariable}");
        return new ErcotApiClient(new HttpClient(), credentials, ErcotApiOptions.ForBaseUrl(prices.BaseUrl, prices.TokenUrl), options.Time);
    }

    private static PriceService BuildPriceService(ControllerConfig config, ControllerHostOptions options, IServiceProvider sp)
    {
        var client = sp.GetRequiredService<ErcotApiClient>();
        var storePath = config.SqlitePath is { } db ? Path.ChangeExtension(db, ".prices.db") : "curtail.prices.db";
        var store = new SqlitePriceStore(storePath);
        return new PriceService(new PriceFeed(client, store, options.Time), store, sp.GetRequiredService<ControllerRuntime>(), options.Time,
            sp.GetRequiredService<ILogger<PriceService>>());
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Curtail.Controller.Telemetry;

/// <summary>
/// The controller's metrics and traces. Instruments live on one <see cref="Meter"/> and one
/// <see cref="ActivitySource"/>, exported over OTLP when an endpoint is configured; <see cref="Snapshot"/> reads the
/// same instruments in-process (a <see cref="MeterListener"/>) so `/api/metrics`, the dashboard and tests see exactly
/// what an exporter would send.
/// </summary>
public sealed class CurtailTelemetry : IDisposable
{
    public const string Name = "Curtail.Controller";
    public static readonly ActivitySource Traces = new(Name);

    private readonly Meter _meter = new(Name);
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, double> _values = new();
    private volatile Gauges _gauges = new();
    private readonly List<string> _gaugeNames = [];

    public Counter<double> CurtailedMwh { get; }
    public Counter<double> ProfitUsd { get; }
    public Counter<long> Cycles { get; }
    public Counter<long> CycleFailures { get; }
    public Counter<long> CommandFailures { get; }
    public Counter<long> Commands { get; }
    public Histogram<double> CommandLatencyMs { get; }

    public sealed record Gauges(double PriceUsdPerMwh = double.NaN, double TargetKw = 0, double ActualKw = 0, double GensetAvailableKw = double.NaN,
        IReadOnlyDictionary<string, int>? MinersByState = null)
    {
        public double PriceAgeSeconds { get; init; } = double.NaN;
        public double ScedAgeSeconds { get; init; } = double.NaN;
        public double GensetReadingAgeSeconds { get; init; } = double.NaN;
        public int MinersUnreadable { get; init; }
    }

    /// <summary>The controller's active alarms, read when the gauges are observed.</summary>
    public Func<IReadOnlyList<string>>? ActiveAlarms { get; set; }

    public CurtailTelemetry()
    {
        CurtailedMwh = _meter.CreateCounter<double>("curtail.curtailed_energy", "MWh", "Energy not drawn against the site's nameplate load");
        ProfitUsd = _meter.CreateCounter<double>("curtail.profit", "USD", "Hash revenue minus energy cost, accumulated per cycle");
        Cycles = _meter.CreateCounter<long>("curtail.decision_cycles", "{cycle}", "Decision cycles run");
        CycleFailures = _meter.CreateCounter<long>("curtail.decision_cycle_failures", "{cycle}", "Decision cycles that failed and were followed by a safe action");
        Commands = _meter.CreateCounter<long>("curtail.miner_commands", "{command}", "Commands sent to miners");
        CommandFailures = _meter.CreateCounter<long>("curtail.miner_command_failures", "{command}", "Miner commands that failed or were not confirmed");
        CommandLatencyMs = _meter.CreateHistogram<double>("curtail.miner_command_latency", "ms", "Time from sending a command to its confirmation");
        _meter.CreateObservableGauge("curtail.price", () => _gauges.PriceUsdPerMwh, "USD/MWh", "Last settled real-time price");
        _meter.CreateObservableGauge("curtail.site_target", () => _gauges.TargetKw, "kW", "Site load target of the last decision");
        _meter.CreateObservableGauge("curtail.site_load", () => _gauges.ActualKw, "kW", "Site load measured from the miners");
        _meter.CreateObservableGauge("curtail.genset_available", () => _gauges.GensetAvailableKw, "kW", "Power the genset can deliver");
        _meter.CreateObservableGauge("curtail.miners", () => (_gauges.MinersByState ?? new Dictionary<string, int>())
            .Select(kv => new Measurement<int>(kv.Value, new KeyValuePair<string, object?>("state", kv.Key))), "{miner}", "Miners by state");
        _meter.CreateObservableGauge("curtail.input_age", () => new[]
        {
            new Measurement<double>(_gauges.PriceAgeSeconds, new KeyValuePair<string, object?>("input", "settled_price")),
            new Measurement<double>(_gauges.ScedAgeSeconds, new KeyValuePair<string, object?>("input", "sced")),
            new Measurement<double>(_gauges.GensetReadingAgeSeconds, new KeyValuePair<string, object?>("input", "genset")),
        }.Where(m => !double.IsNaN(m.Value)), "s", "Age of each input at the last decision");
        _meter.CreateObservableGauge("curtail.miners_unreadable", () => _gauges.MinersUnreadable, "{miner}", "Miners that did not answer the last read");
        // Every known alarm is a series, 1 while active and 0 while clear: a panel of alarms shows them clearing, not vanishing.
        _meter.CreateObservableGauge("curtail.alarms", () =>
        {
            var active = (ActiveAlarms?.Invoke() ?? []).ToHashSet(StringComparer.Ordinal);
            return Safety.ControllerAlarms.Known.Union(active).Select(a => new Measurement<int>(active.Contains(a) ? 1 : 0, new KeyValuePair<string, object?>("alarm", a)));
        }, "{alarm}", "Controller alarms, 1 while active (stale inputs, failing miners, failed cycles)");

        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter != _meter) return;
            if (instrument.IsObservable) lock (_gaugeNames) _gaugeNames.Add(instrument.Name);
            listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    public void SetGauges(Gauges g) => _gauges = g;

    /// <summary>Current value of every instrument: counters summed, gauges as last observed, histograms as count and sum.</summary>
    public IReadOnlyDictionary<string, double> Snapshot()
    {
        // Gauges report what is true now: a tag set (a miner state) observed before but not now must not linger.
        foreach (var key in _values.Keys.Where(k => _gaugeNames.Any(g => k == g || k.StartsWith(g + "{", StringComparison.Ordinal))))
            _values.TryRemove(key, out _);
        _listener.RecordObservableInstruments();
        return new SortedDictionary<string, double>(_values);
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = instrument.Name;
        foreach (var t in tags) key += $"{{{t.Key}={t.Value}}}";
        switch (instrument)
        {
            case ObservableGauge<double> or ObservableGauge<int>:
                _values[key] = value;
                break;
            case Histogram<double>:
                _values.AddOrUpdate(key + ".count", 1, (_, c) => c + 1);
                _values.AddOrUpdate(key + ".sum", value, (_, s) => s + value);
                break;
            default:
                _values.AddOrUpdate(key, value, (_, s) => s + value);
                break;
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _meter.Dispose();
    }
}

using Curtail.Core.LoadFollowing;
using Curtail.Modbus.Protocol;
using Curtail.Modbus.Server;
using Curtail.Modbus.Values;

namespace Curtail.Emulators.Genset;

/// <summary>What the emulated genset is doing (for tests and in-process users).</summary>
public sealed record GensetEmulatorState(
    DateTimeOffset Time,
    double SiteLoadKw,
    double ActivePowerKw,
    double AvailablePowerKw,
    double FrequencyHz,
    EngineState EngineState,
    bool BreakerClosed,
    GensetAlarms Alarms,
    ushort Heartbeat,
    bool Tripped,
    int Trips)
{
    /// <summary>Grid-tied: the site's net at the meter, site load minus genset output (negative = export). Island: 0.</summary>
    public double GridNetKw { get; init; }

    public double ExportKw => Math.Max(0, -GridNetKw);
    public double ImportKw => Math.Max(0, GridNetKw);
}

/// <summary>
/// A gas genset behind a Modbus TCP server, serving the default map (docs/modbus.md). Available power follows a
/// gas-supply profile. Island (the default): active power equals the site load (set in process, or written to registers
/// 101-102); an isochronous governor holds nominal frequency (droop optional), a load step dips it (a drop raises it)
/// and it recovers over <see cref="GensetEmulatorOptions.DipRecovery"/>; overload sags it; load above available power
/// raises the overload alarm and, after <see cref="GensetEmulatorOptions.TripAfter"/>, trips the genset (breaker open,
/// power 0) until a restart (coil 0 or <see cref="ResetTrip"/>). Grid-tied: frequency is the grid's and output is the
/// power setpoint (registers 106-107), the rest of the site load is imported and any surplus exported.
/// Register 105 injects faults. Time comes from the injected TimeProvider, so tests can run it in fake time.
/// </summary>
public sealed class GensetEmulator : IAsyncDisposable
{
    public const ushort RegWatchdog = 100, RegLoadOverride = 101, RegAvailableOverride = 103, RegFaults = 105, RegPowerSetpoint = 106;
    private const int TableSize = 300;

    private readonly GensetEmulatorOptions _o;
    private readonly TimeProvider _time;
    private readonly ModbusDataStore _store = new(16, 16, TableSize, TableSize);
    private readonly ModbusTcpServer _server;
    private readonly GensetSupplyProfile _profile;
    private readonly object _gate = new();
    private ITimer? _timer;
    private DateTimeOffset _start, _lastStep;
    private double _siteLoadKw, _activeKw, _availableKw, _frequencyHz;
    private double _dipHz;
    private DateTimeOffset _dipStart;
    private DateTimeOffset? _overloadSince, _underLoadSince, _derateClearSince;
    private double _lastLoad;
    private bool _derated, _lowGas;
    private bool _tripped;
    private int _trips;
    private ushort _heartbeat;
    private TimeSpan _heartbeatAccumulator;
    private double _energyKwh = 123456, _runHours = 4567.8;
    private GensetAlarms _alarms;
    private bool _stepping;

    public GensetEmulator(GensetEmulatorOptions? options = null, TimeProvider? time = null, Func<double>? siteLoadKw = null)
    {
        _o = options ?? new GensetEmulatorOptions();
        _time = time ?? TimeProvider.System;
        SiteLoadSource = siteLoadKw;
        _siteLoadKw = _o.InitialSiteLoadKw;
        _profile = _o.Profile ?? GensetSupplyProfile.RandomWalk(_o.Seed, _o.RatedKw, TimeSpan.FromHours(24));
        _server = new ModbusTcpServer(_store, new ModbusServerOptions
        {
            Port = _o.Port,
            UnitId = _o.UnitId,
            UnitIdMode = _o.UnitIdMode,
            BeforeRequest = () => Step(sampleSiteLoad: !_o.SampleSiteLoadOnTicks),
            // A genset controller answers its Modbus master at once. In `curtail demo` the emulator shares its process
            // with a thousand emulated miners and the controller's bursts of commands to them; served from the thread
            // pool, its replies queued behind that work on a loaded host until the controller's link-loss fail-safe
            // fired for a link that was fine (docs/controller.md, "The demo on a loaded host").
            DedicatedThreads = true,
            Faults = CurrentServerFaults,
        }, _time);
        lock (_store.SyncRoot)
        {
            _store.HoldingRegisters[RegLoadOverride] = 0xFFFF;
            _store.HoldingRegisters[RegLoadOverride + 1] = 0xFFFF;
            _store.HoldingRegisters[RegAvailableOverride] = 0xFFFF;
            _store.HoldingRegisters[RegAvailableOverride + 1] = 0xFFFF;
            _store.HoldingRegisters[RegPowerSetpoint] = 0xFFFF;
            _store.HoldingRegisters[RegPowerSetpoint + 1] = 0xFFFF;
        }
    }

    public int Port => _server.Port;
    public GensetEmulatorOptions Options => _o;
    public ModbusDataStore Store => _store;
    public long RequestCount => _server.RequestCount;
    /// <summary>In-process site load source; when null, <see cref="SetSiteLoadKw"/>'s value is used. Registers 101-102 override both.</summary>
    public Func<double>? SiteLoadSource { get; set; }

    public void SetSiteLoadKw(double kw)
    {
        lock (_gate) _siteLoadKw = Math.Max(0, kw);
    }

    /// <summary>Fault-injection bits (register 105).</summary>
    public GensetFaults Faults
    {
        get { lock (_store.SyncRoot) return (GensetFaults)_store.HoldingRegisters[RegFaults]; }
        set { lock (_store.SyncRoot) _store.HoldingRegisters[RegFaults] = (ushort)value; }
    }

    /// <summary>Steps the derate like registers 103-104 do (null = follow the profile).</summary>
    public void SetAvailableOverrideKw(double? kw)
    {
        lock (_store.SyncRoot)
        {
            if (kw is { } v) RegisterCodec.Encode(v, PointType.U32, WordOrder.ABCD, _store.HoldingRegisters.AsSpan(RegAvailableOverride, 2), 0.1);
            else _store.HoldingRegisters[RegAvailableOverride] = _store.HoldingRegisters[RegAvailableOverride + 1] = 0xFFFF;
        }
        Step();
    }

    public void ResetTrip()
    {
        lock (_gate)
        {
            _tripped = false;
            _overloadSince = null;
        }
        Step();
    }

    public GensetEmulatorState State
    {
        get
        {
            Step();
            lock (_gate)
                return new GensetEmulatorState(_lastStep, _siteLoadKw, _activeKw, _availableKw, _frequencyHz,
                    _tripped ? EngineState.Shutdown : EngineState.RunningLoaded, !_tripped, _alarms, _heartbeat, _tripped, _trips)
                { GridNetKw = _o.GridTied ? _siteLoadKw - _activeKw : 0 };
        }
    }

    public void Start()
    {
        _start = _lastStep = _time.GetUtcNow();
        _activeKw = _lastLoad = CurrentLoad();
        Step();
        _server.Start();
        _timer = _time.CreateTimer(_ => Step(), null, _o.TickInterval, _o.TickInterval);
    }

    public async Task StopAsync()
    {
        if (_timer is not null) await _timer.DisposeAsync().ConfigureAwait(false);
        _timer = null;
        await _server.StopAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
    }

    private ModbusServerFaults CurrentServerFaults()
    {
        var f = Faults;
        if (f == GensetFaults.None) return ModbusServerFaults.None;
        return new ModbusServerFaults
        {
            Silent = f.HasFlag(GensetFaults.StopAnswering),
            Latency = f.HasFlag(GensetFaults.AddLatency) ? _o.FaultLatency : TimeSpan.Zero,
            ForcedException = f.HasFlag(GensetFaults.Busy) ? ModbusExceptionCode.ServerDeviceBusy : null,
            CloseAfterReply = f.HasFlag(GensetFaults.CloseAfterReply),
        };
    }

    /// <summary>The site load: registers 101-102 when set, else the source (or, unless <paramref name="sampleSource"/>, its last sample), else the set value.</summary>
    private double CurrentLoad(bool sampleSource = true)
    {
        int raw;
        lock (_store.SyncRoot) raw = (int)RegisterCodec.Combine(_store.HoldingRegisters.AsSpan(RegLoadOverride, 2), WordOrder.ABCD);
        if (raw >= 0) return raw * 0.1;
        var source = SiteLoadSource;
        if (source is null || !sampleSource) lock (_gate) return _siteLoadKw;
        // Outside the lock: a slow source must not hold up the registers' readers.
        return Math.Max(0, source());
    }

    /// <summary>Brings the physics and the registers up to the provider's present time.</summary>
    public void Step() => Step(sampleSiteLoad: true);

    private void Step(bool sampleSiteLoad)
    {
        var load = CurrentLoad(sampleSiteLoad);
        uint availableRaw, setpointRaw;
        bool restart;
        lock (_store.SyncRoot)
        {
            availableRaw = RegisterCodec.Combine(_store.HoldingRegisters.AsSpan(RegAvailableOverride, 2), WordOrder.ABCD);
            setpointRaw = RegisterCodec.Combine(_store.HoldingRegisters.AsSpan(RegPowerSetpoint, 2), WordOrder.ABCD);
            restart = _store.Coils[0];
            _store.Coils[0] = false;
        }
        lock (_gate)
        {
            if (_stepping) return;
            _stepping = true;
            try
            {
                var now = _time.GetUtcNow();
                var dt = now - _lastStep;
                if (dt < TimeSpan.Zero) dt = TimeSpan.Zero;
                _lastStep = now;
                if (SiteLoadSource is not null) _siteLoadKw = load;
                if (restart && _tripped)
                {
                    _tripped = false;
                    _overloadSince = null;
                }
                _availableKw = availableRaw != 0xFFFFFFFF ? availableRaw * 0.1 : _profile.AvailableKwAt(now - _start);
                var output = _o.GridTied ? GridTiedOutput(setpointRaw) : load;
                Physics(now, dt, output);
                DerateAlarms(now);
                WriteRegisters();
            }
            finally
            {
                _stepping = false;
            }
        }
    }

    /// <summary>Grid-tied output: the setpoint (base load at available power without one), at least the minimum load.</summary>
    private double GridTiedOutput(uint setpointRaw)
    {
        var minLoad = _o.MinLoadPct / 100 * _o.RatedKw;
        var setpoint = setpointRaw != 0xFFFFFFFF ? setpointRaw * 0.1 : _availableKw;
        return Math.Min(Math.Max(0, _availableKw), Math.Max(setpoint, minLoad));
    }

    private void Physics(DateTimeOffset now, TimeSpan dt, double load)
    {
        var rated = _o.RatedKw;
        var nominal = _o.NominalHz;
        if (!IsFrozenHeartbeat())
        {
            _heartbeatAccumulator += dt;
            while (_heartbeatAccumulator >= TimeSpan.FromSeconds(1))
            {
                _heartbeatAccumulator -= TimeSpan.FromSeconds(1);
                _heartbeat = unchecked((ushort)(_heartbeat + 1));
            }
        }
        _alarms = GensetAlarms.None;
        if (_tripped)
        {
            _activeKw = 0;
            _frequencyHz = 0;
            _lastLoad = 0;
            _underLoadSince = null;
            _alarms |= GensetAlarms.Shutdown | GensetAlarms.Overload;
            return;
        }
        _activeKw = load;
        _energyKwh += load * dt.TotalHours;
        _runHours += dt.TotalHours;
        var minLoad = _o.MinLoadPct / 100 * rated;
        if (load < minLoad - 0.05)
        {
            _underLoadSince ??= now;
            if (now - _underLoadSince.Value >= _o.UnderLoadAlarmAfter) _alarms |= GensetAlarms.UnderLoad;
        }
        else _underLoadSince = null;
        if (_o.GridTied)
        {
            // Paralleled with the grid: the grid holds frequency; the engine runs at its setpoint.
            _lastLoad = load;
            _dipHz = 0;
            _overloadSince = null;
            _frequencyHz = nominal;
            return;
        }

        // Governor: a load step dips frequency (a load drop raises it) by an amount that grows sharply beyond the step the
        // engine accepts; the PI loop brings it back to its setpoint over DipRecovery. What is left of an earlier dip adds.
        var step = load - _lastLoad;
        _lastLoad = load;
        if (Math.Abs(step) > 1e-9)
        {
            var maxStep = _o.MaxStepLoadPct / 100 * rated;
            var perUnit = Math.Abs(step) > maxStep ? _o.DipPerUnitStep : _o.DipPerUnitStepWithinMax;
            _dipHz = ResidualDip(now) + nominal * perUnit * step / rated;
            _dipStart = now;
        }
        var dip = ResidualDip(now);
        // Droop (optional): nominal at rated load, DroopPct higher at no load. Isochronous (0): nominal at any load.
        var droop = nominal * _o.DroopPct / 100 * (1 - load / rated);
        var sag = 0.0;
        if (load > _availableKw)
        {
            _overloadSince ??= now;
            // Out of torque: speed falls with the excess (and keeps a floor so the alarm shows in frequency too).
            sag = nominal * (0.01 + 0.2 * (load - _availableKw) / rated);
            _alarms |= GensetAlarms.Overload;
            if (now - _overloadSince.Value >= _o.TripAfter)
            {
                _tripped = true;
                _trips++;
                _activeKw = 0;
                _frequencyHz = 0;
                _lastLoad = 0;
                _alarms |= GensetAlarms.Shutdown;
                return;
            }
        }
        else _overloadSince = null;
        _frequencyHz = Math.Max(0, nominal + droop - dip - sag);
        var band = nominal * _o.FrequencyAlarmPct / 100;
        if (_frequencyHz < nominal - band) _alarms |= GensetAlarms.UnderFrequency;
        if (_frequencyHz > nominal + band) _alarms |= GensetAlarms.OverFrequency;
    }

    private double ResidualDip(DateTimeOffset now)
    {
        var recovery = _o.DipRecovery.TotalSeconds <= 0 ? 1 : (now - _dipStart).TotalSeconds / _o.DipRecovery.TotalSeconds;
        return _dipHz * Math.Max(0, 1 - recovery);
    }

    /// <summary>
    /// Derate and low-gas alarms with hysteresis: on below their on-level at once, off only after available power has
    /// stayed above the off-level for <see cref="GensetEmulatorOptions.DerateClearAfter"/>, so a supply hovering at the
    /// edge does not flap them.
    /// </summary>
    private void DerateAlarms(DateTimeOffset now)
    {
        var rated = _o.RatedKw;
        if (_availableKw < rated * _o.DerateOnFraction) _derated = true;
        if (_availableKw < rated * 0.8) _lowGas = true;
        if (_derated && _availableKw >= rated * _o.DerateOffFraction)
        {
            _derateClearSince ??= now;
            if (now - _derateClearSince.Value >= _o.DerateClearAfter)
            {
                _derated = _lowGas = false;
                _derateClearSince = null;
            }
        }
        else _derateClearSince = null;
        if (_derated) _alarms |= GensetAlarms.DerateActive;
        if (_lowGas) _alarms |= GensetAlarms.LowFuelGasPressure;
    }

    private bool IsFrozenHeartbeat()
    {
        lock (_store.SyncRoot) return ((GensetFaults)_store.HoldingRegisters[RegFaults]).HasFlag(GensetFaults.FreezeHeartbeat);
    }

    private void WriteRegisters()
    {
        var rated = _o.RatedKw;
        var r = new ushort[33];
        r[0] = 1;
        r[1] = (ushort)(_tripped ? EngineState.Shutdown : EngineState.RunningLoaded);
        r[2] = (ushort)(_tripped ? 0 : 1);
        r[3] = (ushort)_alarms;
        Put(r, 4, _activeKw, PointType.I32, 0.1);
        Put(r, 6, rated, PointType.U32, 0.1);
        Put(r, 8, Math.Max(0, _availableKw), PointType.U32, 0.1);
        var pf = 0.968;
        Put(r, 10, _activeKw * Math.Tan(Math.Acos(pf)), PointType.I32, 0.1);
        Put(r, 12, _tripped ? 0 : pf, PointType.I16, 0.001);
        Put(r, 13, _frequencyHz, PointType.U16, 0.01);
        var volts = _tripped ? 0 : 480.0;
        r[14] = r[15] = r[16] = (ushort)(volts * 10);
        var amps = volts > 0 ? Math.Min(6553.5, _activeKw * 1000 / (Math.Sqrt(3) * volts * pf)) : 0;
        r[17] = r[18] = r[19] = (ushort)Math.Round(amps * 10);
        r[20] = (ushort)Math.Round(_frequencyHz * 30);
        Put(r, 21, _activeKw / rated * 100, PointType.U16, 0.1);
        Put(r, 22, 20.7 * Math.Clamp(_availableKw / rated, 0, 2), PointType.U16, 0.01);
        Put(r, 23, 295.0 * _activeKw / Math.Max(1, 812.5), PointType.U16, 0.1);
        Put(r, 24, 88.5, PointType.I16, 0.1);
        Put(r, 25, _tripped ? 0 : 420.0, PointType.U16, 0.1);
        Put(r, 26, Math.Floor(_energyKwh), PointType.U32, 1);
        Put(r, 28, _runHours, PointType.U32, 0.1);
        r[30] = _heartbeat;
        Put(r, 31, _o.MaxStepLoadPct, PointType.U16, 0.1);
        Put(r, 32, _o.MinLoadPct, PointType.U16, 0.1);
        Span<ushort> floats = stackalloc ushort[8];
        lock (_store.SyncRoot)
        {
            r.CopyTo(_store.HoldingRegisters, 0);
            r.CopyTo(_store.InputRegisters, 0);
            foreach (var (baseAddress, order) in new[] { (200, WordOrder.ABCD), (220, WordOrder.CDAB) })
            {
                double[] values = [_activeKw, _availableKw, _frequencyHz, rated];
                for (var i = 0; i < 4; i++) RegisterCodec.Encode(values[i], PointType.F32, order, floats.Slice(2 * i, 2));
                floats.CopyTo(_store.HoldingRegisters.AsSpan(baseAddress));
                floats.CopyTo(_store.InputRegisters.AsSpan(baseAddress));
            }
            _store.DiscreteInputs[0] = !_tripped;
            _store.DiscreteInputs[1] = !_tripped;
            _store.DiscreteInputs[2] = (_alarms & (GensetAlarms.Shutdown | GensetAlarms.Overload | GensetAlarms.Warning)) != 0;
        }
    }

    private static void Put(ushort[] r, int at, double value, PointType type, double scale)
    {
        var (min, max) = type switch
        {
            PointType.U16 => (0.0, ushort.MaxValue * scale),
            PointType.I16 => (short.MinValue * scale, short.MaxValue * scale),
            PointType.U32 => (0.0, uint.MaxValue * scale),
            _ => (int.MinValue * scale, int.MaxValue * scale),
        };
        RegisterCodec.Encode(Math.Clamp(value, min, max), type, WordOrder.ABCD, r.AsSpan(at, RegisterCodec.RegisterCount(type)), scale);
    }
}

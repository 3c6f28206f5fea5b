using Curtail.Miners;

namespace Curtail.Emulators.Miners;

/// <summary>
/// The physical side of one emulated miner: power follows the mode and the target along linear ramps timed by the
/// injected <see cref="TimeProvider"/>; hashrate follows power by the model's p^(1/1.45) curve. Protocol servers
/// read and drive it; it knows nothing about wire formats.
/// </summary>
public sealed class EmulatedMiner
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly Random _random;
    private double _fromW;
    private double _toW;
    private DateTimeOffset _rampStart;
    private TimeSpan _rampDuration;
    private bool _asleep;
    private double _targetW;
    private int _activeBoards;
    private DateTimeOffset _restartUntil = DateTimeOffset.MinValue;
    private (DateTimeOffset At, bool Off)? _scheduled;

    public EmulatedMiner(int index, MinerFamily family, ModelSpec model, string firmware, MinerEndpoint endpoint,
        MinerCredentials credentials, TimeProvider time, EmulatorTiming timing, FaultInjection faults, int seed)
    {
        Index = index;
        Family = family;
        Model = model;
        Firmware = firmware;
        Endpoint = endpoint;
        Credentials = credentials;
        _time = time;
        Timing = timing;
        Faults = faults;
        _random = new Random(seed);
        _targetW = model.NominalW;
        _fromW = _toW = model.NominalW;
        _rampStart = time.GetUtcNow();
        BootedAt = _rampStart;
        Limits = model.DefaultLimits;
        _activeBoards = Hashboards;
    }

    /// <summary>Hashboards of every emulated model (the S19/S21/M50/A13 lines all carry three).</summary>
    public int Hashboards => 3;

    /// <summary>Boards enabled now; fewer after a board shed (ePIC /boardenable).</summary>
    public int ActiveHashboards
    {
        get { lock (_gate) return _activeBoards; }
    }

    /// <summary>
    /// Fans turn unless the miner has finished going to sleep: a power target or a board shed keeps them spinning,
    /// a sleep stops them once the boards are down, and a wake spins them up with the restart.
    /// </summary>
    public bool FansRunning
    {
        get
        {
            lock (_gate)
            {
                ApplyDue();
                return !PoweredOff && !(_asleep && PowerAt(_time.GetUtcNow()) <= Model.SleepW + 1);
            }
        }
    }

    /// <summary>Fan speed: 0 asleep, else rising with the heat to carry (2,000 rpm idle to 6,000 at nameplate).</summary>
    public int FanRpm => FansRunning ? (int)Math.Round(2000 + 4000 * Math.Min(1, PowerW / Model.NominalW)) : 0;

    /// <summary>Time left of the restart after a wake from sleep (firmware boot, board init) before power rises.</summary>
    public TimeSpan RestartRemaining
    {
        get
        {
            lock (_gate)
            {
                ApplyDue();
                var left = _restartUntil - _time.GetUtcNow();
                return left > TimeSpan.Zero ? left : TimeSpan.Zero;
            }
        }
    }

    /// <summary>Whether the miner is restarting after a wake (hashing has not begun yet).</summary>
    public bool Restarting => RestartRemaining > TimeSpan.Zero;

    public int Index { get; }
    public MinerFamily Family { get; }
    public ModelSpec Model { get; }
    public string Firmware { get; }
    public MinerEndpoint Endpoint { get; }
    public MinerCredentials Credentials { get; }
    public EmulatorTiming Timing { get; }
    public PowerLimits Limits { get; }
    public DateTimeOffset BootedAt { get; }
    public TimeProvider Time => _time;

    /// <summary>Per-request fault probabilities; tests may replace them on one miner.</summary>
    public FaultInjection Faults { get; set; }

    /// <summary>
    /// The fault this miner plays on every exchange until switched back to None (<see cref="MinerFaultSwitch"/>).
    /// <see cref="MinerFaultSwitch.PowerOff"/> also takes its power to 0 W; leaving it reboots the miner awake.
    /// </summary>
    public MinerFaultSwitch Fault
    {
        get => _fault;
        set
        {
            lock (_gate)
            {
                if (_fault == MinerFaultSwitch.PowerOff && value != MinerFaultSwitch.PowerOff)
                {
                    // Power back: the firmware boots and ramps to its target from idle, its sleep state forgotten.
                    _asleep = false;
                    _activeBoards = Hashboards;
                    _fromW = Model.SleepW;
                    _toW = _targetW;
                    _rampStart = _time.GetUtcNow();
                    _rampDuration = Timing.WakeRamp(Family);
                }
                _fault = value;
            }
        }
    }

    private volatile MinerFaultSwitch _fault;

    public bool PoweredOff => _fault == MinerFaultSwitch.PowerOff;

    /// <summary>Firmware drift (S21+ FW Feb 2025): writes answer success and change nothing.</summary>
    public bool IgnoreWrites { get; set; }

    /// <summary>Counts of commands that changed state, for tests that check idempotence and one write per miner.</summary>
    public int WriteCount => _writeCount;

    /// <summary>Status reads served (the firmware's summary), so tests can tell when a controller read the fleet.</summary>
    public int StatusReadCount => _statusReadCount;
    private int _statusReadCount;

    public void CountStatusRead() => Interlocked.Increment(ref _statusReadCount);
    private int _writeCount;

    /// <summary>State-changing commands by the address the client dialed (<see cref="TcpServerHost.CurrentDialedAddress"/>).</summary>
    public IReadOnlyDictionary<string, int> WritesBySource => _writesBySource;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _writesBySource = new();

    private void CountWrite()
    {
        Interlocked.Increment(ref _writeCount);
        _writesBySource.AddOrUpdate(TcpServerHost.CurrentDialedAddress ?? "in-process", 1, (_, n) => n + 1);
    }

    /// <summary>Raised when a protocol layer must forget its sessions/tokens (fault injection "session loss").</summary>
    public event Action? SessionsLost;

    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>What the miner really draws now (0 W while powered off): the ground truth of fault tests.</summary>
    public double PowerW
    {
        get
        {
            lock (_gate)
            {
                ApplyDue();
                return PoweredOff ? 0 : PowerAt(_time.GetUtcNow());
            }
        }
    }

    public double HashrateThs
    {
        get
        {
            lock (_gate)
            {
                ApplyDue();
                if (PoweredOff) return 0;
                var p = PowerAt(_time.GetUtcNow());
                if (_asleep && p <= Model.SleepW + 1) return 0;
                // With boards off, each remaining board runs at the per-board power of the whole target.
                var share = (double)_activeBoards / Hashboards;
                return share >= 1 ? Model.HashrateAt(p) : Model.HashrateAt(p / share) * share;
            }
        }
    }

    public bool Asleep
    {
        get
        {
            lock (_gate)
            {
                ApplyDue();
                return _asleep;
            }
        }
    }

    public double TargetW
    {
        get { lock (_gate) return _targetW; }
    }

    public bool IsRamping
    {
        get
        {
            lock (_gate)
            {
                ApplyDue();
                return _time.GetUtcNow() < _rampStart + _rampDuration && Math.Abs(_toW - _fromW) > 1;
            }
        }
    }

    public MinerMode Mode
    {
        get
        {
            lock (_gate)
            {
                ApplyDue();
                var now = _time.GetUtcNow();
                if (_asleep) return MinerMode.Sleeping;
                if (now < _rampStart + _rampDuration && _toW > _fromW + 1) return MinerMode.Ramping;
                return _targetW < Model.NominalW - 1 || _activeBoards < Hashboards ? MinerMode.Throttled : MinerMode.Running;
            }
        }
    }

    /// <summary>Board temperatures: ambient plus a rise proportional to power.</summary>
    public double[] TemperaturesC
    {
        get
        {
            var rise = 45 * PowerW / Model.NominalW; // a powered-off miner cools to ambient
            return [25 + rise, 26 + rise, 25.5 + rise];
        }
    }

    public void Sleep()
    {
        CountWrite();
        if (IgnoreWrites) return;
        lock (_gate) SleepAt(_time.GetUtcNow());
    }

    public void Wake()
    {
        CountWrite();
        if (IgnoreWrites) return;
        WakeCore();
    }

    /// <summary>A miner that wakes on its own (reboot with curtail state lost, an operator at the web UI).</summary>
    public void WakeBySelf() => WakeCore();

    private void WakeCore()
    {
        lock (_gate) WakeAt(_time.GetUtcNow());
    }

    private void WakeAt(DateTimeOffset at)
    {
        if (!_asleep) return;
        _asleep = false;
        StartRampAt(at, BoardsPower(_targetW), Timing.WakeRamp(Family));
        // The firmware restarts before hashing: power stays at the sleep level, then ramps.
        _rampStart += Timing.RestartDelay(Family);
        _restartUntil = _rampStart;
    }

    private void SleepAt(DateTimeOffset at)
    {
        if (_asleep) return;
        _asleep = true;
        StartRampAt(at, Model.SleepW, Timing.SleepDuration(Family));
    }

    /// <summary>
    /// A soft off or on the firmware performs at a given time (Avalon <c>ascset softoff/softon,1:&lt;time&gt;</c>);
    /// a later schedule replaces an earlier one. It counts as one write now.
    /// </summary>
    public void Schedule(DateTimeOffset at, bool sleep)
    {
        Interlocked.Increment(ref _writeCount);
        if (IgnoreWrites) return;
        lock (_gate)
        {
            _scheduled = (at, sleep);
            ApplyDue();
        }
    }

    /// <summary>Performs a scheduled soft off/on once its time has come (at that time, however late it is noticed).</summary>
    private void ApplyDue()
    {
        if (_scheduled is not { } due || _time.GetUtcNow() < due.At) return;
        _scheduled = null;
        if (due.Off) SleepAt(due.At);
        else WakeAt(due.At);
    }

    /// <summary>
    /// Enables the first <paramref name="count"/> boards (1..<see cref="Hashboards"/>): power moves by the boards'
    /// share within <see cref="EmulatorTiming.BoardSwitchDuration"/>; fans keep turning and nothing restarts.
    /// </summary>
    public void SetActiveHashboards(int count)
    {
        Interlocked.Increment(ref _writeCount);
        if (IgnoreWrites) return;
        lock (_gate)
        {
            _activeBoards = Math.Clamp(count, 1, Hashboards);
            if (_asleep) return;
            StartRamp(BoardsPower(_targetW), Timing.BoardSwitchDuration);
        }
    }

    private double BoardsPower(double targetW) => targetW * _activeBoards / Hashboards;

    /// <summary>
    /// Sets the power target. <paramref name="restartsMining"/> models Whatsminer v2, which restarts mining after a
    /// limit change: power falls to sleep level and ramps back.
    /// </summary>
    public void SetTarget(double watts, bool restartsMining = false)
    {
        CountWrite();
        if (IgnoreWrites) return;
        lock (_gate)
        {
            _targetW = Math.Clamp(watts, Limits.MinW, Limits.MaxW);
            if (_asleep) return;
            if (restartsMining) _fromW = Model.SleepW;
            var from = restartsMining ? Model.SleepW : PowerAt(_time.GetUtcNow());
            _fromW = from;
            _toW = BoardsPower(_targetW);
            _rampStart = _time.GetUtcNow();
            _rampDuration = Timing.RetargetDuration(Family);
        }
    }

    public InjectedFault NextFault()
    {
        var f = Faults;
        if (!f.Any) return InjectedFault.None;
        double roll;
        lock (_random) roll = _random.NextDouble();
        if ((roll -= f.TimeoutProbability) < 0) return InjectedFault.Timeout;
        if ((roll -= f.ResetProbability) < 0) return InjectedFault.Reset;
        if ((roll -= f.MalformedProbability) < 0) return InjectedFault.Malformed;
        if ((roll -= f.SessionLossProbability) < 0)
        {
            SessionsLost?.Invoke();
            return InjectedFault.SessionLoss;
        }
        return InjectedFault.None;
    }

    public int NextRandom(int maxExclusive)
    {
        lock (_random) return _random.Next(maxExclusive);
    }

    public long UptimeSeconds => (long)(_time.GetUtcNow() - BootedAt).TotalSeconds;

    private void StartRamp(double toW, TimeSpan duration) => StartRampAt(_time.GetUtcNow(), toW, duration);

    private void StartRampAt(DateTimeOffset at, double toW, TimeSpan duration)
    {
        _fromW = PowerAt(at);
        _toW = toW;
        _rampStart = at;
        _rampDuration = duration;
    }

    private double PowerAt(DateTimeOffset now)
    {
        if (_rampDuration <= TimeSpan.Zero || now >= _rampStart + _rampDuration) return _toW;
        if (now <= _rampStart) return _fromW;
        var f = (now - _rampStart).TotalMilliseconds / _rampDuration.TotalMilliseconds;
        return _fromW + (_toW - _fromW) * f;
    }
}

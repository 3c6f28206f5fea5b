using Curtail.Miners;
using Curtail.Miners.Protocols.Native;

namespace Curtail.Emulators.Miners;

/// <summary>
/// N emulated miners in one process, each speaking its family's wire protocol on loopback. Usable in-process by
/// the site emulator: <see cref="Start"/>/<see cref="StopAsync"/>, <see cref="TotalPowerW"/> at any time, and
/// per-miner state through <see cref="Miners"/>.
/// </summary>
public sealed class MinerFleetEmulator : IAsyncDisposable
{
    private readonly List<TcpServerHost> _hosts = [];
    private EpollCgminerServers? _epoll;
    private readonly List<EmulatedMiner> _miners = [];

    public MinerFleetEmulator(FleetEmulatorOptions options, TimeProvider time)
    {
        options.Validate();
        Options = options;
        Time = time;
        var families = options.AssignFamilies();
        var random = new Random(options.Seed);
        var host = options.Address.ToString();
        // Main ports base..base+count-1, then one second port per miner whose family has one, in miner order: a
        // fleet takes only the ports it listens on (see FleetEmulatorOptions.PortsNeeded).
        var nextAux = options.BasePort + options.Count;
        for (var i = 0; i < options.Count; i++)
        {
            var family = families[i];
            var model = FamilyModels.Pick(family, random);
            var endpoint = new MinerEndpoint(host, options.BasePort + i,
                MinerEndpoint.DefaultAuxPort(family) is null ? null : nextAux++);
            _miners.Add(new EmulatedMiner(i, family, model, FamilyModels.Firmware(family), endpoint,
                MinerCredentials.Default(family) is var c && family == MinerFamily.WhatsminerV2 ? c with { Password = "curtail-wm" } : c,
                time, options.Timing, options.Faults, options.Seed * 7919 + i));
        }
    }

    public FleetEmulatorOptions Options { get; }
    public TimeProvider Time { get; }
    public IReadOnlyList<EmulatedMiner> Miners => _miners;
    public bool IsRunning { get; private set; }

    /// <summary>Sum of every miner's instantaneous power, in W: the site load the genset sees.</summary>
    public double TotalPowerW
    {
        get
        {
            var sum = 0.0;
            foreach (var m in _miners) sum += m.PowerW;
            return sum;
        }
    }

    /// <summary>Per-miner state at this instant (for the site emulator and dashboards).</summary>
    public IReadOnlyList<EmulatedMinerState> Snapshot() => _miners.Select(m => new EmulatedMinerState(
        m.Index, m.Family, m.Model.Name, m.Endpoint, m.Mode, m.PowerW, m.HashrateThs, m.TargetW, m.Fault)).ToList();

    /// <summary>Binds every port and starts serving. Throws naming the port if one is taken.</summary>
    public void Start()
    {
        if (IsRunning) return;
        var sockets = _miners.Sum(m => m.Endpoint.AuxPort is null ? 1 : 2);
        FileDescriptorLimit.EnsureAtLeast(sockets * 2L + 1024);
        // The one-shot cgminer ports on the emulator's own epoll loops where it can (their CPU per exchange is what a
        // shed of a large fleet pays on a shared machine); HTTP and framed servers keep TcpServerHost.
        var epoll = Options.EpollCgminerServers && LinuxSockets.IsSupported ? new EpollCgminerServers(sendBufferBytes: Options.CgminerSendBufferBytes) : null;
        _epoll = epoll;
        var binding = Options.BasePort;
        try
        {
            foreach (var miner in _miners)
            {
                foreach (var (port, handler, cgminer) in MinerServers.Create(miner))
                {
                    binding = port;
                    foreach (var address in Options.AlsoListenOn.Prepend(Options.Address))
                    {
                        if (epoll is not null && cgminer is not null)
                        {
                            epoll.Listen(address, port, cgminer);
                            continue;
                        }
                        var server = new TcpServerHost(address, port, handler);
                        _hosts.Add(server);
                        server.Start();
                    }
                }
            }
            epoll?.Start();
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            StopAsync().AsTask().GetAwaiter().GetResult();
            throw new InvalidOperationException(
                $"cannot listen near port {binding}: {ex.SocketErrorCode} (raise `ulimit -n` or pick another --base-port; ports in the "
                + $"kernel's ephemeral range {FleetEmulatorOptions.EphemeralRange().First}-{FleetEmulatorOptions.EphemeralRange().Last} may be held by client connections)", ex);
        }
        IsRunning = true;
    }

    public async ValueTask StopAsync()
    {
        var hosts = _hosts.ToList();
        _hosts.Clear();
        var epoll = _epoll;
        _epoll = null;
        await Task.WhenAll(hosts.Select(h => h.DisposeAsync().AsTask())).ConfigureAwait(false);
        if (epoll is not null) await epoll.DisposeAsync().ConfigureAwait(false);
        IsRunning = false;
    }

    public ValueTask DisposeAsync() => StopAsync();

    /// <summary>A miner by index or by "host:port" (the id `--write-fleet` gives it); KeyNotFoundException naming the id otherwise.</summary>
    public EmulatedMiner Find(string id)
    {
        if (int.TryParse(id, System.Globalization.CultureInfo.InvariantCulture, out var index) && index >= 0 && index < _miners.Count) return _miners[index];
        return _miners.FirstOrDefault(m => $"{m.Endpoint.Host}:{m.Endpoint.Port}" == id)
               ?? throw new KeyNotFoundException($"no miner '{id}' (an index 0..{_miners.Count - 1} or host:port)");
    }

    /// <summary>One line per miner: index, family, model, ports.</summary>
    public IEnumerable<string> Describe() => _miners.Select(m =>
        $"{m.Index,5} {m.Family,-14} {m.Model.Name,-20} {m.Endpoint.Host}:{m.Endpoint.Port}"
        + (m.Endpoint.AuxPort is { } aux ? $" aux {aux}" : ""));
}

public sealed record EmulatedMinerState(int Index, MinerFamily Family, string Model, MinerEndpoint Endpoint, MinerMode Mode,
    double PowerW, double HashrateThs, double TargetW, MinerFaultSwitch Fault = MinerFaultSwitch.None);

using System.Net;
using Curtail.Core;
using Curtail.Miners;

namespace Curtail.Emulators.Miners;

public sealed record FleetEmulatorOptions
{
    public int Count { get; init; } = 10;

    /// <summary>Share of each family, e.g. antminer:40,luxos:30,whatsminer:20,braiins:10.</summary>
    public IReadOnlyList<(MinerFamily Family, double Weight)> Mix { get; init; } = [(MinerFamily.LuxOs, 1)];

    /// <summary>
    /// Miner i listens on BasePort+i (main API); miners whose family has a second API get BasePort+Count, +Count+1, …
    /// in miner order. See <see cref="PortsNeeded"/> and <see cref="BasePortBelowEphemeral"/>.
    /// </summary>
    public int BasePort { get; init; } = 20000;

    public int Seed { get; init; } = 1;

    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>
    /// Further addresses every miner also listens on, at the same ports (e.g. 127.0.0.2 and 127.0.0.3): two controllers
    /// given different addresses of the same miners can be told apart by <see cref="EmulatedMiner.WritesBySource"/>.
    /// </summary>
    public IReadOnlyList<IPAddress> AlsoListenOn { get; init; } = [];

    public EmulatorTiming Timing { get; init; } = new();

    /// <summary>
    /// Serve the one-shot cgminer ports on the emulator's own epoll loops (<see cref="EpollCgminerServers"/>) where
    /// Linux allows it; false keeps .NET's sockets for every port (tests compare the two paths).
    /// </summary>
    public bool EpollCgminerServers { get; init; } = true;

    /// <summary>
    /// SO_SNDBUF of each connection on the epoll cgminer ports, 0 for the kernel's: tests set a small one so a long
    /// reply cannot go out in one send.
    /// </summary>
    public int CgminerSendBufferBytes { get; init; }

    public FaultInjection Faults { get; init; } = FaultInjection.None;

    public const int MinPort = 1024;
    public const int MaxPort = 65535;
    public const int DefaultBasePort = 20000;

    public static readonly IReadOnlyDictionary<string, MinerFamily> FamilyNames = new Dictionary<string, MinerFamily>(StringComparer.OrdinalIgnoreCase)
    {
        ["antminer"] = MinerFamily.AntminerStock,
        ["luxos"] = MinerFamily.LuxOs,
        ["whatsminer"] = MinerFamily.WhatsminerV2,
        ["whatsminer2"] = MinerFamily.WhatsminerV2,
        ["whatsminer3"] = MinerFamily.WhatsminerV3,
        ["braiins"] = MinerFamily.BraiinsOs,
        ["vnish"] = MinerFamily.Vnish,
        ["epic"] = MinerFamily.Epic,
        ["avalon"] = MinerFamily.Avalon,
        ["cgminer"] = MinerFamily.Cgminer,
    };

    /// <summary>Parses "antminer:40,luxos:30"; unknown names and bad weights are errors naming the item.</summary>
    public static IReadOnlyList<(MinerFamily Family, double Weight)> ParseMix(string text)
    {
        var result = new List<(MinerFamily, double)>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = item.Split(':', StringSplitOptions.TrimEntries);
            if (!FamilyNames.TryGetValue(parts[0], out var family))
                throw new InvalidInputException("--mix", null,
                    $"unknown family '{parts[0]}' (known: {string.Join(", ", FamilyNames.Keys)})");
            var weight = 1.0;
            if (parts.Length > 1 && (!double.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out weight) || weight < 0))
                throw new InvalidInputException("--mix", null, $"weight of '{parts[0]}' must be a non-negative number, got '{parts[1]}'");
            result.Add((family, weight));
        }
        if (result.Count == 0 || result.Sum(r => r.Item2) <= 0)
            throw new InvalidInputException("--mix", null, "no family with a positive weight");
        return result;
    }

    /// <summary>Exact counts per family by largest remainder, so 40/30/20/10 of 10 is 4/3/2/1.</summary>
    public IReadOnlyList<MinerFamily> AssignFamilies()
    {
        var total = Mix.Sum(m => m.Weight);
        var quotas = Mix.Select(m => (m.Family, Exact: Count * m.Weight / total)).ToList();
        var counts = quotas.Select(q => (q.Family, N: (int)Math.Floor(q.Exact), Rem: q.Exact - Math.Floor(q.Exact))).ToList();
        var missing = Count - counts.Sum(c => c.N);
        foreach (var c in counts.OrderByDescending(c => c.Rem).Take(missing).ToList())
        {
            var i = counts.IndexOf(c);
            counts[i] = c with { N = c.N + 1 };
        }
        var families = counts.SelectMany(c => Enumerable.Repeat(c.Family, c.N)).ToArray();
        new Random(Seed).Shuffle(families);
        return families;
    }

    /// <summary>Listening ports of the fleet: one per miner plus one per miner whose family has a second API.</summary>
    public int PortsNeeded => Count + AssignFamilies().Count(f => MinerEndpoint.DefaultAuxPort(f) is not null);

    public void Validate()
    {
        if (Count < 1) throw new InvalidInputException("--count", null, "must be at least 1");
        var last = BasePort + PortsNeeded - 1;
        if (BasePort < MinPort || last > MaxPort)
            throw new InvalidInputException("--base-port", null,
                $"ports {BasePort}..{last} must lie within {MinPort}-{MaxPort} (miner i uses base+i, second APIs follow the main ones)");
    }

    /// <summary>
    /// The default first port: <see cref="DefaultBasePort"/>, or lower when the fleet would otherwise reach into the
    /// kernel's ephemeral range, where the machine's own client connections (the controller's among them) hold ports
    /// and a listener cannot bind. 10,000 miners with second APIs need up to 20,000 ports, 20000-39999 from the old
    /// fixed base, which crossed 32768.
    /// </summary>
    public int BasePortBelowEphemeral()
    {
        var needed = PortsNeeded;
        var (first, _) = EphemeralRange();
        if (DefaultBasePort + needed <= first) return DefaultBasePort;
        return Math.Max(MinPort, first - needed);
    }

    /// <summary>Linux's net.ipv4.ip_local_port_range (its default 32768-60999 elsewhere or when unreadable).</summary>
    public static (int First, int Last) EphemeralRange()
    {
        try
        {
            const string path = "/proc/sys/net/ipv4/ip_local_port_range";
            if (File.Exists(path))
            {
                var parts = File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2 && int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var a)
                    && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var b)) return (a, b);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return (32768, 60999);
    }
}

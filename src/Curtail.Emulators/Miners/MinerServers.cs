using System.Net.Sockets;
using Curtail.Miners;

namespace Curtail.Emulators.Miners;

/// <summary>The listening ports of one emulated miner and what each serves.</summary>
public static class MinerServers
{
    /// <summary>
    /// Each port with its handler; <c>Cgminer</c> is set for the one-shot cgminer-style ports, which the epoll loop can
    /// serve instead of the handler (<see cref="EpollCgminerServers"/>).
    /// </summary>
    public static IEnumerable<(int Port, Func<Socket, CancellationToken, Task> Handler, CgminerApiServer? Cgminer)> Create(EmulatedMiner miner)
    {
        var main = miner.Endpoint.Port;
        switch (miner.Family)
        {
            case MinerFamily.LuxOs:
                yield return Cgminer(main, new CgminerApiServer(miner, new LuxOsDialect(miner)));
                break;
            case MinerFamily.WhatsminerV2:
                yield return Cgminer(main, new CgminerApiServer(miner, new WhatsminerV2Dialect(miner)));
                break;
            case MinerFamily.WhatsminerV3:
                yield return (main, new WhatsminerV3Server(miner).HandleAsync, null);
                yield return Cgminer(miner.Endpoint.AuxPort!.Value, new CgminerApiServer(miner, new WhatsminerV2Dialect(miner, writesEnabled: false)));
                break;
            case MinerFamily.AntminerStock:
                var antminer = new AntminerStockEmulator(miner);
                yield return (main, new MiniHttpServer(miner, antminer.HandleWebAsync).HandleAsync, null);
                yield return Cgminer(miner.Endpoint.AuxPort!.Value, new CgminerApiServer(miner, antminer));
                break;
            case MinerFamily.BraiinsOs:
                var braiins = new BraiinsOsEmulator(miner);
                yield return (main, new MiniHttpServer(miner, braiins.HandleWebAsync).HandleAsync, null);
                yield return Cgminer(miner.Endpoint.AuxPort!.Value, new CgminerApiServer(miner, braiins));
                break;
            case MinerFamily.Vnish:
                yield return (main, new MiniHttpServer(miner, new VnishEmulator(miner).HandleWebAsync).HandleAsync, null);
                break;
            case MinerFamily.Epic:
                yield return (main, new MiniHttpServer(miner, new EpicEmulator(miner).HandleWebAsync).HandleAsync, null);
                break;
            case MinerFamily.Avalon:
                yield return Cgminer(main, new CgminerApiServer(miner, new AvalonDialect(miner)));
                break;
            default:
                // Plain cgminer: the Antminer read API alone, no control.
                yield return Cgminer(main, new CgminerApiServer(miner, new AntminerStockEmulator(miner)));
                break;
        }
    }

    private static (int, Func<Socket, CancellationToken, Task>, CgminerApiServer?) Cgminer(int port, CgminerApiServer server) =>
        (port, server.HandleAsync, server);
}

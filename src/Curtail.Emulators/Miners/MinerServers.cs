using System.Net.Sockets;
using Curtail.Miners;

namespace Curtail.Emulators.Miners;

/// <summary>The listening ports of one emulated miner and what each serves.</summary>
public static class MinerServers
{
    public static IEnumerable<(int Port, Func<Socket, CancellationToken, Task> Handler)> Create(EmulatedMiner miner)
    {
        var main = miner.Endpoint.Port;
        switch (miner.Family)
        {
            case MinerFamily.LuxOs:
                yield return (main, new CgminerApiServer(miner, new LuxOsDialect(miner)).HandleAsync);
                break;
            case MinerFamily.WhatsminerV2:
                yield return (main, new CgminerApiServer(miner, new WhatsminerV2Dialect(miner)).HandleAsync);
                break;
            case MinerFamily.WhatsminerV3:
                yield return (main, new WhatsminerV3Server(miner).HandleAsync);
                yield return (miner.Endpoint.AuxPort!.Value, new CgminerApiServer(miner, new WhatsminerV2Dialect(miner, writesEnabled: false)).HandleAsync);
                break;
            case MinerFamily.AntminerStock:
                var antminer = new AntminerStockEmulator(miner);
                yield return (main, new MiniHttpServer(miner, antminer.HandleWebAsync).HandleAsync);
                yield return (miner.Endpoint.AuxPort!.Value, new CgminerApiServer(miner, antminer).HandleAsync);
                break;
            case MinerFamily.BraiinsOs:
                var braiins = new BraiinsOsEmulator(miner);
                yield return (main, new MiniHttpServer(miner, braiins.HandleWebAsync).HandleAsync);
                yield return (miner.Endpoint.AuxPort!.Value, new CgminerApiServer(miner, braiins).HandleAsync);
                break;
            case MinerFamily.Vnish:
                yield return (main, new MiniHttpServer(miner, new VnishEmulator(miner).HandleWebAsync).HandleAsync);
                break;
            case MinerFamily.Epic:
                yield return (main, new MiniHttpServer(miner, new EpicEmulator(miner).HandleWebAsync).HandleAsync);
                break;
            case MinerFamily.Avalon:
                yield return (main, new CgminerApiServer(miner, new AvalonDialect(miner)).HandleAsync);
                break;
            default:
                // Plain cgminer: the Antminer read API alone, no control.
                yield return (main, new CgminerApiServer(miner, new AntminerStockEmulator(miner)).HandleAsync);
                break;
        }
    }
}

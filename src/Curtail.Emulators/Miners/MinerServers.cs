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
            default:
                throw new NotSupportedException($"no emulator for {miner.Family}");
        }
    }
}

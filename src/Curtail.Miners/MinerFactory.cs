using Curtail.Miners.Drivers;

namespace Curtail.Miners;

/// <summary>Everything needed to talk to one miner: what a fleet file entry or a discovery result becomes.</summary>
public sealed record MinerSpec(string Id, MinerFamily Family, MinerEndpoint Endpoint, ModelSpec Model, MinerCredentials Credentials,
    string Group = "default");

public static class MinerFactory
{
    /// <summary>The driver for a family; its capability interfaces say what it can do.</summary>
    public static IMiner Create(MinerSpec spec, TimeProvider time, DriverOptions? options = null) => spec.Family switch
    {
        MinerFamily.LuxOs => new LuxOsMiner(spec.Id, spec.Endpoint, spec.Model, time, options),
        MinerFamily.WhatsminerV2 => new WhatsminerV2Miner(spec.Id, spec.Endpoint, spec.Model, spec.Credentials, time, options),
        MinerFamily.WhatsminerV3 => new WhatsminerV3Miner(spec.Id, spec.Endpoint, spec.Model, spec.Credentials, time, options),
        MinerFamily.AntminerStock => new AntminerStockMiner(spec.Id, spec.Endpoint, spec.Model, spec.Credentials, time, options),
        MinerFamily.BraiinsOs => new BraiinsOsMiner(spec.Id, spec.Endpoint, spec.Model, spec.Credentials, time, options),
        MinerFamily.Vnish => new VnishMiner(spec.Id, spec.Endpoint, spec.Model, spec.Credentials, time, options),
        MinerFamily.Epic => new EpicMiner(spec.Id, spec.Endpoint, spec.Model, spec.Credentials, time, options),
        MinerFamily.Avalon => new AvalonMiner(spec.Id, spec.Endpoint, spec.Model, time, options),
        _ => new CgminerMiner(spec.Id, spec.Endpoint, spec.Model, time, options),
    };
}

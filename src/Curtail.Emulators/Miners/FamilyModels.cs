using Curtail.Miners;

namespace Curtail.Emulators.Miners;

/// <summary>Which hardware each emulated firmware family runs on, and the firmware version it reports.</summary>
public static class FamilyModels
{
    public static ModelSpec Pick(MinerFamily family, Random random)
    {
        ModelSpec[] choices = family switch
        {
            MinerFamily.WhatsminerV2 => [ModelCatalog.WhatsminerM30SPlusPlus, ModelCatalog.WhatsminerM50S],
            MinerFamily.WhatsminerV3 => [ModelCatalog.WhatsminerM50S, ModelCatalog.WhatsminerM60S],
            MinerFamily.AntminerStock => [ModelCatalog.AntminerS19jPro, ModelCatalog.AntminerS19Xp, ModelCatalog.AntminerS21],
            MinerFamily.BraiinsOs => [ModelCatalog.AntminerS19, ModelCatalog.AntminerS19jPro, ModelCatalog.AntminerS17],
            MinerFamily.Vnish => [ModelCatalog.AntminerS19, ModelCatalog.AntminerS19Xp],
            MinerFamily.LuxOs => [ModelCatalog.AntminerS19jPro, ModelCatalog.AntminerS19, ModelCatalog.AntminerS21],
            // ePIC's control board replaces the Antminer's (its capabilities report "AntMiner S19 XP", asic-rs capture).
            MinerFamily.Epic => [ModelCatalog.AntminerS19jPro, ModelCatalog.AntminerS19Xp],
            MinerFamily.Avalon => [ModelCatalog.AvalonA1246, ModelCatalog.AvalonA1366],
            _ => [ModelCatalog.AntminerS9, ModelCatalog.AntminerS17],
        };
        return choices[random.Next(choices.Length)];
    }

    public static string Firmware(MinerFamily family) => family switch
    {
        MinerFamily.LuxOs => "2024.10.1.123456-abcdef",
        MinerFamily.WhatsminerV2 => "20230911.15.Rel",
        MinerFamily.WhatsminerV3 => "20250214.22.REL",
        MinerFamily.AntminerStock => "Thu Jul 27 11:46:23 CST 2023",
        MinerFamily.BraiinsOs => "25.07",
        MinerFamily.Vnish => "1.3.0",
        MinerFamily.Epic => "1.5.13",
        MinerFamily.Avalon => "21072802_4ec6bb0",
        _ => "4.11.1",
    };
}

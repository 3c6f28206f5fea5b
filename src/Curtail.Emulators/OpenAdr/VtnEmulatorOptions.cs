namespace Curtail.Emulators.OpenAdr;

/// <summary>How the OpenADR 3 VTN emulator listens and whom it lets in.</summary>
public sealed record VtnEmulatorOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 = any free port.</summary>
    public int Port { get; init; }

    /// <summary>OAuth client credentials accepted by /auth/token: client id → secret (the VEN's, and the operator's who publishes events).</summary>
    public IReadOnlyDictionary<string, string> Clients { get; init; } = new Dictionary<string, string>
    {
        ["curtail-ven"] = "curtail-ven-secret",
        ["vtn-operator"] = "vtn-operator-secret",
    };

    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Programs present at start (programName; IMPORT_CAPACITY_LIMIT in KW and PRICE in USD/KWH described).</summary>
    public IReadOnlyList<string> Programs { get; init; } = [];
}

namespace Curtail.Modbus.Client;

public sealed record ModbusClientOptions
{
    public required string Host { get; init; }
    public int Port { get; init; } = Protocol.ModbusLimits.DefaultPort;
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Per-request deadline for the matching reply (Victron uses 0.5-1 s for gensets).</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>Requests in flight on the connection. 1 (default) is what every gateway expects; more enables pipelining matched by transaction id.</summary>
    public int MaxOutstanding { get; init; } = 1;
    /// <summary>After this many timeouts in a row the connection is treated as half-open and dropped.</summary>
    public int TimeoutsBeforeReconnect { get; init; } = 2;
    /// <summary>Wait after a failed connect; doubles per failure up to <see cref="ReconnectBackoffMax"/>.</summary>
    public TimeSpan ReconnectBackoffMin { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan ReconnectBackoffMax { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan KeepAliveIdle { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(1);
    public int KeepAliveRetryCount { get; init; } = 3;
    /// <summary>Linux TCP_USER_TIMEOUT: unacknowledged data older than this kills the socket (half-open links).</summary>
    public TimeSpan TcpUserTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public static ModbusClientOptions ForEndpoint(string endpoint, int defaultPort = Protocol.ModbusLimits.DefaultPort)
    {
        var (host, port) = ParseEndpoint(endpoint, defaultPort);
        return new ModbusClientOptions { Host = host, Port = port };
    }

    /// <summary>Parses HOST:PORT (or HOST, or [v6]:PORT).</summary>
    public static (string Host, int Port) ParseEndpoint(string endpoint, int defaultPort = Protocol.ModbusLimits.DefaultPort)
    {
        if (string.IsNullOrWhiteSpace(endpoint)) throw new Core.InvalidInputException("--endpoint", null, "empty endpoint; expected HOST:PORT");
        endpoint = endpoint.Trim();
        string host = endpoint;
        var portText = (string?)null;
        if (endpoint.StartsWith('['))
        {
            var close = endpoint.IndexOf(']');
            if (close < 0) throw new Core.InvalidInputException("--endpoint", null, $"'{endpoint}': missing ']'");
            host = endpoint[1..close];
            if (close + 1 < endpoint.Length && endpoint[close + 1] == ':') portText = endpoint[(close + 2)..];
        }
        else if (endpoint.Count(c => c == ':') == 1)
        {
            var colon = endpoint.IndexOf(':');
            host = endpoint[..colon];
            portText = endpoint[(colon + 1)..];
        }
        var port = defaultPort;
        if (portText is not null && (!int.TryParse(portText, out port) || port is < 1 or > 65535))
            throw new Core.InvalidInputException("--endpoint", null, $"'{endpoint}': port '{portText}' is not 1..65535");
        if (host.Length == 0) throw new Core.InvalidInputException("--endpoint", null, $"'{endpoint}': missing host");
        return (host, port);
    }
}

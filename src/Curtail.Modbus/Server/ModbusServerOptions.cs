using System.Net;
using Curtail.Modbus.Protocol;

namespace Curtail.Modbus.Server;

public enum UnitIdMode
{
    /// <summary>Answer the configured unit id (and 0xFF / 0, "this device" on direct TCP); others get exception 0B like a gateway.</summary>
    ConfiguredOnly,
    /// <summary>Answer every unit id (libmodbus does this).</summary>
    AnswerAny,
    /// <summary>Answer the configured id; silently drop others so the client times out (npm modbus-serial does this).</summary>
    DropOthers,
}

/// <summary>Misbehaviour to apply to the next request (fault injection, for tests and the emulator).</summary>
public sealed record ModbusServerFaults
{
    public static readonly ModbusServerFaults None = new();
    /// <summary>Read the request but never answer (the client sees a half-open peer).</summary>
    public bool Silent { get; init; }
    public TimeSpan Latency { get; init; }
    public ModbusExceptionCode? ForcedException { get; init; }
    public bool CloseAfterReply { get; init; }
}

public sealed record ModbusServerOptions
{
    /// <summary>Bind address; loopback by default.</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;
    /// <summary>0 picks an ephemeral port; read the bound one from <see cref="ModbusTcpServer.Port"/>.</summary>
    public int Port { get; init; }
    public byte UnitId { get; init; } = 1;
    public UnitIdMode UnitIdMode { get; init; } = UnitIdMode.ConfiguredOnly;
    /// <summary>Once a frame has started, the rest must arrive within this time or the connection is closed.</summary>
    public TimeSpan FrameTimeout { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>A connection with no request for this long is closed (devices do this; clients must reconnect).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Embedded controllers allow a handful of sockets; further connects are closed at once.</summary>
    public int MaxConnections { get; init; } = 64;
    /// <summary>Called before each request is answered (the emulator brings its registers up to date here).</summary>
    public Action? BeforeRequest { get; init; }
    /// <summary>
    /// Serve each connection on a thread of its own with blocking calls instead of in the thread pool: an emulated
    /// device that shares its process with heavy work (the demo's thousand emulated miners) still answers at once.
    /// </summary>
    public bool DedicatedThreads { get; init; }
    /// <summary>Fault injection, asked once per request.</summary>
    public Func<ModbusServerFaults>? Faults { get; init; }
}

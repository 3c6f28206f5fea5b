using System.Net;
using System.Net.Sockets;

namespace Curtail.Emulators;

/// <summary>
/// A free loopback port for the emulators served by <see cref="HttpListener"/>, which cannot bind port 0 itself: the
/// kernel picks one for a probe listener that is closed at once (the port is free again, and rarely reused so soon).
/// </summary>
public static class LoopbackPort
{
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}

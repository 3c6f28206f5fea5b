using System.Net.Sockets;

namespace Curtail.Controller.Tests;

/// <summary>A block of free loopback ports for an emulated fleet (a miner's main API at base + i, a second API above it).</summary>
internal static class FreePorts
{
    public static int Block(int count)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            // Below the ephemeral range (32768+), where outgoing connections of every test on the machine take their ports.
            var basePort = 21000 + Random.Shared.Next(0, 110) * 100;
            var free = true;
            for (var p = basePort; p < basePort + 2 * count && free; p++)
            {
                try
                {
                    using var probe = new TcpListener(System.Net.IPAddress.Loopback, p);
                    probe.Start();
                }
                catch (SocketException)
                {
                    free = false;
                }
            }
            if (free) return basePort;
        }
        throw new InvalidOperationException("no free block of ports for the emulated miners");
    }
}

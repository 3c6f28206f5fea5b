using System.Net;

namespace Curtail.Miners.Fleet;

/// <summary>
/// Address lists as operators write them: host, host:port, host:first-last (ports, for emulators on one host),
/// a.b.c.d-a.b.c.e or a.b.c.d-e (IPv4 ranges).
/// </summary>
public static class AddressRange
{
    public const int MaxAddresses = FleetFile.MaxMinersPerEntry;

    /// <summary>Expands one address item; <paramref name="error"/> builds the exception for a bad item.</summary>
    public static IEnumerable<(string Host, int Port)> Expand(string address, int defaultPort, Func<string, Exception> error)
    {
        var colon = address.LastIndexOf(':');
        if (colon > 0 && !address[..colon].Contains(':'))
        {
            var host = address[..colon];
            var ports = address[(colon + 1)..].Split('-');
            var p2 = 0;
            if (ports.Length > 2 || !int.TryParse(ports[0], out var p1) || (ports.Length == 2 ? !int.TryParse(ports[1], out p2) : (p2 = p1) != p1)
                || p1 is < 1 or > 65535 || p2 < p1 || p2 > 65535)
                throw error($"address '{address}': expected host:port or host:first-last");
            if (p2 - p1 + 1 > MaxAddresses) throw error($"address '{address}' expands to more than {MaxAddresses} miners");
            return Enumerable.Range(p1, p2 - p1 + 1).Select(p => (host, p)).ToList();
        }
        var dash = address.IndexOf('-');
        if (dash < 0) return [(address, defaultPort)];
        var first = address[..dash];
        var last = address[(dash + 1)..];
        if (!IPAddress.TryParse(first, out var start) || start.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            throw error($"address '{address}': a range needs an IPv4 start address");
        if (!last.Contains('.')) last = string.Join('.', first.Split('.')[..3]) + "." + last;
        if (!IPAddress.TryParse(last, out var end)) throw error($"address '{address}': bad range end '{last}'");
        var a = ToUInt(start);
        var b = ToUInt(end);
        if (b < a) throw error($"address '{address}': range end is before its start");
        if (b - a + 1 > MaxAddresses) throw error($"address '{address}' expands to more than {MaxAddresses} miners");
        var result = new List<(string, int)>((int)(b - a + 1));
        for (var x = a; x <= b; x++) result.Add((FromUInt(x), defaultPort));
        return result;
    }

    private static uint ToUInt(IPAddress ip)
    {
        var b = ip.GetAddressBytes();
        return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }

    private static string FromUInt(uint v) => $"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}";
}

using System.Security.Cryptography;
using System.Text;

namespace Curtail.Miners.Protocols;

/// <summary>
/// The FreeBSD/glibc "$1$" MD5-crypt password hash (Poul-Henning Kamp's algorithm), which Whatsminer API v2 uses
/// to derive its token key and signature. No package provides it on .NET, so it is written out here.
/// </summary>
public static class Md5Crypt
{
    private const string Magic = "$1$";
    private const string Itoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>The full "$1$salt$hash" string.</summary>
    public static string Crypt(string password, string salt)
    {
        if (salt.StartsWith(Magic, StringComparison.Ordinal)) salt = salt[Magic.Length..];
        var dollar = salt.IndexOf('$');
        if (dollar >= 0) salt = salt[..dollar];
        if (salt.Length > 8) salt = salt[..8];
        var pw = Encoding.UTF8.GetBytes(password);
        var sl = Encoding.UTF8.GetBytes(salt);

        var alt = MD5.HashData([.. pw, .. sl, .. pw]);
        var ctx = new List<byte>(64);
        ctx.AddRange(pw);
        ctx.AddRange(Encoding.ASCII.GetBytes(Magic));
        ctx.AddRange(sl);
        for (var left = pw.Length; left > 0; left -= 16) ctx.AddRange(alt.AsSpan(0, Math.Min(16, left)).ToArray());
        for (var i = pw.Length; i != 0; i >>= 1) ctx.Add((i & 1) != 0 ? (byte)0 : pw.Length > 0 ? pw[0] : (byte)0);
        var final = MD5.HashData(ctx.ToArray());

        var round = new List<byte>(64);
        for (var i = 0; i < 1000; i++)
        {
            round.Clear();
            round.AddRange((i & 1) != 0 ? pw : final);
            if (i % 3 != 0) round.AddRange(sl);
            if (i % 7 != 0) round.AddRange(pw);
            round.AddRange((i & 1) != 0 ? final : pw);
            final = MD5.HashData(round.ToArray());
        }

        var sb = new StringBuilder(Magic).Append(salt).Append('$');
        To64(sb, (final[0] << 16) | (final[6] << 8) | final[12], 4);
        To64(sb, (final[1] << 16) | (final[7] << 8) | final[13], 4);
        To64(sb, (final[2] << 16) | (final[8] << 8) | final[14], 4);
        To64(sb, (final[3] << 16) | (final[9] << 8) | final[15], 4);
        To64(sb, (final[4] << 16) | (final[10] << 8) | final[5], 4);
        To64(sb, final[11], 2);
        return sb.ToString();
    }

    /// <summary>Only the part after the third '$', which is what Whatsminer calls the key or the sign.</summary>
    public static string HashPart(string password, string salt) => Crypt(password, salt).Split('$')[3];

    private static void To64(StringBuilder sb, int value, int count)
    {
        for (var i = 0; i < count; i++)
        {
            sb.Append(Itoa64[value & 0x3f]);
            value >>= 6;
        }
    }
}

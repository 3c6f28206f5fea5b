using System.Security.Cryptography;
using System.Text;

namespace Curtail.Miners.Protocols;

/// <summary>
/// HTTP Digest (RFC 7616, MD5, qop=auth) as Antminer stock firmware's web server uses it. Shared by the client
/// driver and the emulator so both sides compute the same response.
/// </summary>
public static class DigestAuth
{
    public static string Md5Hex(string s) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(s)));

    public static string Response(string user, string realm, string password, string method, string uri,
        string nonce, string nc, string cnonce, string qop) =>
        Md5Hex($"{Md5Hex($"{user}:{realm}:{password}")}:{nonce}:{nc}:{cnonce}:{qop}:{Md5Hex($"{method}:{uri}")}");

    /// <summary>Parses `Digest realm="…", nonce="…", qop="auth"` (or an Authorization header) into its fields.</summary>
    public static Dictionary<string, string> ParseHeader(string header)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var s = header.Trim();
        if (s.StartsWith("Digest ", StringComparison.OrdinalIgnoreCase)) s = s[7..];
        var i = 0;
        while (i < s.Length)
        {
            while (i < s.Length && (s[i] == ',' || char.IsWhiteSpace(s[i]))) i++;
            var eq = s.IndexOf('=', i);
            if (eq < 0) break;
            var name = s[i..eq].Trim();
            i = eq + 1;
            string value;
            if (i < s.Length && s[i] == '"')
            {
                var end = s.IndexOf('"', i + 1);
                if (end < 0) end = s.Length;
                value = s[(i + 1)..end];
                i = end + 1;
            }
            else
            {
                var end = s.IndexOf(',', i);
                if (end < 0) end = s.Length;
                value = s[i..end].Trim();
                i = end;
            }
            result[name] = value;
        }
        return result;
    }

    public static string AuthorizationHeader(string user, string password, string method, string uri,
        IReadOnlyDictionary<string, string> challenge, int nonceCount, string cnonce)
    {
        var realm = challenge.GetValueOrDefault("realm", "");
        var nonce = challenge.GetValueOrDefault("nonce", "");
        var qop = challenge.GetValueOrDefault("qop", "auth").Split(',')[0].Trim();
        var nc = nonceCount.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        var response = Response(user, realm, password, method, uri, nonce, nc, cnonce, qop);
        var opaque = challenge.TryGetValue("opaque", out var o) ? $", opaque=\"{o}\"" : "";
        return $"Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", algorithm=MD5, "
               + $"qop={qop}, nc={nc}, cnonce=\"{cnonce}\", response=\"{response}\"{opaque}";
    }
}

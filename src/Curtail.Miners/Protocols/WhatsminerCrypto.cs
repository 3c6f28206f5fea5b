using System.Security.Cryptography;
using System.Text;

namespace Curtail.Miners.Protocols;

/// <summary>
/// Whatsminer API v2 token and cipher (miner-apis.md §5.2): key = md5-crypt(password, salt) hash part;
/// sign = md5-crypt(key + last 4 chars of time, newsalt) hash part; AES-256-ECB with SHA-256(key), NUL padding,
/// base64. API v3 tokens: first 8 chars of base64(SHA-256(cmd + password + salt + ts)).
/// </summary>
public static class WhatsminerCrypto
{
    public static string Key(string password, string salt) => Md5Crypt.HashPart(password, salt);

    public static string Sign(string key, string time, string newSalt) =>
        Md5Crypt.HashPart(key + (time.Length > 4 ? time[^4..] : time), newSalt);

    public static string Encrypt(string key, string plaintext)
    {
        using var aes = Aes.Create();
        aes.Key = SHA256.HashData(Encoding.ASCII.GetBytes(key));
        var bytes = Encoding.UTF8.GetBytes(plaintext);
        var padded = new byte[(bytes.Length + 15) / 16 * 16];
        bytes.CopyTo(padded, 0);
        return Convert.ToBase64String(aes.EncryptEcb(padded, PaddingMode.None));
    }

    public static string Decrypt(string key, string base64)
    {
        using var aes = Aes.Create();
        aes.Key = SHA256.HashData(Encoding.ASCII.GetBytes(key));
        var data = Convert.FromBase64String(base64.Replace("\n", "", StringComparison.Ordinal));
        if (data.Length % 16 != 0) throw new FormatException($"ciphertext length {data.Length} is not a multiple of 16");
        var plain = aes.DecryptEcb(data, PaddingMode.None);
        return Encoding.UTF8.GetString(plain).TrimEnd('\0');
    }

    public static string V3Token(string command, string password, string salt, long ts)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(command + password + salt + ts.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return Convert.ToBase64String(digest)[..8];
    }
}

using Curtail.Core;

namespace Curtail.Ercot.Api;

/// <summary>
/// ERCOT Public API credentials: the B2C account (for the ID token) and the API subscription key. Read from the
/// environment or a secrets file; <see cref="ToString"/> never shows them, so they cannot leak into logs.
/// </summary>
public sealed class ErcotApiCredentials
{
    public const string UsernameVariable = "ERCOT_API_USERNAME";
    public const string PasswordVariable = "ERCOT_API_PASSWORD";
    public const string SubscriptionKeyVariable = "ERCOT_API_SUBSCRIPTION_KEY";

    public string Username { get; }
    public string Password { get; }
    public string SubscriptionKey { get; }

    public ErcotApiCredentials(string username, string password, string subscriptionKey)
    {
        if (string.IsNullOrWhiteSpace(username) || string.IsNullOrEmpty(password) || string.IsNullOrWhiteSpace(subscriptionKey))
            throw new ArgumentException("ERCOT API credentials need a username, a password and a subscription key");
        Username = username;
        Password = password;
        SubscriptionKey = subscriptionKey;
    }

    public override string ToString() => $"ERCOT API credentials for {Username[..Math.Min(2, Username.Length)]}*** (password and key hidden)";

    /// <summary>From ERCOT_API_USERNAME, ERCOT_API_PASSWORD and ERCOT_API_SUBSCRIPTION_KEY; null when none is set.</summary>
    public static ErcotApiCredentials? FromEnvironment(Func<string, string?>? get = null)
    {
        get ??= Environment.GetEnvironmentVariable;
        var (u, p, k) = (get(UsernameVariable), get(PasswordVariable), get(SubscriptionKeyVariable));
        if (u is null && p is null && k is null) return null;
        var missing = new[] { (UsernameVariable, u), (PasswordVariable, p), (SubscriptionKeyVariable, k) }.Where(x => string.IsNullOrEmpty(x.Item2)).Select(x => x.Item1).ToList();
        if (missing.Count > 0) throw new InvalidInputException("environment", null, $"ERCOT API credentials incomplete: {string.Join(", ", missing)} not set");
        return new ErcotApiCredentials(u!, p!, k!);
    }

    /// <summary>
    /// A secrets file of <c>KEY=value</c> lines using the environment variable names; blank lines and lines starting
    /// with # are ignored. Errors name the file and line, never a value.
    /// </summary>
    public static ErcotApiCredentials FromFile(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, null, "secrets file not found");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var eq = line.IndexOf('=');
            if (eq <= 0) throw new InvalidInputException(path, lineNo, "expected KEY=value");
            var key = line[..eq].Trim();
            if (key is not (UsernameVariable or PasswordVariable or SubscriptionKeyVariable))
                throw new InvalidInputException(path, lineNo, $"unknown key '{key}'; expected {UsernameVariable}, {PasswordVariable} or {SubscriptionKeyVariable}");
            values[key] = line[(eq + 1)..].Trim();
        }
        var creds = FromEnvironment(k => values.GetValueOrDefault(k));
        return creds ?? throw new InvalidInputException(path, null, "no credentials in the secrets file");
    }
}

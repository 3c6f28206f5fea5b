using Curtail.Controller.Config;
using Microsoft.Extensions.Logging;

namespace Curtail.Controller.Api;

/// <summary>
/// Failed authentications per remote address: each is logged (address and why, never the token presented), and an
/// address with <see cref="AuthLimits.MaxFailures"/> within <see cref="AuthLimits.Window"/> is refused (429) for
/// <see cref="AuthLimits.Lockout"/>, so tokens cannot be guessed at network speed.
/// </summary>
/// <param name="time">Wall time, also in an accelerated replay: lockouts and token expiry are about real attackers and real dates.</param>
public sealed class AuthFailures(TimeProvider time, ILogger<AuthFailures> log)
{
    /// <summary>Addresses remembered at most; past it the quiet ones are forgotten first, so a flood cannot exhaust memory.</summary>
    private const int MaxAddresses = 10_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Address> _addresses = new(StringComparer.Ordinal);

    private sealed class Address
    {
        public Queue<DateTimeOffset> Failures { get; } = new();
        public DateTimeOffset LockedUntil { get; set; }
    }

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>How long the address is still locked out, or null when it may try.</summary>
    public TimeSpan? LockedFor(string address)
    {
        var now = Now;
        lock (_lock)
            return _addresses.TryGetValue(address, out var a) && a.LockedUntil > now ? a.LockedUntil - now : null;
    }

    public void Record(string address, string why, AuthLimits limits)
    {
        var now = Now;
        int count;
        bool lockedNow;
        lock (_lock)
        {
            if (!_addresses.TryGetValue(address, out var a))
            {
                if (_addresses.Count >= MaxAddresses) Forget(now, limits);
                _addresses[address] = a = new Address();
            }
            while (a.Failures.Count > 0 && a.Failures.Peek() <= now - limits.Window) a.Failures.Dequeue();
            a.Failures.Enqueue(now);
            count = a.Failures.Count;
            lockedNow = count >= limits.MaxFailures && a.LockedUntil <= now;
            if (lockedNow)
            {
                a.LockedUntil = now + limits.Lockout;
                a.Failures.Clear();
            }
        }
        log.LogWarning("API authentication failed from {RemoteAddress}: {Why} ({Count} in the last {Window})", address, why, count, limits.Window);
        if (lockedNow)
            log.LogWarning("API authentication from {RemoteAddress} refused for {Lockout} after {Count} failures", address, limits.Lockout, count);
    }

    private void Forget(DateTimeOffset now, AuthLimits limits)
    {
        foreach (var (key, a) in _addresses.ToList())
            if (a.LockedUntil <= now && (a.Failures.Count == 0 || a.Failures.Last() <= now - limits.Window)) _addresses.Remove(key);
        // Every address is active: the oldest failure goes, lockouts stay.
        if (_addresses.Count >= MaxAddresses)
            foreach (var key in _addresses.Where(x => x.Value.LockedUntil <= now).OrderBy(x => x.Value.Failures.LastOrDefault()).Take(MaxAddresses / 10).Select(x => x.Key).ToList())
                _addresses.Remove(key);
    }
}

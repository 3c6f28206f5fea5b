using System.Net.Sockets;

namespace Curtail.Miners.Protocols;

/// <summary>
/// One TCP exchange with a miner under a deadline: connect, talk, and every way it can fail as a
/// <see cref="MinerException"/> naming the miner and the port (timeout, refused or reset connection).
/// </summary>
internal static class MinerTcp
{
    /// <param name="timeoutWhat">What the deadline ran out on, for the timeout's message ("no reply", "could not deliver").</param>
    public static async Task<T> ExchangeAsync<T>(string minerId, int port, TimeSpan deadline,
        Func<TcpClient, CancellationToken, Task> connect, Func<TcpClient, CancellationToken, Task<T>> exchange,
        CancellationToken cancellationToken, string timeoutWhat = "no reply")
    {
        using var client = new TcpClient { NoDelay = true };
        return await WithinDeadlineAsync(minerId, port, deadline, timeoutWhat, cancellationToken, async token =>
        {
            await connect(client, token).ConfigureAwait(false);
            return await exchange(client, token).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>One exchange under its deadline, its socket failures and timeout turned into the miner's own failure kinds.</summary>
    private static async Task<T> WithinDeadlineAsync<T>(string minerId, int port, TimeSpan deadline, string timeoutWhat,
        CancellationToken cancellationToken, Func<CancellationToken, Task<T>> exchange)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        try
        {
            return await exchange(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (Failure(minerId, port, deadline, timeoutWhat, cancellationToken, ex) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>
    /// The miner's own failure for what ended an exchange: the deadline (not the caller's cancellation), a refused or
    /// reset connection, a lost stream; null for anything else (a <see cref="MinerException"/> already, the caller's
    /// cancellation), which passes unchanged.
    /// </summary>
    public static MinerException? Failure(string minerId, int port, TimeSpan deadline, string timeoutWhat, CancellationToken callerToken,
        Exception ex) => ex switch
    {
        OperationCanceledException when !callerToken.IsCancellationRequested =>
            new MinerException(minerId, MinerFailureKind.Timeout, $"{timeoutWhat} within {deadline.TotalSeconds:0.#} s on port {port}"),
        SocketException se => new MinerException(minerId, MinerFailureKind.Connection, $"port {port}: {se.SocketErrorCode}", se),
        IOException io => new MinerException(minerId, MinerFailureKind.Connection, $"port {port}: connection lost ({io.Message})", io),
        _ => null,
    };
}

using System.Net.Sockets;

namespace Curtail.Miners.Protocols;

/// <summary>
/// One TCP exchange with a miner under a deadline: connect, talk, and every way it can fail as a
/// <see cref="MinerException"/> naming the miner and the port (timeout, refused or reset connection).
/// </summary>
internal static class MinerTcp
{
    /// <summary>
    /// On a bare socket (no <see cref="TcpClient"/> and stream around it): the cgminer API's one-shot exchanges.
    /// <paramref name="family"/> is the address's own family when the host is an IP literal: a dual-mode socket (the
    /// default for a host name) costs a system call to set up and another to check on every connect, and a
    /// 10,000-miner shed opens 19,206 of them.
    /// </summary>
    public static async Task<T> ExchangeAsync<T>(string minerId, int port, TimeSpan deadline, AddressFamily? family,
        Func<Socket, CancellationToken, Task> connect, Func<Socket, CancellationToken, Task<T>> exchange,
        CancellationToken cancellationToken, string timeoutWhat = "no reply")
    {
        // No TCP_NODELAY (a system call per connection): the request is written once and the sending side shut, which
        // Nagle never holds back.
        using var socket = family is { } f ? new Socket(f, SocketType.Stream, ProtocolType.Tcp) : new Socket(SocketType.Stream, ProtocolType.Tcp);
        return await WithinDeadlineAsync(minerId, port, deadline, timeoutWhat, cancellationToken, async token =>
        {
            await connect(socket, token).ConfigureAwait(false);
            return await exchange(socket, token).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

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
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MinerException(minerId, MinerFailureKind.Timeout, $"{timeoutWhat} within {deadline.TotalSeconds:0.#} s on port {port}");
        }
        catch (SocketException ex)
        {
            throw new MinerException(minerId, MinerFailureKind.Connection, $"port {port}: {ex.SocketErrorCode}", ex);
        }
        catch (IOException ex)
        {
            throw new MinerException(minerId, MinerFailureKind.Connection, $"port {port}: connection lost ({ex.Message})", ex);
        }
    }
}

using System.Net.Sockets;

namespace Curtail.Miners.Protocols;

/// <summary>
/// One TCP exchange with a miner under a deadline: connect, talk, and every way it can fail as a
/// <see cref="MinerException"/> naming the miner and the port (timeout, refused or reset connection).
/// </summary>
internal static class MinerTcp
{
    /// <summary>The same on a bare socket (no <see cref="TcpClient"/> and stream around it): the cgminer API's one-shot exchanges.</summary>
    public static async Task<T> ExchangeAsync<T>(string minerId, int port, TimeSpan deadline,
        Func<Socket, CancellationToken, Task> connect, Func<Socket, CancellationToken, Task<T>> exchange,
        CancellationToken cancellationToken, string timeoutWhat = "no reply")
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await connect(socket, timeout.Token).ConfigureAwait(false);
            return await exchange(socket, timeout.Token).ConfigureAwait(false);
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

    /// <param name="timeoutWhat">What the deadline ran out on, for the timeout's message ("no reply", "could not deliver").</param>
    public static async Task<T> ExchangeAsync<T>(string minerId, int port, TimeSpan deadline,
        Func<TcpClient, CancellationToken, Task> connect, Func<TcpClient, CancellationToken, Task<T>> exchange,
        CancellationToken cancellationToken, string timeoutWhat = "no reply")
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        using var client = new TcpClient { NoDelay = true };
        try
        {
            await connect(client, timeout.Token).ConfigureAwait(false);
            return await exchange(client, timeout.Token).ConfigureAwait(false);
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

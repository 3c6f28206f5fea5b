using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Curtail.Miners.Protocols.Native;

/// <summary>
/// Carries one-shot exchanges (connect, write the request, read until the peer closes or sends a NUL) on
/// one epoll loop thread, Linux only. The caller's thread connects and writes (on loopback and most LANs the request
/// goes out with the connect, no wait); the loop thread reads the reply, closes the socket and enforces deadlines.
/// Per exchange that is about ten system calls and no timer, no socket object and no thread-pool hop until the
/// reply is complete: a 10,000-miner LuxOS shed is 19,206 such exchanges (docs/miners.md, "Fifth pass").
/// </summary>
public sealed class EpollExchanger : IDisposable
{
    private const int ScanIntervalMs = 20;

    private static readonly Lazy<EpollExchanger?> SharedInstance = new(() =>
        LinuxSockets.IsSupported && Environment.GetEnvironmentVariable("CURTAIL_EPOLL_EXCHANGES") != "0" ? new EpollExchanger() : null);

    /// <summary>
    /// The process's exchanger, or null where <see cref="LinuxSockets.IsSupported"/> is false or the environment says
    /// <c>CURTAIL_EPOLL_EXCHANGES=0</c> (then .NET's sockets carry every exchange, as before; docs/miners.md).
    /// </summary>
    public static EpollExchanger? Shared => SharedInstance.Value;

    /// <summary>
    /// The address bytes to hand <see cref="ExchangeAsync"/> when the process's exchanger carries exchanges with
    /// <paramref name="host"/>: an IPv4 literal, with <see cref="Shared"/> in place. Null otherwise (a host name, IPv6,
    /// no exchanger), and the caller talks on .NET's sockets instead.
    /// </summary>
    public static byte[]? CarriedAddress(string host) =>
        Shared is not null && System.Net.IPAddress.TryParse(host, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? ip.GetAddressBytes()
            : null;

    private readonly int _epoll;
    private readonly Thread _loop;
    private readonly ConcurrentQueue<Exchange> _submitted = new();
    private readonly List<Exchange> _active = [];
    private List<Exchange> _finished = [];
    private volatile bool _disposed;

    public EpollExchanger()
    {
        if (!LinuxSockets.IsSupported) throw new PlatformNotSupportedException("the epoll exchanger needs Linux on x64 or arm64");
        _epoll = LinuxSockets.EpollCreate(LinuxSockets.SockCloexec);
        if (_epoll < 0) throw LinuxSockets.ToSocketException(LinuxSockets.LastError);
        _loop = new Thread(Run) { IsBackground = true, Name = "cgminer epoll" };
        _loop.Start();
    }

    /// <summary>
    /// Sends <paramref name="request"/> to an IPv4 address (4 bytes, network order) and returns the whole reply in a
    /// pooled buffer, which the caller disposes. Fails with a <see cref="System.Net.Sockets.SocketException"/> as .NET's
    /// sockets would (refused, reset), or is cancelled when <paramref name="timeout"/> passes or the token is cancelled.
    /// The reply is over when the peer closes, or when <paramref name="replyEnd"/> says what came is whole (without
    /// one: when it ends with a NUL, as cgminer's do).
    /// </summary>
    public Task<PooledReply> ExchangeAsync(ReadOnlySpan<byte> ipv4, int port, ReadOnlyMemory<byte> request, TimeSpan timeout,
        CancellationToken cancellationToken, ReplyEnd? replyEnd = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<PooledReply>(cancellationToken);
        var fd = LinuxSockets.Socket(LinuxSockets.AfInet, LinuxSockets.SockStream | LinuxSockets.SockNonBlock | LinuxSockets.SockCloexec, 0);
        if (fd < 0) return Task.FromException<PooledReply>(LinuxSockets.ToSocketException(LinuxSockets.LastError));
        // An infinite timeout never expires (as CancelAfter treats it); anything else counts from now.
        var deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        var exchange = new Exchange(fd, request, deadline, cancellationToken, replyEnd);
        try
        {
            if (LinuxSockets.ConnectIPv4(fd, ipv4, port) != 0)
            {
                var connectError = LinuxSockets.LastError;
                if (connectError != LinuxSockets.EInProgress) throw LinuxSockets.ToSocketException(connectError);
            }
            // Write at once: on loopback the handshake is done by now; elsewhere the send says EAGAIN and the loop
            // writes when the socket turns writable.
            var error = exchange.SendRest();
            if (error != 0) throw LinuxSockets.ToSocketException(error);
            var events = LinuxSockets.EpollIn | LinuxSockets.EpollRdHup | LinuxSockets.EpollEdgeTriggered
                | (exchange.Sending ? LinuxSockets.EpollOut : 0);
            exchange.Handle = GCHandle.Alloc(exchange);
            if (LinuxSockets.EpollControl(_epoll, LinuxSockets.EpollCtlAdd, fd, events, (ulong)GCHandle.ToIntPtr(exchange.Handle)) != 0)
            {
                var addError = LinuxSockets.LastError;
                exchange.Handle.Free();
                throw LinuxSockets.ToSocketException(addError);
            }
        }
        catch (Exception ex)
        {
            LinuxSockets.Close(fd);
            return Task.FromException<PooledReply>(ex);
        }
        // From here the loop thread owns the socket: it alone completes, closes and frees.
        _submitted.Enqueue(exchange);
        return exchange.Completion.Task;
    }

    private void Run()
    {
        var events = new byte[256 * LinuxSockets.EpollEventSize];
        var scratch = new byte[64 * 1024];
        var lastScan = Environment.TickCount64;
        while (!_disposed)
        {
            // Nothing may end this loop but disposal: every deadline of every exchange in the process depends on it.
            try
            {
                var count = LinuxSockets.EpollWait(_epoll, events, ScanIntervalMs);
                if (count < 0 && LinuxSockets.LastError != LinuxSockets.EInterrupted) Thread.Sleep(ScanIntervalMs);
                for (var i = 0; i < count; i++)
                {
                    var (flags, data) = LinuxSockets.EpollEventAt(events, i);
                    if (GCHandle.FromIntPtr((IntPtr)(long)data).Target is Exchange exchange) OnEvent(exchange, flags, scratch);
                }
                // Every pass: an exchange that the queue or the active list still held after it finished would live
                // through collections it need not (tens of thousands of them in a shed).
                TakeSubmitted();
                var now = Environment.TickCount64;
                if (now - lastScan >= ScanIntervalMs)
                {
                    lastScan = now;
                    ExpireOverdue(now);
                }
                HandOver();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // OnEvent contains each exchange's own failures; anything here is the loop's, and the next pass retries.
                Thread.Sleep(1);
            }
        }
        TakeSubmitted();
        for (var i = _active.Count - 1; i >= 0; i--) Finish(_active[i], fault: new ObjectDisposedException(nameof(EpollExchanger)));
        HandOver();
        LinuxSockets.Close(_epoll);
    }

    private void OnEvent(Exchange exchange, uint flags, byte[] scratch)
    {
        if (exchange.Finished) return;
        try
        {
            if (exchange.Sending)
            {
                if ((flags & LinuxSockets.EpollErr) != 0 && LinuxSockets.PendingError(exchange.Fd) is var pending and not 0)
                {
                    Finish(exchange, LinuxSockets.ToSocketException(pending));
                    return;
                }
                var error = exchange.SendRest();
                if (error != 0)
                {
                    Finish(exchange, LinuxSockets.ToSocketException(error));
                    return;
                }
                if (exchange.Sending) return;
            }
            // Edge-triggered: read until the socket says EAGAIN, or the reply is over.
            while (true)
            {
                var n = LinuxSockets.Receive(exchange.Fd, scratch, 0);
                if (n > 0)
                {
                    exchange.Append(scratch.AsSpan(0, (int)n));
                    // A NUL (or the caller's own end) ends the reply even if the server keeps the socket open.
                    if (exchange.ReplyEnd is { } end ? end(exchange.Received) : scratch[(int)n - 1] == 0)
                    {
                        Finish(exchange, fault: null);
                        return;
                    }
                    continue;
                }
                if (n == 0)
                {
                    Finish(exchange, fault: null);
                    return;
                }
                var errno = LinuxSockets.LastError;
                if (errno == LinuxSockets.EAgain) return;
                if (errno == LinuxSockets.EInterrupted) continue;
                Finish(exchange, LinuxSockets.ToSocketException(errno));
                return;
            }
        }
        catch (Exception ex)
        {
            Finish(exchange, ex);
        }
    }

    private void TakeSubmitted()
    {
        while (_submitted.TryDequeue(out var submitted))
        {
            if (submitted.Finished) continue;
            submitted.ActiveIndex = _active.Count;
            _active.Add(submitted);
        }
    }

    /// <summary>Cancels what has passed its deadline or whose caller gave up.</summary>
    private void ExpireOverdue(long now)
    {
        // Backwards: Finish moves the last exchange into the finished one's place, and that one was looked at already.
        for (var i = _active.Count - 1; i >= 0; i--)
        {
            var exchange = _active[i];
            if (now >= exchange.DeadlineTicks || exchange.CancellationToken.IsCancellationRequested)
                Finish(exchange, fault: null, cancelled: true);
        }
    }

    /// <summary>Takes a finished exchange out of the active list at once (swap with the last: no shifting).</summary>
    private void Forget(Exchange exchange)
    {
        var index = exchange.ActiveIndex;
        if (index < 0) return;
        var last = _active[^1];
        _active[index] = last;
        last.ActiveIndex = index;
        _active.RemoveAt(_active.Count - 1);
        exchange.ActiveIndex = -1;
    }

    /// <summary>
    /// On the loop thread only: closes the socket and frees the handle. The caller's task is completed with the rest
    /// of the batch (<see cref="HandOver"/>).
    /// </summary>
    private void Finish(Exchange exchange, Exception? fault, bool cancelled = false)
    {
        if (exchange.Finished) return;
        exchange.Finished = true;
        Forget(exchange);
        LinuxSockets.Close(exchange.Fd);
        if (exchange.Handle.IsAllocated) exchange.Handle.Free();
        exchange.Fault = fault;
        exchange.Cancelled = cancelled;
        if (cancelled || fault is not null) exchange.ReturnBuffer();
        _finished.Add(exchange);
    }

    /// <summary>
    /// Completes the exchanges finished in one pass of the loop in one thread-pool work item, where the callers'
    /// continuations run one after another: a work item (and often a thread woken) per reply cost a context switch
    /// per exchange, which is what a shed of 19,206 exchanges spent its time on. .NET's own sockets hand epoll
    /// events over the same way. The loop thread itself never runs a caller's code.
    /// </summary>
    private void HandOver()
    {
        if (_finished.Count == 0) return;
        var batch = _finished;
        _finished = [];
        ThreadPool.UnsafeQueueUserWorkItem(static batch =>
        {
            foreach (var exchange in batch) exchange.Complete();
        }, batch, preferLocal: false);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (Thread.CurrentThread != _loop) _loop.Join();
    }

    private sealed class Exchange(int fd, ReadOnlyMemory<byte> request, long deadlineTicks, CancellationToken cancellationToken,
        ReplyEnd? replyEnd)
    {
        private ReadOnlyMemory<byte> _unsent = request;
        private byte[]? _buffer;
        private int _count;

        public int Fd { get; } = fd;
        public long DeadlineTicks { get; } = deadlineTicks;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public ReplyEnd? ReplyEnd { get; } = replyEnd;
        public ReadOnlySpan<byte> Received => _buffer.AsSpan(0, _count);
        /// <summary>What the epoll event carries to find this exchange again (a field: a GCHandle copy freed twice is a crash).</summary>
        public GCHandle Handle;
        public bool Finished { get; set; }

        /// <summary>Where this exchange is in the loop's active list; -1 while not in it.</summary>
        public int ActiveIndex { get; set; } = -1;
        public bool Sending => !_unsent.IsEmpty;

        // Completed from a thread-pool work item (HandOver), where continuations may run inline.
        public TaskCompletionSource<PooledReply> Completion { get; } = new();

        public Exception? Fault { get; set; }
        public bool Cancelled { get; set; }

        public void Complete()
        {
            if (Cancelled)
            {
                if (CancellationToken.IsCancellationRequested) Completion.TrySetCanceled(CancellationToken);
                else Completion.TrySetCanceled();
            }
            else if (Fault is not null) Completion.TrySetException(Fault);
            else Completion.TrySetResult(TakeReply());
        }

        /// <summary>Writes what is left of the request; 0 (all out, or the rest waits for the socket to turn writable), or an errno.</summary>
        public int SendRest()
        {
            while (!_unsent.IsEmpty)
            {
                var n = LinuxSockets.Send(Fd, _unsent.Span, LinuxSockets.MsgNoSignal | LinuxSockets.MsgDontWait);
                if (n < 0)
                {
                    var errno = LinuxSockets.LastError;
                    if (errno is LinuxSockets.EAgain or LinuxSockets.ENotConnected) return 0;
                    if (errno == LinuxSockets.EInterrupted) continue;
                    return errno;
                }
                _unsent = _unsent[(int)n..];
            }
            // No half-close (one system call less per exchange): a cgminer-style server answers once the JSON object is
            // complete; cgminer itself takes the request from a single recv (miner-apis.md §1).
            return 0;
        }

        public void Append(ReadOnlySpan<byte> data)
        {
            if (_buffer is null || _count + data.Length > _buffer.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_count + data.Length, (_buffer?.Length ?? 0) * 2));
                if (_buffer is not null)
                {
                    _buffer.AsSpan(0, _count).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(_buffer);
                }
                _buffer = bigger;
            }
            data.CopyTo(_buffer.AsSpan(_count));
            _count += data.Length;
        }

        public PooledReply TakeReply()
        {
            var reply = new PooledReply(_buffer, _count);
            _buffer = null;
            return reply;
        }

        public void ReturnBuffer()
        {
            if (_buffer is not null) ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}

/// <summary>Whether the bytes received so far are a whole reply (called on the exchanger's loop thread: keep it cheap).</summary>
public delegate bool ReplyEnd(ReadOnlySpan<byte> received);

/// <summary>A reply in a buffer from the shared pool; dispose it once read.</summary>
public readonly struct PooledReply(byte[]? buffer, int count) : IDisposable
{
    public ReadOnlyMemory<byte> Memory => buffer is null ? ReadOnlyMemory<byte>.Empty : buffer.AsMemory(0, count);

    public int Count => count;

    public void Dispose()
    {
        if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
    }
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Curtail.Modbus.Protocol;

namespace Curtail.Modbus.Client;

/// <summary>
/// Modbus TCP master over one long-lived connection. Every request gets a fresh transaction id and only the reply
/// carrying that id completes it: a late reply to a request that already timed out is discarded (counted in
/// <see cref="DiscardedReplies"/>), never taken as the answer to the next one. One request is in flight at a time
/// unless <see cref="ModbusClientOptions.MaxOutstanding"/> allows pipelining. A lost connection is re-made on the
/// next request, with exponential backoff between failed connects; repeated timeouts drop a half-open link.
/// </summary>
public sealed class ModbusTcpClient : IModbusClient
{
    private readonly ModbusClientOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private Connection? _connection;
    private int _transactionCounter;
    private int _consecutiveTimeouts;
    private TimeSpan _backoff;
    private DateTimeOffset _nextConnectAllowed = DateTimeOffset.MinValue;
    private string? _lastConnectError;
    private long _discarded;
    private long _connects;
    private volatile bool _disposed;

    public ModbusTcpClient(ModbusClientOptions options, TimeProvider? time = null)
    {
        if (options.MaxOutstanding < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxOutstanding must be >= 1");
        _options = options;
        _time = time ?? TimeProvider.System;
        _slots = new SemaphoreSlim(options.MaxOutstanding, options.MaxOutstanding);
        _backoff = options.ReconnectBackoffMin;
    }

    public ModbusClientOptions Options => _options;
    public string Endpoint => $"{_options.Host}:{_options.Port}";
    /// <summary>Replies whose transaction id matched no waiting request (late replies after a timeout).</summary>
    public long DiscardedReplies => Interlocked.Read(ref _discarded);
    /// <summary>Successful TCP connects so far (1 + reconnects).</summary>
    public long ConnectCount => Interlocked.Read(ref _connects);
    public bool IsConnected => _connection is { IsAlive: true };

    public async Task<bool[]> ReadCoilsAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default) =>
        ModbusPdu.ParseBits(await TransactAsync(unitId, ModbusPdu.ReadRequest(ModbusFunctionCode.ReadCoils, start, count), ct), count);

    public async Task<bool[]> ReadInputsAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default) =>
        ModbusPdu.ParseBits(await TransactAsync(unitId, ModbusPdu.ReadRequest(ModbusFunctionCode.ReadDiscreteInputs, start, count), ct), count);

    public async Task<ushort[]> ReadHoldingRegistersAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default) =>
        ModbusPdu.ParseRegisters(await TransactAsync(unitId, ModbusPdu.ReadRequest(ModbusFunctionCode.ReadHoldingRegisters, start, count), ct), count);

    public async Task<ushort[]> ReadInputRegistersAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default) =>
        ModbusPdu.ParseRegisters(await TransactAsync(unitId, ModbusPdu.ReadRequest(ModbusFunctionCode.ReadInputRegisters, start, count), ct), count);

    public async Task WriteSingleCoilAsync(byte unitId, ushort address, bool value, CancellationToken ct = default)
    {
        var request = ModbusPdu.WriteSingleCoil(address, value);
        var reply = await TransactAsync(unitId, request, ct);
        ModbusPdu.CheckWriteEcho(request, reply);
    }

    public async Task WriteSingleRegisterAsync(byte unitId, ushort address, ushort value, CancellationToken ct = default)
    {
        var request = ModbusPdu.WriteSingleRegister(address, value);
        var reply = await TransactAsync(unitId, request, ct);
        ModbusPdu.CheckWriteEcho(request, reply);
    }

    public async Task WriteMultipleCoilsAsync(byte unitId, ushort start, bool[] values, CancellationToken ct = default)
    {
        var request = ModbusPdu.WriteMultipleCoils(start, values);
        var reply = await TransactAsync(unitId, request, ct);
        ModbusPdu.CheckWriteEcho(request, reply);
    }

    public async Task WriteMultipleRegistersAsync(byte unitId, ushort start, ushort[] values, CancellationToken ct = default)
    {
        var request = ModbusPdu.WriteMultipleRegisters(start, values);
        var reply = await TransactAsync(unitId, request, ct);
        ModbusPdu.CheckWriteEcho(request, reply);
    }

    public async Task<ushort[]> ReadWriteMultipleRegistersAsync(byte unitId, ushort readStart, ushort readCount,
        ushort writeStart, ushort[] values, CancellationToken ct = default) =>
        ModbusPdu.ParseRegisters(await TransactAsync(unitId, ModbusPdu.ReadWriteMultipleRegisters(readStart, readCount, writeStart, values), ct), readCount);

    /// <summary>
    /// The reply, when the reader took it in within the response timeout of the request's send. The timeout's timer
    /// and the reply's continuation both go through the thread pool, where timers are queued ahead: on a busy host
    /// the timer can win the race for a reply that came in time. A reply's time of arrival decides, not who ran first.
    /// </summary>
    private Reply? OnTime(Task<Reply> pending, long sentAt) =>
        pending.IsCompletedSuccessfully && _time.GetElapsedTime(sentAt, pending.Result.ReceivedAt) <= _options.ResponseTimeout ? pending.Result : null;

    /// <summary>Sends one request PDU and returns the matching reply PDU (exception replies already thrown).</summary>
    public async Task<byte[]> TransactAsync(byte unitId, byte[] requestPdu, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _slots.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var connection = await GetConnectionAsync(ct).ConfigureAwait(false);
            var tid = NextTransactionId();
            var pending = connection.Register(tid);
            try
            {
                await connection.SendAsync(tid, unitId, requestPdu, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
            {
                connection.Abort($"send failed: {ex.Message}");
                throw new ModbusConnectionException($"{Endpoint}: send failed: {ex.Message}", ex);
            }

            Reply reply;
            var sentAt = _time.GetTimestamp();
            try
            {
                reply = await pending.Task.WaitAsync(_options.ResponseTimeout, _time, ct).ConfigureAwait(false);
            }
            catch (TimeoutException) when (OnTime(pending.Task, sentAt) is { } onTime)
            {
                reply = onTime;
            }
            catch (TimeoutException)
            {
                connection.Unregister(tid);
                if (Interlocked.Increment(ref _consecutiveTimeouts) >= _options.TimeoutsBeforeReconnect)
                    connection.Abort($"{_options.TimeoutsBeforeReconnect} timeouts in a row (half-open link?)");
                throw new ModbusTimeoutException(
                    $"{Endpoint}: no reply from unit {unitId} to function {requestPdu[0]:X2} (transaction {tid}) within {_options.ResponseTimeout.TotalMilliseconds:0} ms");
            }
            catch (OperationCanceledException)
            {
                connection.Unregister(tid);
                throw;
            }
            Interlocked.Exchange(ref _consecutiveTimeouts, 0);
            if (reply.UnitId != unitId)
                throw new ModbusProtocolException($"{Endpoint}: reply to transaction {tid} came from unit {reply.UnitId}, request went to unit {unitId}");
            ModbusPdu.ThrowIfException(unitId, requestPdu, reply.Pdu);
            return reply.Pdu;
        }
        finally
        {
            _slots.Release();
        }
    }

    private ushort NextTransactionId()
    {
        // 1..65535 then back to 1 (NModbus does the same; 0 is never used so a zeroed frame never matches).
        var n = (uint)Interlocked.Increment(ref _transactionCounter);
        return (ushort)((n - 1) % 65535 + 1);
    }

    private async Task<Connection> GetConnectionAsync(CancellationToken ct)
    {
        var current = _connection;
        if (current is { IsAlive: true }) return current;
        await _connectLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            current = _connection;
            if (current is { IsAlive: true }) return current;
            if (current is not null)
            {
                await current.DisposeAsync().ConfigureAwait(false);
                _connection = null;
            }
            var now = _time.GetUtcNow();
            if (now < _nextConnectAllowed)
                throw new ModbusConnectionException(
                    $"{Endpoint}: not connected ({_lastConnectError}); next attempt in {(_nextConnectAllowed - now).TotalMilliseconds:0} ms");
            Socket? socket = null;
            try
            {
                socket = await ConnectAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                socket?.Dispose();
                _lastConnectError = ex is OperationCanceledException ? $"connect timed out after {_options.ConnectTimeout.TotalMilliseconds:0} ms" : ex.Message;
                _nextConnectAllowed = _time.GetUtcNow() + _backoff;
                _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _options.ReconnectBackoffMax.Ticks));
                throw new ModbusConnectionException($"{Endpoint}: connect failed: {_lastConnectError}", ex);
            }
            _backoff = _options.ReconnectBackoffMin;
            _lastConnectError = null;
            Interlocked.Increment(ref _connects);
            Interlocked.Exchange(ref _consecutiveTimeouts, 0);
            var connection = new Connection(socket, Endpoint, () => Interlocked.Increment(ref _discarded), _time);
            _connection = connection;
            return connection;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task<Socket> ConnectAsync(CancellationToken ct)
    {
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        IPAddress[] addresses = IPAddress.TryParse(_options.Host, out var ip)
            ? [ip]
            : await Dns.GetHostAddressesAsync(_options.Host, linked.Token).ConfigureAwait(false);
        if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
        SocketException? last = null;
        // A name can resolve to ::1 and 127.0.0.1 while the device listens on one of them: try each in turn.
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                ConfigureKeepAlive(socket);
                await socket.ConnectAsync(new IPEndPoint(address, _options.Port), linked.Token).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    private void ConfigureKeepAlive(Socket socket)
    {
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, Math.Max(1, (int)_options.KeepAliveIdle.TotalSeconds));
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, Math.Max(1, (int)_options.KeepAliveInterval.TotalSeconds));
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, Math.Max(1, _options.KeepAliveRetryCount));
        if (OperatingSystem.IsLinux())
        {
            const int ipProtoTcp = 6, tcpUserTimeout = 18;
            socket.SetRawSocketOption(ipProtoTcp, tcpUserTimeout, BitConverter.GetBytes((int)_options.TcpUserTimeout.TotalMilliseconds));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (_connection is { } c) await c.DisposeAsync().ConfigureAwait(false);
        _connection = null;
    }

    /// <summary>A reply as the reader took it in, at <paramref name="ReceivedAt"/> (a timestamp of the client's clock).</summary>
    private readonly record struct Reply(byte UnitId, byte[] Pdu, long ReceivedAt);

    /// <summary>One TCP connection: a writer guarded by a lock and a reader loop that routes replies by transaction id.</summary>
    private sealed class Connection : IAsyncDisposable
    {
        private readonly Socket _socket;
        private readonly NetworkStream _stream;
        private readonly string _endpoint;
        private readonly Action _onDiscard;
        private readonly Dictionary<ushort, TaskCompletionSource<Reply>> _pending = [];
        private readonly SemaphoreSlim _writeLock = new(1, 1);
        private readonly CancellationTokenSource _cts = new();
        private readonly TimeProvider _time;
        private readonly TaskCompletionSource _readLoopDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile string? _failure;

        public Connection(Socket socket, string endpoint, Action onDiscard, TimeProvider time)
        {
            _time = time;
            _socket = socket;
            _stream = new NetworkStream(socket, ownsSocket: true);
            _endpoint = endpoint;
            _onDiscard = onDiscard;
            new Thread(ReadLoop) { IsBackground = true, Name = $"modbus reader {endpoint}" }.Start();
        }

        public bool IsAlive => _failure is null;

        public TaskCompletionSource<Reply> Register(ushort tid)
        {
            var tcs = new TaskCompletionSource<Reply>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_pending)
            {
                if (_failure is { } f) throw new ModbusConnectionException($"{_endpoint}: {f}");
                _pending[tid] = tcs;
            }
            return tcs;
        }

        public void Unregister(ushort tid)
        {
            lock (_pending) _pending.Remove(tid);
        }

        public async Task SendAsync(ushort tid, byte unitId, byte[] pdu, CancellationToken ct)
        {
            var frame = new byte[ModbusLimits.MbapHeaderLength + pdu.Length];
            BinaryPrimitives.WriteUInt16BigEndian(frame, tid);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4), (ushort)(pdu.Length + 1));
            frame[6] = unitId;
            pdu.CopyTo(frame, ModbusLimits.MbapHeaderLength);
            await _writeLock.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                await _stream.WriteAsync(frame, ct).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
        }

        /// <summary>
        /// Reads replies with blocking calls on the connection's own thread, not in the thread pool: a reply that has
        /// arrived completes its request at once, even when the pool's queue is long (a controller sending a thousand
        /// miner commands, a demo emulating them in the same process), so the response timeout measures the link and
        /// the device, not the host's backlog.
        /// </summary>
        private void ReadLoop()
        {
            var header = new byte[ModbusLimits.MbapHeaderLength];
            try
            {
                while (!_cts.IsCancellationRequested)
                {
                    _stream.ReadExactly(header);
                    var tid = BinaryPrimitives.ReadUInt16BigEndian(header);
                    var protocolId = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
                    var length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(4));
                    if (protocolId != 0)
                        throw new ModbusProtocolException($"{_endpoint}: reply with protocol id {protocolId} (must be 0); stream dropped");
                    if (length < 2 || length > ModbusLimits.MaxPduLength + 1)
                        throw new ModbusProtocolException($"{_endpoint}: reply length field {length} outside 2..{ModbusLimits.MaxPduLength + 1}; stream dropped");
                    var pdu = new byte[length - 1];
                    _stream.ReadExactly(pdu);
                    TaskCompletionSource<Reply>? waiter;
                    lock (_pending)
                    {
                        if (_pending.Remove(tid, out waiter)) { }
                    }
                    if (waiter is null) _onDiscard();
                    else waiter.TrySetResult(new Reply(header[6], pdu, _time.GetTimestamp()));
                }
            }
            catch (ModbusProtocolException ex)
            {
                Fail(ex.Message, ex);
            }
            catch (EndOfStreamException)
            {
                Fail("connection closed by the server", null);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                Fail($"connection lost: {ex.Message}", null);
            }
            finally
            {
                _readLoopDone.TrySetResult();
            }
        }

        public void Abort(string reason)
        {
            Fail(reason, null);
        }

        private void Fail(string reason, ModbusException? error)
        {
            List<TaskCompletionSource<Reply>> waiters;
            lock (_pending)
            {
                _failure ??= reason;
                waiters = [.. _pending.Values];
                _pending.Clear();
            }
            foreach (var w in waiters)
                w.TrySetException(error ?? new ModbusConnectionException($"{_endpoint}: {reason}"));
            _cts.Cancel();
            try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }

        public async ValueTask DisposeAsync()
        {
            Fail("client closed", null);
            await _stream.DisposeAsync().ConfigureAwait(false);
            await _readLoopDone.Task.ConfigureAwait(false);
            _cts.Dispose();
        }
    }
}

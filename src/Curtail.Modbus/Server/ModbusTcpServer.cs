using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Curtail.Modbus.Protocol;

namespace Curtail.Modbus.Server;

/// <summary>
/// Modbus TCP server over a <see cref="ModbusDataStore"/>. Each connection is served by its own async loop, in
/// request order. Frames with a protocol id other than 0 are discarded; a length field outside 2..254 (an ADU
/// above 260 bytes) closes the connection, as libmodbus does; a partial frame is dropped after
/// <see cref="ModbusServerOptions.FrameTimeout"/>. Bind errors throw at <see cref="Start"/>.
/// </summary>
public sealed class ModbusTcpServer : IAsyncDisposable
{
    private readonly ModbusDataStore _store;
    private readonly ModbusServerOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<Socket> _clients = [];
    private readonly List<Task> _tasks = [];
    private Socket? _listener;
    private Task? _acceptLoop;
    private long _requests;

    public ModbusTcpServer(ModbusDataStore store, ModbusServerOptions? options = null, TimeProvider? time = null)
    {
        _store = store;
        _options = options ?? new ModbusServerOptions();
        _time = time ?? TimeProvider.System;
    }

    public ModbusDataStore Store => _store;
    public int Port { get; private set; }
    public IPEndPoint? EndPoint { get; private set; }
    public long RequestCount => Interlocked.Read(ref _requests);

    public int ConnectionCount
    {
        get { lock (_clients) return _clients.Count; }
    }

    public void Start()
    {
        if (_listener is not null) throw new InvalidOperationException("server already started");
        var listener = new Socket(_options.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Plain SO_REUSEADDR so a restart binds through TIME_WAIT. .NET's ReuseAddress also sets SO_REUSEPORT on
            // Linux, which would let two servers share a port silently; a second server must fail loudly instead.
            if (OperatingSystem.IsLinux()) listener.SetRawSocketOption(1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, BitConverter.GetBytes(1));
            else if (!OperatingSystem.IsWindows()) listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(new IPEndPoint(_options.Address, _options.Port));
            listener.Listen(64);
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            throw new ModbusConnectionException($"cannot listen on {_options.Address}:{_options.Port}: {ex.Message}", ex);
        }
        _listener = listener;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
        Port = EndPoint.Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener!.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested) return;
                continue;
            }
            client.NoDelay = true;
            lock (_clients)
            {
                if (_clients.Count >= _options.MaxConnections)
                {
                    client.Dispose();
                    continue;
                }
                _clients.Add(client);
                _tasks.RemoveAll(t => t.IsCompleted);
                _tasks.Add(_options.DedicatedThreads ? ServeOnOwnThread(client) : Task.Run(() => ServeAsync(client)));
            }
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var header = new byte[ModbusLimits.MbapHeaderLength];
        var body = new byte[ModbusLimits.MaxPduLength + 1];
        await using var stream = new NetworkStream(client, ownsSocket: true);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var frameTimer = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                using var deadline = new CancellationTokenSource(_options.IdleTimeout, _time);
                using var registration = deadline.Token.Register(frameTimer.Cancel);
                if (await stream.ReadAtLeastAsync(header.AsMemory(0, 1), 1, throwOnEndOfStream: false, frameTimer.Token).ConfigureAwait(false) == 0)
                    return;
                deadline.CancelAfter(_options.FrameTimeout);
                await stream.ReadExactlyAsync(header.AsMemory(1), frameTimer.Token).ConfigureAwait(false);
                var tid = BinaryPrimitives.ReadUInt16BigEndian(header);
                var protocolId = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
                var length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(4));
                if (length < 2 || length > ModbusLimits.MaxPduLength + 1) return;
                await stream.ReadExactlyAsync(body.AsMemory(0, length - 1), frameTimer.Token).ConfigureAwait(false);
                var unitId = header[6];
                if (protocolId != 0) continue;
                Interlocked.Increment(ref _requests);
                var pdu = body.AsMemory(0, length - 1);
                // 0xFF and 0 address "this device" on a direct TCP link (pymodbus 3.0's FC23 always sends 0).
                var answerable = unitId == _options.UnitId || unitId is 0xFF or 0 || _options.UnitIdMode == UnitIdMode.AnswerAny;
                if (Admit(unitId, answerable) is not { } faults) continue;
                if (faults.Latency > TimeSpan.Zero) await Task.Delay(faults.Latency, _time, _stop.Token).ConfigureAwait(false);
                await stream.WriteAsync(Reply(tid, unitId, answerable, pdu.Span, faults), _stop.Token).ConfigureAwait(false);
                if (faults.CloseAfterReply) return;
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away, sent a partial frame or idled out: close this connection only.
        }
        finally
        {
            lock (_clients) _clients.Remove(client);
        }
    }

    /// <summary>What this request gets (brought up to date, faults asked), or null when it is not to be answered.</summary>
    private ModbusServerFaults? Admit(byte unitId, bool answerable)
    {
        if (!answerable && _options.UnitIdMode == UnitIdMode.DropOthers) return null;
        _options.BeforeRequest?.Invoke();
        var faults = _options.Faults?.Invoke() ?? ModbusServerFaults.None;
        return faults.Silent ? null : faults;
    }

    private byte[] Reply(ushort tid, byte unitId, bool answerable, ReadOnlySpan<byte> pdu, ModbusServerFaults faults)
    {
        var fc = pdu.Length > 0 ? pdu[0] : (byte)0;
        var reply = !answerable ? ModbusRequestProcessor.Exception(fc, ModbusExceptionCode.GatewayTargetFailedToRespond)
            : faults.ForcedException is { } code ? ModbusRequestProcessor.Exception(fc, code)
            : ModbusRequestProcessor.Process(pdu, _store);
        var frame = new byte[ModbusLimits.MbapHeaderLength + reply.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, tid);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4), (ushort)(reply.Length + 1));
        frame[6] = unitId;
        reply.CopyTo(frame, ModbusLimits.MbapHeaderLength);
        return frame;
    }

    /// <summary>
    /// <see cref="ModbusServerOptions.DedicatedThreads"/>: the connection is served with blocking calls on a thread of
    /// its own, so a request is answered as soon as it arrives, whatever else the process's thread pool is doing.
    /// </summary>
    private Task ServeOnOwnThread(Socket client)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            try
            {
                Serve(client);
            }
            finally
            {
                done.TrySetResult();
            }
        }) { IsBackground = true, Name = $"modbus server {EndPoint}" }.Start();
        return done.Task;
    }

    private void Serve(Socket client)
    {
        var header = new byte[ModbusLimits.MbapHeaderLength];
        var body = new byte[ModbusLimits.MaxPduLength + 1];
        using var stream = new NetworkStream(client, ownsSocket: true);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                // The same idle and frame deadlines as the async loop: when one passes, the connection is closed,
                // which ends the blocking read.
                using var deadline = new CancellationTokenSource(_options.IdleTimeout, _time);
                using var closeOnDeadline = deadline.Token.Register(() => Close(client));
                var got = stream.ReadAtLeast(header, 1, throwOnEndOfStream: false);
                if (got == 0) return;
                // The frame deadline runs only while the rest of a frame is awaited: bytes that have arrived are
                // never late because this thread was not scheduled at once (on a loaded host, or on a replay clock).
                if (got < header.Length)
                {
                    deadline.CancelAfter(_options.FrameTimeout);
                    stream.ReadExactly(header.AsSpan(got));
                }
                var tid = BinaryPrimitives.ReadUInt16BigEndian(header);
                var protocolId = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
                var length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(4));
                if (length < 2 || length > ModbusLimits.MaxPduLength + 1) return;
                if (client.Available < length - 1) deadline.CancelAfter(_options.FrameTimeout);
                stream.ReadExactly(body.AsSpan(0, length - 1));
                closeOnDeadline.Unregister();
                var unitId = header[6];
                if (protocolId != 0) continue;
                Interlocked.Increment(ref _requests);
                var pdu = body.AsSpan(0, length - 1);
                var answerable = unitId == _options.UnitId || unitId is 0xFF or 0 || _options.UnitIdMode == UnitIdMode.AnswerAny;
                if (Admit(unitId, answerable) is not { } faults) continue;
                if (faults.Latency > TimeSpan.Zero)
                    Task.Delay(faults.Latency, _time, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default).Wait();
                if (_stop.IsCancellationRequested) return;
                stream.Write(Reply(tid, unitId, answerable, pdu, faults));
                if (faults.CloseAfterReply) return;
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or EndOfStreamException)
        {
            // The peer went away, sent a partial frame or idled out: close this connection only.
        }
        finally
        {
            lock (_clients) _clients.Remove(client);
        }
    }

    private static void Close(Socket client)
    {
        try { client.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        client.Dispose();
    }

    public async Task StopAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _listener?.Dispose();
        Task[] pending;
        lock (_clients)
        {
            foreach (var c in _clients)
            {
                try { c.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
                c.Dispose();
            }
            pending = [.. _tasks];
        }
        try
        {
            if (_acceptLoop is not null) await _acceptLoop.ConfigureAwait(false);
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or IOException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}

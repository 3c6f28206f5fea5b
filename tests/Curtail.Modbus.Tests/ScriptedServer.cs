using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Curtail.Modbus.Tests;

/// <summary>A raw TCP peer on loopback whose replies a test scripts frame by frame (to misbehave on purpose).</summary>
public sealed class ScriptedServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<Request, NetworkStream, Task> _onRequest;
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _loop;
    private int _connections;

    public sealed record Request(ushort Tid, byte Unit, byte[] Pdu, int Index);

    public ScriptedServer(Func<Request, NetworkStream, Task> onRequest)
    {
        _onRequest = onRequest;
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public int Connections => Volatile.Read(ref _connections);
    public int Requests;

    public static byte[] Frame(ushort tid, byte unit, byte[] pdu, ushort protocolId = 0, int? length = null)
    {
        var f = new byte[7 + pdu.Length];
        BinaryPrimitives.WriteUInt16BigEndian(f, tid);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(2), protocolId);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(4), (ushort)(length ?? pdu.Length + 1));
        f[6] = unit;
        pdu.CopyTo(f, 7);
        return f;
    }

    /// <summary>FC3/FC4 reply carrying the given registers.</summary>
    public static byte[] Registers(byte fc, params ushort[] values)
    {
        var pdu = new byte[2 + 2 * values.Length];
        pdu[0] = fc;
        pdu[1] = (byte)(2 * values.Length);
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16BigEndian(pdu.AsSpan(2 + 2 * i), values[i]);
        return pdu;
    }

    private async Task AcceptAsync()
    {
        while (!_cts.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_cts.Token); }
            catch (Exception) { return; }
            Interlocked.Increment(ref _connections);
            _ = Task.Run(async () =>
            {
                using var c = client;
                var s = c.GetStream();
                var header = new byte[7];
                try
                {
                    while (true)
                    {
                        await s.ReadExactlyAsync(header, _cts.Token);
                        var len = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(4));
                        var body = new byte[len - 1];
                        await s.ReadExactlyAsync(body, _cts.Token);
                        var index = Interlocked.Increment(ref Requests) - 1;
                        await _onRequest(new Request(BinaryPrimitives.ReadUInt16BigEndian(header), header[6], body, index), s);
                    }
                }
                catch (Exception) { }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        _cts.Cancel();
        _listener.Stop();
        try { await _loop; } catch (Exception) { }
    }
}

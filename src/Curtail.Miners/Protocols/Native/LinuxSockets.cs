using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Curtail.Miners.Protocols.Native;

/// <summary>
/// The few Linux system calls behind the epoll loops that carry one-shot exchanges (docs/miners.md, "Fifth pass"):
/// a fleet-wide shed is about 20,000 loopback connections, and .NET's general-purpose sockets spent about three times
/// the CPU of these calls on each. Blittable arguments only, so no marshalling beyond pinning.
/// </summary>
public static class LinuxSockets
{
    /// <summary>
    /// Linux on x64 or arm64 (the two layouts of <c>struct epoll_event</c> handled here); elsewhere callers keep
    /// .NET's sockets.
    /// </summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() &&
        RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    public const int AfInet = 2;
    public const int SockStream = 1;
    public const int SockNonBlock = 0x800;
    public const int SockCloexec = 0x80000;
    public const int ShutWrite = 1;
    public const int MsgDontWait = 0x40;
    public const int MsgNoSignal = 0x4000;
    public const int SolSocket = 1;
    public const int SoError = 4;

    public const int EAgain = 11;
    public const int EInterrupted = 4;
    public const int EInProgress = 115;
    public const int ENotConnected = 107;

    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    public const uint EpollRdHup = 0x2000;
    public const uint EpollEdgeTriggered = 0x80000000;
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const int EpollCtlMod = 3;

    /// <summary>Bytes per <c>struct epoll_event</c>: packed (12) on x64, naturally aligned (16) on arm64.</summary>
    public static int EpollEventSize { get; } = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static int EpollDataOffset => EpollEventSize == 12 ? 4 : 8;

    [DllImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static extern int Socket(int domain, int type, int protocol);

    [DllImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static extern int Connect(int fd, ref byte address, int length);

    [DllImport("libc", EntryPoint = "accept4", SetLastError = true)]
    public static extern int Accept4(int fd, IntPtr address, IntPtr length, int flags);

    [DllImport("libc", EntryPoint = "send", SetLastError = true)]
    private static extern nint Send(int fd, ref byte buffer, nint length, int flags);

    [DllImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static extern nint Receive(int fd, ref byte buffer, nint length, int flags);

    [DllImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    public static extern int Shutdown(int fd, int how);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    public static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static extern int GetSocketOption(int fd, int level, int name, ref int value, ref int length);

    [DllImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static extern int EpollCreate(int flags);

    [DllImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static extern int EpollControl(int epoll, int operation, int fd, ref byte @event);

    [DllImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static extern int EpollWait(int epoll, ref byte events, int maxEvents, int timeoutMs);

    public static int LastError => Marshal.GetLastPInvokeError();

    /// <summary>Starts a non-blocking connect to an IPv4 address (its 4 bytes in network order); 0 or -1 with errno.</summary>
    public static int ConnectIPv4(int fd, ReadOnlySpan<byte> address, int port)
    {
        Span<byte> sockaddr = stackalloc byte[16];
        sockaddr.Clear();
        BitConverter.TryWriteBytes(sockaddr, (ushort)AfInet); // sa_family is in host order
        sockaddr[2] = (byte)(port >> 8);
        sockaddr[3] = (byte)port;
        address.CopyTo(sockaddr[4..]);
        return Connect(fd, ref MemoryMarshal.GetReference(sockaddr), sockaddr.Length);
    }

    public static nint Send(int fd, ReadOnlySpan<byte> data, int flags) =>
        Send(fd, ref MemoryMarshal.GetReference(data), data.Length, flags);

    public static nint Receive(int fd, Span<byte> buffer, int flags) =>
        Receive(fd, ref MemoryMarshal.GetReference(buffer), buffer.Length, flags);

    /// <summary>The pending error of a socket (SO_ERROR), 0 if none: how a failed non-blocking connect is told.</summary>
    public static int PendingError(int fd)
    {
        int value = 0, length = sizeof(int);
        return GetSocketOption(fd, SolSocket, SoError, ref value, ref length) == 0 ? value : LastError;
    }

    public static int EpollControl(int epoll, int operation, int fd, uint events, ulong data)
    {
        Span<byte> ev = stackalloc byte[16];
        ev.Clear();
        BitConverter.TryWriteBytes(ev, events);
        BitConverter.TryWriteBytes(ev[EpollDataOffset..], data);
        return EpollControl(epoll, operation, fd, ref MemoryMarshal.GetReference(ev));
    }

    /// <summary>Waits for events into <paramref name="events"/> (<see cref="EpollEventSize"/> bytes each); the count, or -1.</summary>
    public static int EpollWait(int epoll, Span<byte> events, int timeoutMs) =>
        EpollWait(epoll, ref MemoryMarshal.GetReference(events), events.Length / EpollEventSize, timeoutMs);

    public static (uint Events, ulong Data) EpollEventAt(ReadOnlySpan<byte> events, int index)
    {
        var ev = events.Slice(index * EpollEventSize, EpollEventSize);
        return (BitConverter.ToUInt32(ev), BitConverter.ToUInt64(ev[EpollDataOffset..]));
    }

    // Server side (the emulator's epoll loop): the address a client dialed, and an eventfd that wakes a loop to stop.

    public const int ENoBufferSpace = 105;
    public const int EConnectionAborted = 103;
    public const int AfInet6 = 10;
    public const int EventFdNonBlock = 0x800;
    public const int EventFdCloexec = 0x80000;

    [DllImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    private static extern int GetSocketName(int fd, ref byte address, ref int length);

    public const int SoSendBuffer = 7;

    [DllImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static extern int SetSocketOption(int fd, int level, int name, ref int value, int length);

    /// <summary>Sets an integer socket option; 0 or -1 with errno.</summary>
    public static int SetSocketOption(int fd, int level, int name, int value) => SetSocketOption(fd, level, name, ref value, sizeof(int));

    [DllImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static extern int EventFd(uint initialValue, int flags);

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    private static extern nint Write(int fd, ref byte buffer, nint length);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(int fd, ref byte buffer, nint length);

    /// <summary>The local address of a connected socket (the one its client dialed), or null if it cannot be told.</summary>
    public static System.Net.IPAddress? LocalAddress(int fd)
    {
        Span<byte> sockaddr = stackalloc byte[128];
        var length = sockaddr.Length;
        if (GetSocketName(fd, ref MemoryMarshal.GetReference(sockaddr), ref length) != 0) return null;
        return BitConverter.ToUInt16(sockaddr) switch
        {
            AfInet => new System.Net.IPAddress(sockaddr.Slice(4, 4)),
            AfInet6 => new System.Net.IPAddress(sockaddr.Slice(8, 16)),
            _ => null,
        };
    }

    /// <summary>Adds one to an eventfd's counter: wakes whoever waits on it.</summary>
    public static void Signal(int eventFd)
    {
        Span<byte> one = stackalloc byte[8];
        one.Clear();
        one[0] = 1;
        Write(eventFd, ref MemoryMarshal.GetReference(one), one.Length);
    }

    /// <summary>Resets an eventfd's counter to zero (a non-blocking eventfd that was never signalled reads EAGAIN).</summary>
    public static void Drain(int eventFd)
    {
        Span<byte> value = stackalloc byte[8];
        Read(eventFd, ref MemoryMarshal.GetReference(value), value.Length);
    }

    /// <summary>
    /// An errno as the <see cref="SocketException"/> .NET's own sockets would throw, so callers map failures (refused,
    /// reset, unreachable) the same way whichever path carried the exchange.
    /// </summary>
    public static SocketException ToSocketException(int errno) => new((int)(errno switch
    {
        111 => SocketError.ConnectionRefused,
        104 => SocketError.ConnectionReset,
        110 => SocketError.TimedOut,
        113 => SocketError.HostUnreachable,
        101 => SocketError.NetworkUnreachable,
        32 => SocketError.Shutdown,
        103 => SocketError.ConnectionAborted,
        24 or 23 => SocketError.TooManyOpenSockets,
        105 => SocketError.NoBufferSpaceAvailable,
        99 => SocketError.AddressNotAvailable,
        _ => SocketError.SocketError,
    }));
}

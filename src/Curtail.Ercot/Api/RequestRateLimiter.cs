namespace Curtail.Ercot.Api;

/// <summary>At most N requests in any sliding minute, on the injected clock.</summary>
public sealed class RequestRateLimiter
{
    private readonly int _perMinute;
    private readonly TimeProvider _time;
    private readonly Queue<DateTimeOffset> _sent = new();
    private readonly SemaphoreSlim _gate = new(1, 1);

    public RequestRateLimiter(int perMinute, TimeProvider time)
    {
        if (perMinute < 1) throw new ArgumentOutOfRangeException(nameof(perMinute));
        _perMinute = perMinute;
        _time = time;
    }

    public async Task WaitAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            while (true)
            {
                var now = _time.GetUtcNow();
                while (_sent.Count > 0 && now - _sent.Peek() >= TimeSpan.FromMinutes(1)) _sent.Dequeue();
                if (_sent.Count < _perMinute)
                {
                    _sent.Enqueue(now);
                    return;
                }
                await Task.Delay(_sent.Peek() + TimeSpan.FromMinutes(1) - now, _time, ct);
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}

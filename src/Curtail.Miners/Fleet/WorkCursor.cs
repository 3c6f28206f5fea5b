namespace Curtail.Miners.Fleet;

/// <summary>
/// Hands out the indexes 0..count-1 once each to any number of workers: a fixed set of workers walks a fleet-sized
/// list without a task per item. Each worker stops at its first refusal, so the counter never wraps.
/// </summary>
internal sealed class WorkCursor(int count)
{
    private int _next = -1;

    public bool TryTake(out int index)
    {
        index = Interlocked.Increment(ref _next);
        return index < count;
    }
}

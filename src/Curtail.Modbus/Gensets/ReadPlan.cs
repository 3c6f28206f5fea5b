using Curtail.Modbus.Maps;

namespace Curtail.Modbus.Gensets;

/// <summary>One read request covering several points of one table.</summary>
public sealed record ReadBlock(ModbusTable Table, ushort Start, ushort Count, IReadOnlyList<PointMap> Points);

/// <summary>
/// Groups a map's points into as few reads as the device allows: per table, sorted by address, a block grows
/// while it stays within max_registers_per_read and the gap to the next point is at most max_hole_registers
/// (some controllers reject reads across unimplemented registers, so their maps set 0).
/// </summary>
public static class ReadPlan
{
    public static IReadOnlyList<ReadBlock> Build(RegisterMap map, IEnumerable<string>? onlyPoints = null)
    {
        var wanted = onlyPoints?.ToHashSet(StringComparer.Ordinal);
        var blocks = new List<ReadBlock>();
        var maxCount = map.MaxRegistersPerRead;
        foreach (var group in map.Points.Values.Where(p => !p.IsConstant && (wanted is null || wanted.Contains(p.Name))).GroupBy(p => p.Table))
        {
            var limit = group.Key is ModbusTable.Coil or ModbusTable.DiscreteInput ? Math.Min(2000, maxCount * 16) : maxCount;
            var current = new List<PointMap>();
            int start = 0, end = 0;
            foreach (var p in group.OrderBy(p => p.Address).ThenBy(p => p.Name, StringComparer.Ordinal))
            {
                var pEnd = p.Address + p.RegisterCount;
                if (current.Count > 0 && (p.Address - end > map.MaxHoleRegisters || Math.Max(end, pEnd) - start > limit))
                {
                    blocks.Add(new ReadBlock(group.Key, (ushort)start, (ushort)(end - start), current));
                    current = [];
                }
                if (current.Count == 0)
                {
                    start = p.Address;
                    end = pEnd;
                }
                current.Add(p);
                end = Math.Max(end, pEnd);
            }
            if (current.Count > 0) blocks.Add(new ReadBlock(group.Key, (ushort)start, (ushort)(end - start), current));
        }
        return blocks;
    }
}

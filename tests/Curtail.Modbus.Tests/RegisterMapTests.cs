using Curtail.Core;
using Curtail.Modbus.Gensets;
using Curtail.Modbus.Maps;
using Curtail.Modbus.Values;

namespace Curtail.Modbus.Tests;

public class RegisterMapTests
{
    public static TheoryData<string> Templates() => [.. RegisterMapLoader.TemplateNames];

    [Fact]
    public void The_issue_s_templates_are_shipped()
    {
        Assert.Superset(new HashSet<string> { "default", "dse-gencomm", "comap-il4", "deif-agc150", "cat-emcp4" }, RegisterMapLoader.TemplateNames.ToHashSet());
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void Every_template_loads_with_the_required_points_and_a_read_plan_within_limits(string name)
    {
        var map = RegisterMapLoader.LoadTemplate(name);
        Assert.Equal(name, map.Name);
        foreach (var required in RegisterMap.RequiredPoints) Assert.True(map.Points.ContainsKey(required), $"{name} lacks {required}");
        if (map.Partial) Assert.False(string.IsNullOrWhiteSpace(map.PartialNote));
        var plan = ReadPlan.Build(map, null);
        Assert.NotEmpty(plan);
        Assert.All(plan, b => Assert.InRange((int)b.Count, 1, map.MaxRegistersPerRead));
        Assert.All(map.Points.Values.Where(p => !p.IsConstant), p => Assert.Contains(plan, b => b.Table == p.Table && b.Start <= p.Address && p.Address + p.RegisterCount <= b.Start + b.Count));
    }

    [Fact]
    public void Default_map_matches_the_reference_layout()
    {
        var map = RegisterMapLoader.LoadTemplate("default");
        Assert.False(map.Partial);
        Assert.Equal((ushort)4, map.Points["active_power_kw"].Address);
        Assert.Equal(PointType.I32, map.Points["active_power_kw"].Type);
        Assert.Equal((ushort)13, map.Points["frequency_hz"].Address);
        Assert.Equal(0.01, map.Points["frequency_hz"].Scale);
        Assert.Equal("running_loaded", map.Points["engine_state"].Enum![3]);
        Assert.Equal("overload", map.Points["alarms"].Bits![2]);
        var plan = ReadPlan.Build(map);
        var block = Assert.Single(plan);
        Assert.Equal((0, 33), (block.Start, block.Count));
    }

    [Fact]
    public void Vendor_specifics_survive_loading()
    {
        Assert.Equal(WordOrder.CDAB, RegisterMapLoader.LoadTemplate("datakom").Points["active_power_kw"].WordOrder);
        var emcp = RegisterMapLoader.LoadTemplate("cat-emcp4").Points["active_power_kw"];
        Assert.Equal((ushort)0x69, emcp.Address);
        Assert.Equal(-2_000_000, emcp.Offset);
        var deif = RegisterMapLoader.LoadTemplate("deif-agc150").Points["engine_state"];
        Assert.Equal((ModbusTable.Input, 6), (deif.Table, deif.Bit!.Value));
        Assert.Contains(0xFFFFu, RegisterMapLoader.LoadTemplate("dse-gencomm").Points["frequency_hz"].Invalid);
    }

    [Fact]
    public void One_based_maps_are_stored_as_wire_addresses()
    {
        var map = RegisterMapLoader.Parse("""
            vendor: X
            model: Y
            address_base: 1
            points:
              active_power_kw: { address: 5, type: i32 }
              frequency_hz: { address: 14 }
              rated_power_kw: { constant: 100 }
            """, "x.yaml");
        Assert.Equal((ushort)4, map.Points["active_power_kw"].Address);
        Assert.Equal((ushort)13, map.Points["frequency_hz"].Address);
    }

    [Theory]
    [InlineData("vendor: X\nmodel: Y\npoints:\n  active_power_kw: { address: 1 }\n  frequency_hz: { address: 2 }\n", "rated_power_kw", 4)]
    [InlineData("vendor: X\nmodel: Y\npoints:\n  active_power_kw: { address: 1, type: u64 }\n  frequency_hz: { address: 2 }\n  rated_power_kw: { constant: 1 }\n", "'type' must be one of", 4)]
    [InlineData("vendor: X\nmodel: Y\nbogus: 1\npoints: {}\n", "unknown key 'bogus'", 3)]
    [InlineData("vendor: X\nmodel: Y\npoints:\n  frequency_hz: { adress: 2 }\n", "unknown key 'adress'", 4)]
    [InlineData("vendor: X\nmodel: Y\npartial: true\npoints:\n  active_power_kw: { address: 1 }\n  frequency_hz: { address: 2 }\n  rated_power_kw: { constant: 1 }\n", "partial_note", 1)]
    [InlineData("vendor: X\nmodel: Y\npoints:\n  active_power_kw: { address: 1 }\n  frequency_hz: { address: 2 }\n  rated_power_kw: { constant: 1 }\n  engine_state: { address: 3, enum: { 1: flying } }\n", "flying", 7)]
    [InlineData("vendor: [X\n", "YAML syntax", 2)]
    [InlineData("vendor: X\nmodel: Y\npoints:\n  active_power_kw: { address: 70000 }\n", "'address' must be 0..65535", 4)]
    public void Bad_maps_name_the_file_line_and_key(string yaml, string message, int line)
    {
        var ex = Assert.Throws<InvalidInputException>(() => RegisterMapLoader.Parse(yaml, "site-map.yaml"));
        Assert.Contains("site-map.yaml", ex.Message);
        Assert.Contains(message, ex.Message);
        Assert.Equal(line, ex.Line);
    }

    [Fact]
    public void Read_plan_splits_at_holes_and_at_the_block_limit()
    {
        var map = RegisterMapLoader.Parse("""
            vendor: X
            model: Y
            max_registers_per_read: 10
            max_hole_registers: 2
            points:
              active_power_kw: { address: 0, type: i32 }
              frequency_hz: { address: 4 }
              rated_power_kw: { address: 9, type: u32 }
              heartbeat: { address: 40 }
              engine_state: { table: input, address: 4 }
            """, "x.yaml");
        var plan = ReadPlan.Build(map, null).Select(b => (b.Table, (int)b.Start, (int)b.Count)).ToList();
        Assert.Equal([(ModbusTable.Holding, 0, 5), (ModbusTable.Holding, 9, 2), (ModbusTable.Holding, 40, 1), (ModbusTable.Input, 4, 1)], plan);
    }
}

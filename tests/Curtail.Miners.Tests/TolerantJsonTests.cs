using Curtail.Miners.Protocols;

namespace Curtail.Miners.Tests;

public class TolerantJsonTests
{
    [Theory]
    [InlineData("{\"STATUS\":[{\"STATUS\":\"S\",\"Code\":11}],\"SUMMARY\":[{\"GHS 5s\":100,}],}\0", "trailing commas and NUL")]
    [InlineData("{\"STATUS\":[{\"STATUS\":\"S\",\n\"Code\":11}],\"SUMMARY\":[{\"GHS 5s\":\n100}]}", "embedded newlines")]
    [InlineData("{\"STATUS\":[{\"STATUS\":\"S\",\"Code\":11}],\"SUMMARY\":[{\"GHS 5s\":100}{\"x\":1}]}", "}{ between objects")]
    [InlineData("{\"STATUS\":[{\"STATUS\":\"S\",\"Code\":11}],\"SUMMARY\":[,{\"GHS 5s\":100}]}", "[,{")]
    [InlineData("{\"STATUS\":[{\"STATUS\":\"S\",\"Code\":11,\"Msg\":\"ok\"\"temp0\":5}],\"SUMMARY\":[{\"GHS 5s\":100}]}", "missing comma before a key")]
    [InlineData("{\"STATUS\":[{\"STATUS\":\"S\",\"Code\":11}],\"SUMMARY\":[{\"GHS 5s\":100,\"Temp\":inf,\"T2\":nan}]}", "bare inf/nan")]
    [InlineData(",{\"STATUS\":[{\"STATUS\":\"S\",\"Code\":11}],\"SUMMARY\":[{\"GHS 5s\":100}]}", "leading comma")]
    public void Repairs_the_quirks_real_firmwares_emit(string reply, string quirk)
    {
        var json = TolerantJson.ParseObject(reply, quirk);
        Assert.Equal(100, TolerantJson.Number(TolerantJson.First(json, "SUMMARY")!["GHS 5s"]));
        Assert.True(CgminerClient.ReadStatus(json).Ok, quirk);
    }

    [Theory]
    [InlineData("{\"STATUS\":[{\"STATUS\":\"S\",\"Code\":11}],\"SUMMARY\":[{\"GHS 5s\":100}]}\0", "well-formed with NUL")]
    [InlineData("{\"STATUS\":[{\"STATUS\":\"S\",\"Code\":11}],\"SUMMARY\":[{\"GHS 5s\":100,}],}\0", "trailing commas and NUL")]
    [InlineData("{\"STATUS\":[{\"STATUS\":\"S\",\"Code\":11}],\"SUMMARY\":[{\"GHS 5s\":100,\"Temp\":inf}]}", "bare inf")]
    [InlineData(",{\"STATUS\":[{\"STATUS\":\"S\",\"Code\":11}],\"SUMMARY\":[{\"GHS 5s\":100}]}", "leading comma")]
    public void Reply_bytes_parse_as_their_text_does(string reply, string quirk)
    {
        var fromBytes = TolerantJson.ParseObject(System.Text.Encoding.UTF8.GetBytes(reply), quirk);
        Assert.Equal(TolerantJson.ParseObject(reply, quirk).ToJsonString(), fromBytes.ToJsonString());
        Assert.Equal(100, TolerantJson.Number(TolerantJson.First(fromBytes, "SUMMARY")!["GHS 5s"]));
    }

    [Fact]
    public void Reply_bytes_with_a_key_stated_twice_or_garbage_are_refused_naming_the_source()
    {
        var twice = Assert.Throws<FormatException>(() =>
            TolerantJson.ParseObject("{\"POWER\":[{\"Watts\":3200,\"Watts\":0}],\"id\":1}\0"u8, "'power' reply"));
        Assert.Contains("'power' reply", twice.Message);
        Assert.Contains("Watts", twice.Message);
        var garbage = Assert.Throws<FormatException>(() => TolerantJson.ParseObject("<html>busy</html>"u8, "miner 10.0.0.9"));
        Assert.Contains("miner 10.0.0.9", garbage.Message);
    }

    [Fact]
    public void Garbage_is_a_format_error_naming_the_source()
    {
        var ex = Assert.Throws<FormatException>(() => TolerantJson.ParseObject("<html>busy</html>", "miner 10.0.0.9"));
        Assert.Contains("miner 10.0.0.9", ex.Message);
    }

    [Fact]
    public void Numbers_come_as_numbers_or_numeric_strings()
    {
        var json = TolerantJson.ParseObject("{\"a\":\"3250 W\",\"b\":12.5,\"c\":\"x\"}", "t");
        Assert.Equal(3250, TolerantJson.Number(json["a"]));
        Assert.Equal(12.5, TolerantJson.Number(json["b"]));
        Assert.Null(TolerantJson.Number(json["c"]));
    }

    [Fact]
    public void A_key_stated_twice_is_a_format_error_naming_the_key()
    {
        var ex = Assert.Throws<FormatException>(() =>
            TolerantJson.ParseObject("{\"POWER\":[{\"Watts\":3200,\"Watts\":0}],\"id\":1}", "'power' reply"));
        Assert.Contains("'power' reply", ex.Message);
        Assert.Contains("Watts", ex.Message);
    }

    [Theory]
    [InlineData("{\"w\":1e999}")]
    [InlineData("{\"w\":-1e999}")]
    [InlineData("{\"w\":\"1e999\"}")]
    public void A_number_beyond_a_double_is_a_format_error_not_infinity(string reply)
    {
        var json = TolerantJson.ParseObject(reply, "t");
        var ex = Assert.Throws<FormatException>(() => TolerantJson.Number(json["w"]));
        Assert.Contains("$.w", ex.Message);
    }

    [Theory]
    [InlineData("{\"w\":{\"watt\":5}}", "Object")]
    [InlineData("{\"w\":[5]}", "Array")]
    public void An_object_or_array_where_a_number_belongs_is_a_format_error(string reply, string kind)
    {
        var json = TolerantJson.ParseObject(reply, "t");
        Assert.Contains(kind, Assert.Throws<FormatException>(() => TolerantJson.Number(json["w"])).Message);
    }

    [Fact]
    public void A_truncated_reply_is_a_format_error_with_the_parser_reason()
    {
        var ex = Assert.Throws<FormatException>(() => TolerantJson.ParseObject("{\"STATUS\":[{\"STATUS\":\"S\",\"When\":17", "'summary' reply"));
        Assert.Contains("'summary' reply is not JSON", ex.Message);
    }

    [Theory]
    [InlineData("{\"STATUS\":[{\"STATUS\":\"S\",\"Code\":316,\"Msg\":\"Session created\"}],\"SESSION\":[{\"SessionID\":\"ab\"}]}")]
    [InlineData("{\"STATUS\":[{\"STATUS\":\"I\",\"Code\":12,\"Msg\":\"info\"}]}")]
    [InlineData("{\"STATUS\":[{\"STATUS\":\"E\",\"Code\":402,\"Msg\":\"Another session is active\"}]}")]
    [InlineData("{\"STATUS\":[{\"STATUS\":\"E\",\"Code\":\"401\",\"Msg\":\"Invalid session id\"}]}")]
    [InlineData("{\"STATUS\":\"S\",\"Code\":131,\"Msg\":\"API command OK\"}")]
    [InlineData("{\"STATUS\":\"RESTART\",\"Code\":131}")]
    [InlineData("{\"STATUS\":\"E\",\"Code\":135,\"Msg\":\"check token err\"}")]
    [InlineData("{\"SUMMARY\":[{\"GHS 5s\":100}]}")]
    public void Status_read_without_a_node_tree_agrees_with_the_node_tree(string reply)
    {
        var fromNodes = CgminerClient.ReadStatus(TolerantJson.ParseObject(reply, "reply"));
        var fromElement = TolerantJson.Read(System.Text.Encoding.UTF8.GetBytes(reply), "reply", CgminerClient.ReadStatus);
        Assert.Equal(fromNodes, fromElement);
    }

    [Fact]
    public void Status_code_out_of_range_is_refused_either_way()
    {
        const string reply = "{\"STATUS\":[{\"STATUS\":\"S\",\"Code\":1e999}]}";
        Assert.Throws<FormatException>(() => CgminerClient.ReadStatus(TolerantJson.ParseObject(reply, "reply")));
        Assert.Throws<FormatException>(() => TolerantJson.Read(System.Text.Encoding.UTF8.GetBytes(reply), "reply", CgminerClient.ReadStatus));
    }
}


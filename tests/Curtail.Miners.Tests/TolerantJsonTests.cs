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
}

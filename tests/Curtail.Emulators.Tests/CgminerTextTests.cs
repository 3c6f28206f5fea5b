using System.Text.Json;
using System.Text.Json.Nodes;
using Curtail.Emulators.Miners;

namespace Curtail.Emulators.Tests;

/// <summary>
/// The emulator's cgminer text without node trees: requests read by <see cref="CgminerRequestReader"/> as a tree parse
/// would read them, and envelopes written by <see cref="Cgminer"/> exactly as the tree wrote them.
/// </summary>
public class CgminerTextTests
{
    [Theory]
    [InlineData("""{"command":"summary"}""", "summary", null)]
    [InlineData("""{"command":"curtail","parameter":"abc,sleep"}""", "curtail", "abc,sleep")]
    [InlineData("""{ "parameter" : "x" , "command" : "logon" }""", "logon", "x")]
    [InlineData("""{"command":"a\u002bb","parameter":"caf\u00e9 \"q\""}""", "a+b", "café \"q\"")]
    public void A_plain_request_gives_its_command_and_parameter(string json, string command, string? parameter)
    {
        Assert.Equal(CgminerRequestShape.Plain, CgminerRequestReader.Read(json, out var readCommand, out var readParameter));
        Assert.Equal(command, readCommand);
        Assert.Equal(parameter, readParameter);
    }

    [Theory]
    [InlineData("""{"cmd":"summary"}""")]                                     // Whatsminer's key
    [InlineData("""{"command":"ascset","parameter":0}""")]                     // a number
    [InlineData("""{"command":"x","parameter":["a"]}""")]                      // nested
    [InlineData("""{"command":"x","enc":1,"data":"..."}""")]                   // other keys
    [InlineData("""{"command":"a","command":"b"}""")]                          // a key twice
    [InlineData("""{"parameter":"x"}""")]                                      // no command
    [InlineData("""{}""")]
    public void Any_other_valid_request_is_left_to_the_node_tree(string json)
    {
        Assert.Equal(CgminerRequestShape.Other, CgminerRequestReader.Read(json, out _, out _));
        Assert.NotNull(JsonNode.Parse(json));
    }

    [Theory]
    [InlineData("""{"command":"summary"}x""")]
    [InlineData("""{"command":"summary" """)]
    [InlineData("""{"command":"summary",}""")]
    [InlineData("""{command:"summary"}""")]
    [InlineData("""{"command":"summary"} {"command":"stats"}""")]
    public void What_a_node_tree_refuses_is_invalid(string json)
    {
        Assert.Equal(CgminerRequestShape.Invalid, CgminerRequestReader.Read(json, out _, out _));
        Assert.ThrowsAny<JsonException>(() => JsonNode.Parse(json));
    }

    [Fact]
    public void A_long_request_is_read_whole()
    {
        var parameter = new string('p', 5000);
        Assert.Equal(CgminerRequestShape.Plain, CgminerRequestReader.Read($$"""{"command":"x","parameter":"{{parameter}}"}""", out _, out var read));
        Assert.Equal(parameter, read);
    }

    [Theory]
    [InlineData("Summary")]
    [InlineData("it's <b> & café \n \"quoted\"")]
    public void Envelopes_are_the_text_the_node_tree_wrote(string msg)
    {
        Assert.Equal(Tree("E", 14, msg, 1_700_000_000, "LUXminer 2025.1").ToJsonString(),
            Cgminer.StatusText("E", 14, msg, 1_700_000_000, "LUXminer 2025.1"));
        Assert.Equal(Tree("E", 23, msg, 0, "cgminer 4.11.1").ToJsonString(), Cgminer.Error(23, msg));

        var items = new[] { new JsonObject { ["GHS 5s"] = 123.45, ["Elapsed"] = 60L, ["Type"] = "S21" }, new JsonObject { ["fan1"] = 5400 } };
        var tree = Tree("S", 11, msg, 42, "cgminer 4.11.1");
        tree["SUMMARY"] = new JsonArray(items.Select(i => (JsonNode)i.DeepClone()).ToArray());
        Assert.Equal(tree.ToJsonString(), Cgminer.Reply(42, 11, msg, "SUMMARY", items));

        var single = Tree("S", 316, msg, 42, "cgminer 4.11.1");
        single["SESSION"] = new JsonArray(new JsonObject { ["SessionID"] = "a/b+c" });
        Assert.Equal(single.ToJsonString(), Cgminer.Reply(42, 316, msg, "SESSION", "SessionID", "a/b+c"));
    }

    [Fact]
    public void Each_reply_starts_from_an_empty_writer()
    {
        var first = Cgminer.Reply(1, 316, "Session created", "SESSION", "SessionID", new string('s', 3000));
        var second = Cgminer.StatusText("S", 317, "Session closed", 2);
        Assert.Equal(3000, JsonNode.Parse(first)!["SESSION"]![0]!["SessionID"]!.GetValue<string>().Length);
        Assert.Equal(317, JsonNode.Parse(second)!["STATUS"]![0]!["Code"]!.GetValue<int>());
        Assert.DoesNotContain("SESSION", second, StringComparison.Ordinal);
    }

    /// <summary>The envelope as the emulator built it before it wrote text directly.</summary>
    private static JsonObject Tree(string letter, int code, string msg, long when, string description) => new()
    {
        ["STATUS"] = new JsonArray(new JsonObject
        {
            ["STATUS"] = letter, ["When"] = when, ["Code"] = code, ["Msg"] = msg, ["Description"] = description,
        }),
        ["id"] = 1,
    };
}

using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Curtail.Cli.Tests;

public class MinersBenchCommandTests
{
    private static readonly string[] Fields =
    [
        "miners", "read_ms", "first_command_ms_after_decision", "all_sent_ms_after_decision", "command_latency_p50_ms",
        "command_latency_p99_ms", "all_confirmed_ms_after_decision", "confirmed", "unconfirmed", "failed", "peak_working_set_mb",
        "confirm_latency_p50_ms", "confirm_latency_p99_ms", "confirm_latency_max_ms", "confirm_after_ack_p50_ms", "confirm_after_ack_p99_ms",
        "read_backs", "slowest_confirmations",
    ];

    [Fact]
    public async Task Json_output_is_one_object_with_the_documented_fields()
    {
        const int count = 12;
        var basePort = FreeBasePort(count);
        var result = await CliRunner.Run("bench", "miners", "--count", $"{count}", "--family", "luxos", "--base-port", $"{basePort}",
            "--speed", "50", "--target-fraction", "0.3", "--json");

        Assert.True(result.ExitCode == 0, result.Out + result.Err);
        using var doc = JsonDocument.Parse(result.Out); // the whole output is one JSON object
        var root = doc.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        foreach (var field in Fields) Assert.True(root.TryGetProperty(field, out _), $"missing {field}: {result.Out}");
        Assert.Equal(count, root.GetProperty("miners").GetInt32());
        var sent = root.GetProperty("confirmed").GetInt32() + root.GetProperty("unconfirmed").GetInt32() + root.GetProperty("failed").GetInt32();
        Assert.Equal(root.GetProperty("commands").GetInt32(), sent);
        Assert.True(sent > 0);
        Assert.True(root.GetProperty("first_command_ms_after_decision").GetDouble() <= root.GetProperty("all_sent_ms_after_decision").GetDouble());
        Assert.True(root.GetProperty("all_sent_ms_after_decision").GetDouble() <= root.GetProperty("all_confirmed_ms_after_decision").GetDouble());
        Assert.True(root.GetProperty("peak_working_set_mb").GetDouble() > 0);
        // Every confirmation is a read-back that showed the effect; the confirm clock starts before the acknowledgement.
        Assert.True(root.GetProperty("read_backs").GetInt32() >= root.GetProperty("confirmed").GetInt32(), result.Out);
        Assert.True(root.GetProperty("confirm_latency_p50_ms").GetDouble() >= root.GetProperty("confirm_after_ack_p50_ms").GetDouble(), result.Out);
        Assert.True(root.GetProperty("confirm_latency_max_ms").GetDouble() >= root.GetProperty("confirm_latency_p99_ms").GetDouble(), result.Out);
        // The GC's own account of its committed peak: the same collection, its heap inside what it committed, and
        // one size per generation (gen0, gen1, gen2, large and pinned object heaps).
        var peak = root.GetProperty("gc_at_peak");
        Assert.Equal(root.GetProperty("peak_gc_committed_mb").GetDouble(), peak.GetProperty("committed_mb").GetDouble());
        Assert.True(peak.GetProperty("heap_size_mb").GetDouble() <= peak.GetProperty("committed_mb").GetDouble(), result.Out);
        Assert.Equal(5, peak.GetProperty("generations_mb").GetArrayLength());
        Assert.Equal(5, peak.GetProperty("generations_fragmented_mb").GetArrayLength());
    }

    [Fact]
    public async Task A_mixed_fleet_is_benched_with_mix_as_the_issue_and_the_docs_spell_it()
    {
        const int count = 10;
        var basePort = FreeBasePort(count);
        var result = await CliRunner.Run("bench", "miners", "--count", $"{count}", "--mix", "luxos:40,whatsminer3:30,braiins:30",
            "--base-port", $"{basePort}", "--speed", "50", "--target-fraction", "0.3", "--json");

        Assert.True(result.ExitCode == 0, result.Out + result.Err);
        using var doc = JsonDocument.Parse(result.Out);
        Assert.Equal(count, doc.RootElement.GetProperty("miners").GetInt32());
        Assert.True(doc.RootElement.GetProperty("commands").GetInt32() > 0, result.Out);
        // Families as the API spells them (snake_case), largest share first.
        Assert.Equal("lux_os:4,whatsminer_v3:3,braiins_os:3", doc.RootElement.GetProperty("families").GetString());
    }

    /// <summary>A base port whose 2 × count ports are free now (the fleet emulator needs the range 20000-60000).</summary>
    private static int FreeBasePort(int count)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var candidate = Random.Shared.Next(21000, 32000);
            if (Enumerable.Range(candidate, 2 * count).All(IsFree)) return candidate;
        }
        throw new InvalidOperationException("no free port range for the emulated fleet");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

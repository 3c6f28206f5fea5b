using System.Globalization;
using System.IO.Compression;
using System.Text;
using Curtail.Core.Time;
using Curtail.Ercot.Prices;

namespace Curtail.Emulators.Ercot;

/// <summary>
/// NP6-332-CD (AS clearing prices per SCED run) from the archive endpoint: one zipped CSV per SCED run of the
/// <see cref="ErcotEmulatorOptions.McpcFile"/>, listed once its run time has passed on the emulated clock, each holding
/// the file's own lines for that run (so what the client reads back is byte for byte what the file says).
/// </summary>
public sealed partial class ErcotApiEmulator
{
    private sealed record McpcRun(DateTimeOffset ScedUtc, string Header, List<string> Lines);

    private readonly List<McpcRun> _mcpc;

    private static List<McpcRun> LoadMcpc(string? path)
    {
        if (path is null) return [];
        // Gzipped like the other shipped data (the demo's fixture), or plain CSV.
        string[] lines;
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            using var gz = new StreamReader(new System.IO.Compression.GZipStream(File.OpenRead(path), System.IO.Compression.CompressionMode.Decompress));
            lines = gz.ReadToEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        }
        else
        {
            lines = File.ReadAllLines(path);
        }
        var parsed = McpcScedReader.Read(new StringReader(string.Join('\n', lines)), path);
        var body = lines.Skip(1).Where(l => l.Length > 0).ToList();
        return parsed.Zip(body).GroupBy(x => x.First.ScedUtc).OrderBy(g => g.Key)
            .Select(g => new McpcRun(g.Key, lines[0], g.Select(x => x.Second).ToList())).ToList();
    }

    private static long McpcDocId(DateTimeOffset run) => run.ToUnixTimeSeconds();

    private (int, string, byte[], Dictionary<string, string>) McpcArchiveList(System.Collections.Specialized.NameValueCollection q)
    {
        var (from, to) = PostedRange(q);
        var now = EmulatedNow;
        // A run's prices are posted with the run.
        var docs = _mcpc.Where(r => r.ScedUtc <= now && (from is null || r.ScedUtc >= from) && (to is null || r.ScedUtc <= to)).ToList();
        return ArchivePage(q, docs, "NP6-332-CD", "Real-Time Clearing Prices for Capacity by SCED Interval",
            r => (McpcDocId(r.ScedUtc), $"RTMCPCNP6332_{CentralPrevailingTime.ToLocal(r.ScedUtc):yyyyMMdd_HHmmss}", r.ScedUtc));
    }

    private (int, string, byte[], Dictionary<string, string>) McpcDownload(string id)
    {
        if (!long.TryParse(id, CultureInfo.InvariantCulture, out var doc)) return Json(400, new { statusCode = 400, message = "download must be a docId" });
        var run = _mcpc.FirstOrDefault(r => McpcDocId(r.ScedUtc) == doc && r.ScedUtc <= EmulatedNow);
        if (run is null) return Json(404, new { statusCode = 404, message = $"no archive document {doc}" });
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = zip.CreateEntry($"cdr.00024891.0000000000000000.RTMCPCNP6332_{CentralPrevailingTime.ToLocal(run.ScedUtc):yyyyMMdd_HHmmss}_csv.csv");
            using var w = new StreamWriter(entry.Open(), new UTF8Encoding(false));
            w.Write(run.Header + "\r\n" + string.Join("\r\n", run.Lines) + "\r\n");
        }
        return (200, "application/zip", buffer.ToArray(), []);
    }
}

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
        var lines = File.ReadAllLines(path);
        var parsed = McpcScedReader.Read(new StringReader(string.Join('\n', lines)), path);
        var body = lines.Skip(1).Where(l => l.Length > 0).ToList();
        return parsed.Zip(body).GroupBy(x => x.First.ScedUtc).OrderBy(g => g.Key)
            .Select(g => new McpcRun(g.Key, lines[0], g.Select(x => x.Second).ToList())).ToList();
    }

    private static long McpcDocId(DateTimeOffset run) => run.ToUnixTimeSeconds();

    private (int, string, byte[], Dictionary<string, string>) McpcArchiveList(System.Collections.Specialized.NameValueCollection q)
    {
        DateTimeOffset? Param(string name) =>
            DateTime.TryParse(q[name], CultureInfo.InvariantCulture, DateTimeStyles.None, out var l)
                ? CentralPrevailingTime.LocalToUtc(DateOnly.FromDateTime(l), l.Hour, l.Minute, false, l.Second) : null;
        var from = Param("postDatetimeFrom");
        var to = Param("postDatetimeTo");
        var now = EmulatedNow;
        // A run's prices are posted with the run.
        var docs = _mcpc.Where(r => r.ScedUtc <= now && (from is null || r.ScedUtc >= from) && (to is null || r.ScedUtc <= to)).ToList();
        var size = int.TryParse(q["size"], CultureInfo.InvariantCulture, out var s) && s > 0 ? Math.Min(s, 1000) : 1000;
        var page = int.TryParse(q["page"], CultureInfo.InvariantCulture, out var pg) && pg > 0 ? pg : 1;
        return Json(200, new
        {
            _meta = new { totalRecords = docs.Count, pageSize = size, totalPages = Math.Max(1, (docs.Count + size - 1) / size), currentPage = page },
            product = new { emilId = "NP6-332-CD", name = "Real-Time Clearing Prices for Capacity by SCED Interval" },
            archives = docs.Skip((page - 1) * size).Take(size).Select(r => new
            {
                docId = McpcDocId(r.ScedUtc),
                friendlyName = $"RTMCPCNP6332_{CentralPrevailingTime.ToLocal(r.ScedUtc):yyyyMMdd_HHmmss}",
                postDatetime = CentralPrevailingTime.ToLocal(r.ScedUtc).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
                _links = new { endpoint = new { href = $"{BaseUrl}/archive/np6-332-cd?download={McpcDocId(r.ScedUtc)}" } },
            }),
        });
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

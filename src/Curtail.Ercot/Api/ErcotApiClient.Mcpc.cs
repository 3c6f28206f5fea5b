using System.Globalization;
using System.IO.Compression;
using Curtail.Core;
using Curtail.Core.Time;
using Curtail.Ercot.Prices;

namespace Curtail.Ercot.Api;

/// <summary>
/// Ancillary-service clearing prices per SCED run (NP6-332-CD), from the public API's archive of the report: one zipped
/// CSV per SCED run, listed by posting time. The report has no query endpoint in ERCOT's published API description, so
/// it is read the way its documents are published (docs/data-sources.md).
/// </summary>
public sealed partial class ErcotApiClient
{
    public const string McpcScedEmilId = "np6-332-cd";

    /// <summary>The MCPCs of every SCED run posted in [fromUtc, toUtc), oldest first.</summary>
    public async Task<IReadOnlyList<McpcPrice>> GetMcpcScedAsync(DateTimeOffset fromUtc, DateTimeOffset toUtc, CancellationToken ct)
    {
        var docIds = await ArchiveDocumentIdsAsync(McpcScedEmilId, fromUtc, toUtc, ct);

        var result = new List<McpcPrice>();
        foreach (var id in docIds)
        {
            var url = Url($"/archive/{McpcScedEmilId}", new Dictionary<string, string> { ["download"] = id.ToString(CultureInfo.InvariantCulture) });
            var bytes = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, url), url, ct);
            result.AddRange(ReadZippedCsv(bytes, $"{url.AbsolutePath}?download={id}"));
        }
        return result.Where(p => p.ScedUtc >= fromUtc.AddMinutes(-5) && p.ScedUtc < toUtc).OrderBy(p => p.ScedUtc).ThenBy(p => p.AsType, StringComparer.Ordinal).ToList();
    }

    private static IReadOnlyList<McpcPrice> ReadZippedCsv(byte[] zipBytes, string source)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
            var entry = zip.Entries.FirstOrDefault(e => e.Name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidInputException(source, null, "archive document holds no CSV");
            using var reader = new StreamReader(entry.Open());
            return McpcScedReader.Read(reader, source);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidInputException(source, null, $"archive document is not a zip: {ex.Message}");
        }
    }
}

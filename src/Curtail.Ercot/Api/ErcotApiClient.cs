using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Curtail.Core;
using Curtail.Core.Prices;
using Curtail.Core.Time;
using Curtail.Ercot.Prices;

namespace Curtail.Ercot.Api;

/// <summary>One price from the API, already in UTC.</summary>
public readonly record struct ApiPrice(string SettlementPoint, DateTimeOffset StartUtc, DateTimeOffset EndUtc, double Price);

/// <summary>
/// ERCOT Public API client for NP6-905-CD, NP6-788-CD and NP4-190-CD: both auth headers on every call, the ID token
/// renewed before expiry (and once on 401), paging to the last page, the published rate limit, backoff on 429 and
/// 5xx (honouring Retry-After), and the archive endpoint for real-time prices older than the row store keeps.
/// A 200 with no rows is returned as no rows: the caller (the price store) treats the range as a gap.
/// </summary>
public sealed partial class ErcotApiClient
{
    private readonly HttpClient _http;
    private readonly ErcotApiCredentials _credentials;
    private readonly ErcotApiOptions _options;
    private readonly TimeProvider _time;
    private readonly ErcotTokenProvider _tokens;
    private readonly RequestRateLimiter _limiter;

    public ErcotApiClient(HttpClient http, ErcotApiCredentials credentials, ErcotApiOptions options, TimeProvider time)
    {
        _http = http;
        _credentials = credentials;
        _options = options;
        _time = time;
        _tokens = new ErcotTokenProvider(http, credentials, options, time);
        _limiter = new RequestRateLimiter(options.RequestsPerMinute, time);
    }

    public ErcotTokenProvider Tokens => _tokens;

    /// <summary>Requests sent, retries included.</summary>
    public int RequestsSent { get; private set; }

    /// <summary>Prices of one point whose intervals start in [fromUtc, toUtc), from the row API or, for old days, the archive.</summary>
    public async Task<IReadOnlyList<ApiPrice>> GetPricesAsync(ErcotReport report, string settlementPoint, DateTimeOffset fromUtc, DateTimeOffset toUtc, CancellationToken ct)
    {
        if (toUtc <= fromUtc) return [];
        var useArchive = report == ErcotReport.RealTimeSpp && fromUtc < _time.GetUtcNow() - _options.ArchiveAfter;
        var rows = useArchive
            ? await GetRealTimeFromArchiveAsync(settlementPoint, fromUtc, toUtc, ct)
            : await GetFromRowsAsync(report, settlementPoint, fromUtc, toUtc, ct);
        return rows.Where(r => r.StartUtc >= fromUtc && r.StartUtc < toUtc).OrderBy(r => r.StartUtc).ToList();
    }

    private async Task<List<ApiPrice>> GetFromRowsAsync(ErcotReport report, string point, DateTimeOffset fromUtc, DateTimeOffset toUtc, CancellationToken ct)
    {
        var query = new Dictionary<string, string> { ["settlementPoint"] = point };
        if (report == ErcotReport.ScedLmp)
        {
            query[report.FromParameter] = CentralPrevailingTime.ToLocal(fromUtc).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
            query[report.ToParameter] = CentralPrevailingTime.ToLocal(toUtc).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        }
        else
        {
            query[report.FromParameter] = CentralPrevailingTime.LocalDate(fromUtc).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            query[report.ToParameter] = CentralPrevailingTime.LocalDate(toUtc.AddTicks(-1)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }
        var prices = new List<ApiPrice>();
        await foreach (var (fields, row) in QueryAsync(report, query, ct))
            prices.Add(ParseRow(report, fields, row));
        if (report == ErcotReport.ScedLmp) CapScedIntervals(prices);
        return prices;
    }

    /// <summary>Every row of a report query, page by page; each row with the report's field names.</summary>
    public async IAsyncEnumerable<(IReadOnlyList<string> Fields, JsonElement Row)> QueryAsync(ErcotReport report, IDictionary<string, string> query,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var page = 1;
        int totalPages;
        do
        {
            var q = new Dictionary<string, string>(query) { ["page"] = page.ToString(CultureInfo.InvariantCulture), ["size"] = _options.PageSize.ToString(CultureInfo.InvariantCulture) };
            var url = Url(report.Path, q);
            using var doc = await GetJsonAsync(url, ct);
            var root = doc.RootElement;
            if (!root.TryGetProperty("_meta", out var meta) || !root.TryGetProperty("fields", out var fieldsElement) || !root.TryGetProperty("data", out var data))
                throw new InvalidInputException(report.Path, null, "reply is not an ERCOT report (no _meta, fields or data)");
            totalPages = meta.TryGetProperty("totalPages", out var tp) && tp.ValueKind == JsonValueKind.Number ? tp.GetInt32() : 1;
            var fields = fieldsElement.EnumerateArray().Select(f => f.GetProperty("name").GetString() ?? "").ToList();
            foreach (var row in data.EnumerateArray()) yield return (fields, row.Clone());
            page++;
        } while (page <= totalPages);
    }

    private Uri Url(string path, IDictionary<string, string> query)
    {
        var q = string.Join('&', query.Select(kv => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(kv.Value)}"));
        return new Uri(_options.BaseUrl.AbsoluteUri.TrimEnd('/') + path + (q.Length > 0 ? "?" + q : ""));
    }

    private async Task<JsonDocument> GetJsonAsync(Uri url, CancellationToken ct)
    {
        var bytes = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, url), url, ct);
        try { return JsonDocument.Parse(bytes); }
        catch (JsonException ex) { throw new InvalidInputException(url.AbsolutePath, null, $"reply is not JSON: {ex.Message}"); }
    }

    /// <summary>Sends with auth headers, rate limit, token refresh on 401 and backoff on 429/5xx; returns the body.</summary>
    private async Task<byte[]> SendAsync(Func<HttpRequestMessage> make, Uri url, CancellationToken ct)
    {
        var refreshed = false;
        for (var attempt = 0; ; attempt++)
        {
            await _limiter.WaitAsync(ct);
            using var request = make();
            request.Headers.Add("Ocp-Apim-Subscription-Key", _credentials.SubscriptionKey);
            request.Headers.Authorization = new("Bearer", await _tokens.GetAsync(ct, forceRefresh: refreshed && attempt == 1));
            RequestsSent++;
            HttpResponseMessage response;
            try { response = await _http.SendAsync(request, ct); }
            catch (HttpRequestException) when (attempt < _options.MaxRetries)
            {
                await Task.Delay(Backoff(attempt, null), _time, ct);
                continue;
            }
            using (response)
            {
                if (response.IsSuccessStatusCode) return await response.Content.ReadAsByteArrayAsync(ct);
                if (response.StatusCode == HttpStatusCode.Unauthorized && !refreshed)
                {
                    refreshed = true;
                    await _tokens.GetAsync(ct, forceRefresh: true);
                    continue;
                }
                var retryable = response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500;
                if (retryable && attempt < _options.MaxRetries)
                {
                    await Task.Delay(Backoff(attempt, response.Headers.RetryAfter?.Delta), _time, ct);
                    continue;
                }
                throw new InvalidInputException(url.AbsolutePath, null, $"ERCOT API answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}" +
                    (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? " (check the subscription key and account)" : ""));
            }
        }
    }

    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter) =>
        retryAfter is { } r && r > TimeSpan.Zero ? r : _options.FirstBackoff * Math.Pow(2, attempt);

    private static ApiPrice ParseRow(ErcotReport report, IReadOnlyList<string> fields, JsonElement row)
    {
        JsonElement F(string name)
        {
            for (var i = 0; i < fields.Count; i++)
                if (string.Equals(fields[i], name, StringComparison.OrdinalIgnoreCase)) return row[i];
            throw new InvalidInputException(report.Path, null, $"reply has no field '{name}' (fields: {string.Join(", ", fields)})");
        }
        var flag = ErcotApiLayouts.Identify(report, fields).Flag;
        static bool Flag(JsonElement e) => e.ValueKind == JsonValueKind.True || (e.ValueKind == JsonValueKind.String && e.GetString() is "Y" or "true" or "True");
        try
        {
            if (report == ErcotReport.RealTimeSpp)
            {
                var date = DateOnly.Parse(F("deliveryDate").GetString()!, CultureInfo.InvariantCulture);
                var start = CentralPrevailingTime.IntervalStartUtc(date, F("deliveryHour").GetInt32(), F("deliveryInterval").GetInt32(), 4, Flag(F(flag)));
                return new ApiPrice(F("settlementPoint").GetString()!, start, start.AddMinutes(15), F("settlementPointPrice").GetDouble());
            }
            if (report == ErcotReport.DayAheadSpp)
            {
                var date = DateOnly.Parse(F("deliveryDate").GetString()!, CultureInfo.InvariantCulture);
                var he = int.Parse(F("hourEnding").GetString()!.Split(':')[0], CultureInfo.InvariantCulture);
                var start = CentralPrevailingTime.IntervalStartUtc(date, he, 1, 1, Flag(F(flag)));
                return new ApiPrice(F("settlementPoint").GetString()!, start, start.AddHours(1), F("settlementPointPrice").GetDouble());
            }
            var local = DateTime.Parse(F("SCEDTimestamp").GetString()!, CultureInfo.InvariantCulture);
            var t = CentralPrevailingTime.LocalToUtc(DateOnly.FromDateTime(local), local.Hour, local.Minute, Flag(F(flag)), local.Second);
            return new ApiPrice(F("settlementPoint").GetString()!, t, t + ScedLmpReader.LastRunHolds, F("LMP").GetDouble());
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or ArgumentException or KeyNotFoundException)
        {
            throw new InvalidInputException(report.Path, null, $"unreadable row {row.GetRawText()}: {ex.Message}");
        }
    }

    /// <summary>A SCED price holds until the next run, at most five minutes.</summary>
    private static void CapScedIntervals(List<ApiPrice> prices)
    {
        prices.Sort((a, b) => a.StartUtc.CompareTo(b.StartUtc));
        for (var i = 0; i + 1 < prices.Count; i++)
            if (prices[i + 1].StartUtc < prices[i].EndUtc && prices[i + 1].SettlementPoint == prices[i].SettlementPoint)
                prices[i] = prices[i] with { EndUtc = prices[i + 1].StartUtc };
    }

    /// <summary>The ids of a report's archived documents posted in [postedFrom, postedTo), page by page.</summary>
    private async Task<List<long>> ArchiveDocumentIdsAsync(string emil, DateTimeOffset postedFrom, DateTimeOffset postedTo, CancellationToken ct)
    {
        var docIds = new List<long>();
        var page = 1;
        int totalPages;
        do
        {
            var url = Url($"/archive/{emil}", new Dictionary<string, string>
            {
                ["postDatetimeFrom"] = CentralPrevailingTime.ToLocal(postedFrom).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
                ["postDatetimeTo"] = CentralPrevailingTime.ToLocal(postedTo).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
                ["page"] = page.ToString(CultureInfo.InvariantCulture),
                ["size"] = "1000",
            });
            using var doc = await GetJsonAsync(url, ct);
            var root = doc.RootElement;
            totalPages = root.TryGetProperty("_meta", out var meta) && meta.TryGetProperty("totalPages", out var tp) ? tp.GetInt32() : 1;
            if (root.TryGetProperty("archives", out var archives))
                foreach (var a in archives.EnumerateArray())
                    docIds.Add(a.GetProperty("docId").GetInt64());
            page++;
        } while (page <= totalPages);
        return docIds;
    }

    /// <summary>Real-time prices from the archive: list documents posted in the range, download each zipped CSV.</summary>
    private async Task<List<ApiPrice>> GetRealTimeFromArchiveAsync(string point, DateTimeOffset fromUtc, DateTimeOffset toUtc, CancellationToken ct)
    {
        var emil = ErcotReport.RealTimeSpp.EmilId;
        // Documents are posted just after their interval ends.
        var docIds = await ArchiveDocumentIdsAsync(emil, fromUtc, toUtc.AddHours(1), ct);

        var result = new List<ApiPrice>();
        var tmp = Directory.CreateTempSubdirectory("curtail-ercot-archive-");
        try
        {
            foreach (var id in docIds)
            {
                var url = Url($"/archive/{emil}", new Dictionary<string, string> { ["download"] = id.ToString(CultureInfo.InvariantCulture) });
                var bytes = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, url), url, ct);
                var csvPath = Path.Combine(tmp.FullName, $"{id}.csv");
                ExtractCsv(bytes, csvPath, url.AbsolutePath);
                var series = TryLoad(csvPath, point);
                if (series is null) continue;
                for (var i = 0; i < series.Count; i++) result.Add(new ApiPrice(point, series[i].StartUtc, series[i].EndUtc, series[i].Price));
            }
        }
        finally
        {
            tmp.Delete(recursive: true);
        }
        return result;
    }

    private static void ExtractCsv(byte[] zipBytes, string path, string source)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
            var entry = zip.Entries.FirstOrDefault(e => e.Name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidInputException(source, null, "archive document holds no CSV");
            entry.ExtractToFile(path, overwrite: true);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidInputException(source, null, $"archive document is not a zip: {ex.Message}");
        }
    }

    private static PriceSeries? TryLoad(string csvPath, string point)
    {
        try { return PriceLoader.Load([csvPath], point).Series; }
        catch (InvalidInputException ex) when (ex.Message.Contains("no " + point, StringComparison.Ordinal)) { return null; }
    }
}

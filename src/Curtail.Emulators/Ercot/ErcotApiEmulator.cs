using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Curtail.Core.Prices;
using Curtail.Core.Time;

namespace Curtail.Emulators.Ercot;

/// <summary>
/// Serves shipped ERCOT history on the Public API's paths with its JSON layout (reference/ercot.md §1.6), on
/// loopback: the B2C token endpoint (at /b2c/token), NP6-905-CD, NP6-788-CD, NP6-970-CD and NP4-190-CD row queries with
/// paging, and the NP6-905-CD archive (one zipped NP6-905-CD CSV per day). The RTD indicative LMPs (NP6-970-CD) are
/// derived from the shipped SCED history, for want of RTD history: each SCED run also posts an RTD run whose 12
/// five-minute intervals carry the SCED LMP in force at their start (a look-ahead that is right, unlike ERCOT's). Both auth headers are required; more than the
/// published rate gets HTTP 429 with Retry-After. Emulated time runs at <see cref="ErcotEmulatorOptions.Speed"/> on
/// the injected clock, and only data published by then is served: a 15-minute price once its interval has
/// ended, a SCED run once it has run, day-ahead prices from 13:30 CPT the day before.
/// </summary>
public sealed partial class ErcotApiEmulator : IAsyncDisposable
{
    public const string ApiPrefix = "/api/public-reports";
    public const string TokenPath = "/b2c/token";

    private readonly ErcotEmulatorData _data;
    private readonly ErcotEmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, DateTimeOffset> _tokens = [];
    private readonly Queue<DateTimeOffset> _calls = new();
    private readonly Lock _lock = new();
    private DateTimeOffset _startedReal;
    private Task? _loop;

    public ErcotApiEmulator(ErcotEmulatorData data, ErcotEmulatorOptions options, TimeProvider time)
    {
        if (options.Speed <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.Speed, "speed must be positive");
        _data = data;
        _options = options;
        _time = time;
        _mcpc = LoadMcpc(options.McpcFile);
    }

    public int Port { get; private set; }
    public string BaseUrl => $"http://127.0.0.1:{Port}{ApiPrefix}";
    public int RequestsServed { get; private set; }

    /// <summary>
    /// Fault switch: while on, every request is accepted and left unanswered, as a feed that hangs rather than refuses
    /// (held requests are answered once it is switched off).
    /// </summary>
    public bool Hung
    {
        get => Volatile.Read(ref _hung);
        set => Volatile.Write(ref _hung, value);
    }

    private bool _hung;
    public int RateLimited { get; private set; }

    /// <summary>The emulated wall clock.</summary>
    public DateTimeOffset EmulatedNow => _options.StartUtc + (_time.GetUtcNow() - _startedReal) * _options.Speed;

    public void Start()
    {
        Port = _options.Port != 0 ? _options.Port : LoopbackPort.Free();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _startedReal = _time.GetUtcNow();
        _loop = Task.Run(() => AcceptLoopAsync(_stop.Token));
    }

    private async Task AcceptLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = Task.Run(async () =>
            {
                while (Hung && !ct.IsCancellationRequested) await Task.Delay(50, CancellationToken.None);
                Serve(context);
            }, ct);
        }
    }

    private void Serve(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            var (status, contentType, body, headers) = Handle(context.Request);
            response.StatusCode = status;
            response.ContentType = contentType;
            foreach (var (k, v) in headers) response.Headers[k] = v;
            response.ContentLength64 = body.Length;
            response.OutputStream.Write(body);
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException)
        {
            // The client went away; nothing to answer.
        }
        finally
        {
            try { response.Close(); } catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException) { }
        }
    }

    private static (int, string, byte[], Dictionary<string, string>) Json(int status, object value, Dictionary<string, string>? headers = null) =>
        (status, "application/json", JsonSerializer.SerializeToUtf8Bytes(value), headers ?? []);

    private (int Status, string ContentType, byte[] Body, Dictionary<string, string> Headers) Handle(HttpListenerRequest request)
    {
        lock (_lock) RequestsServed++;
        var path = request.Url!.AbsolutePath.TrimEnd('/');
        if (path == TokenPath && request.HttpMethod == "POST") return Token(request);
        if (!path.StartsWith(ApiPrefix, StringComparison.Ordinal)) return Json(404, new { statusCode = 404, message = "Resource not found" });
        if (request.Headers["Ocp-Apim-Subscription-Key"] != _options.SubscriptionKey)
            return Json(401, new { statusCode = 401, message = "Access denied due to missing or invalid subscription key." });
        if (!ValidToken(request.Headers["Authorization"]))
            return Json(401, new { statusCode = 401, message = "Unauthorized. Access token is missing or invalid." });
        if (!TakeRateToken(out var retryAfter))
            return Json(429, new { statusCode = 429, message = $"Rate limit is exceeded. Try again in {retryAfter} seconds." },
                new Dictionary<string, string> { ["Retry-After"] = retryAfter.ToString(CultureInfo.InvariantCulture) });

        var rest = path[ApiPrefix.Length..];
        var q = request.QueryString;
        return rest switch
        {
            "/np6-905-cd/spp_node_zone_hub" => Report("np6-905-cd", "SPP_NODE_ZONE_HUB", _options.RtcBLayout ? RtcB(RealTimeFields) : RealTimeFields, RealTimeRows(q), q),
            "/np6-788-cd/lmp_node_zone_hub" => Report("np6-788-cd", "LMP_NODE_ZONE_HUB", ScedFields, ScedRows(q), q),
            "/np6-970-cd/rtd_lmp_node_zone_hub" => Report("np6-970-cd", "RTD_LMP_NODE_ZONE_HUB", RtdFields, RtdRows(q), q),
            "/np4-190-cd/dam_stlmnt_pnt_prices" => Report("np4-190-cd", "DAM_STLMNT_PNT_PRICES", _options.RtcBLayout ? RtcB(DamFields) : DamFields, DamRows(q), q),
            "/np3-565-cd/lf_by_model_weather_zone" => Report("np3-565-cd", "LF_BY_MODEL_WEATHER_ZONE", LoadForecastFields, LoadForecastRows(q), q),
            "/np6-345-cd/act_sys_load_by_wzn" => Report("np6-345-cd", "ACT_SYS_LOAD_BY_WZN", ActualLoadFields, ActualLoadRows(q), q),
            "/archive/np6-905-cd" when q["download"] is { } id => Download(id),
            "/archive/np6-905-cd" => ArchiveList(q),
            "/archive/np6-332-cd" when q["download"] is { } id => McpcDownload(id),
            "/archive/np6-332-cd" => McpcArchiveList(q),
            _ => Json(404, new { statusCode = 404, message = "Resource not found" }),
        };
    }

    private (int, string, byte[], Dictionary<string, string>) Token(HttpListenerRequest request)
    {
        using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
        var form = reader.ReadToEnd().Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(kv => kv.Split('=', 2)).ToDictionary(kv => Uri.UnescapeDataString(kv[0].Replace('+', ' ')), kv => kv.Length > 1 ? Uri.UnescapeDataString(kv[1].Replace('+', ' ')) : "");
        if (form.GetValueOrDefault("grant_type") != "password" || form.GetValueOrDefault("username") != _options.Username || form.GetValueOrDefault("password") != _options.Password)
            return Json(400, new { error = "invalid_grant", error_description = "AADB2C90225: The username or password provided in the request are invalid." });
        var token = "emu." + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        lock (_lock) _tokens[token] = _time.GetUtcNow() + _options.TokenLifetime;
        return Json(200, new { access_token = token, id_token = token, token_type = "Bearer", expires_in = (int)_options.TokenLifetime.TotalSeconds });
    }

    private bool ValidToken(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.Ordinal)) return false;
        lock (_lock) return _tokens.TryGetValue(authorization[7..], out var expires) && _time.GetUtcNow() < expires;
    }

    private bool TakeRateToken(out int retryAfterSeconds)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            while (_calls.Count > 0 && now - _calls.Peek() >= TimeSpan.FromMinutes(1)) _calls.Dequeue();
            if (_calls.Count >= _options.RequestsPerMinute)
            {
                RateLimited++;
                retryAfterSeconds = Math.Max(1, (int)Math.Ceiling((_calls.Peek() + TimeSpan.FromMinutes(1) - now).TotalSeconds));
                return false;
            }
            _calls.Enqueue(now);
            retryAfterSeconds = 0;
            return true;
        }
    }

    private static readonly (string Name, string Type)[] RealTimeFields =
        [("deliveryDate", "DATE"), ("deliveryHour", "INTEGER"), ("deliveryInterval", "INTEGER"), ("settlementPoint", "VARCHAR"),
         ("settlementPointType", "VARCHAR"), ("settlementPointPrice", "DOUBLE"), ("DSTFlag", "BOOLEAN")];
    private static readonly (string Name, string Type)[] ScedFields =
        [("SCEDTimestamp", "TIMESTAMP"), ("repeatHourFlag", "BOOLEAN"), ("settlementPoint", "VARCHAR"), ("LMP", "DOUBLE")];
    private static readonly (string Name, string Type)[] RtdFields =
        [("RTDTimestamp", "TIMESTAMP"), ("repeatHourFlag", "BOOLEAN"), ("intervalId", "INTEGER"), ("intervalEnding", "TIMESTAMP"),
         ("intervalRepeatHourFlag", "BOOLEAN"), ("settlementPoint", "VARCHAR"), ("settlementPointType", "VARCHAR"), ("LMP", "DOUBLE")];
    /// <summary>The post-RTC+B field list: DSTFlag renamed RepeatedHourFlag (same values).</summary>
    private static (string Name, string Type)[] RtcB((string Name, string Type)[] fields) =>
        fields.Select(f => f.Name == "DSTFlag" ? ("RepeatedHourFlag", f.Type) : f).ToArray();

    private static readonly (string Name, string Type)[] DamFields =
        [("deliveryDate", "DATE"), ("hourEnding", "VARCHAR"), ("settlementPoint", "VARCHAR"), ("settlementPointPrice", "DOUBLE"), ("DSTFlag", "BOOLEAN")];

    private static readonly (string Name, string Type)[] LoadForecastFields =
        [("postedDatetime", "TIMESTAMP"), ("deliveryDate", "DATE"), ("hourEnding", "VARCHAR"), ("systemTotal", "DOUBLE"),
         ("model", "VARCHAR"), ("inUseFlag", "BOOLEAN"), ("DSTFlag", "BOOLEAN")];

    /// <summary>
    /// The seven-day load forecast: the in-use model ("E") forecasts the history's load exactly, another model ("A") 4 %
    /// high. ERCOT posts it hourly for the next seven days: a delivery day in the past was last posted the day before it
    /// at 23:30 CPT, the others at the start of the current hour.
    /// </summary>
    private List<object[]> LoadForecastRows(System.Collections.Specialized.NameValueCollection q)
    {
        if (_data.SystemLoad is not { } load) return [];
        var (from, to) = DateRange(q);
        var nowLocal = CentralPrevailingTime.ToLocal(EmulatedNow);
        var today = DateOnly.FromDateTime(nowLocal.DateTime);
        to = Math.Min(to, CentralPrevailingTime.StartOfDayUtc(today.AddDays(7)).UtcTicks);
        var inUseOnly = string.Equals(q["inUseFlag"], "true", StringComparison.OrdinalIgnoreCase);
        var postedNow = new DateTime(nowLocal.Year, nowLocal.Month, nowLocal.Day, nowLocal.Hour, 0, 0);
        var rows = new List<object[]>();
        for (var i = load.FirstStartingAtOrAfter(from); i < load.Count && load.StartTicks[i] < to; i++)
        {
            var (date, hour, _, repeated) = Local(load.StartTicks[i]);
            var posted = date < today ? date.AddDays(-1).ToDateTime(new TimeOnly(23, 30)) : postedNow;
            var postedText = posted.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
            var dateText = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            rows.Add([postedText, dateText, $"{hour + 1:D2}:00", Math.Round(load.Prices[i], 2), "E", true, repeated]);
            if (!inUseOnly) rows.Add([postedText, dateText, $"{hour + 1:D2}:00", Math.Round(load.Prices[i] * 1.04, 2), "A", false, repeated]);
        }
        return rows;
    }

    private static readonly (string Name, string Type)[] ActualLoadFields =
        [("operatingDay", "DATE"), ("hourEnding", "VARCHAR"), ("total", "DOUBLE"), ("DSTFlag", "BOOLEAN")];

    /// <summary>Actual system load: an hour appears once it has ended (operating days in [operatingDayFrom, operatingDayTo]).</summary>
    private List<object[]> ActualLoadRows(System.Collections.Specialized.NameValueCollection q)
    {
        if (_data.SystemLoad is not { } load) return [];
        var from = DateParam(q["operatingDayFrom"]) is { } f ? CentralPrevailingTime.StartOfDayUtc(f).UtcTicks : long.MinValue;
        var to = DateParam(q["operatingDayTo"]) is { } t ? CentralPrevailingTime.StartOfDayUtc(t.AddDays(1)).UtcTicks : long.MaxValue;
        var published = EmulatedNow.UtcTicks;
        var rows = new List<object[]>();
        for (var i = load.FirstStartingAtOrAfter(from); i < load.Count && load.StartTicks[i] < to && load.EndTicks[i] <= published; i++)
        {
            var (date, hour, _, repeated) = Local(load.StartTicks[i]);
            rows.Add([date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), $"{hour + 1:D2}:00", Math.Round(load.Prices[i], 2), repeated]);
        }
        return rows;
    }

    private (int, string, byte[], Dictionary<string, string>) Report(string emil, string name, (string Name, string Type)[] fields,
        List<object[]> rows, System.Collections.Specialized.NameValueCollection q)
    {
        var size = int.TryParse(q["size"], CultureInfo.InvariantCulture, out var s) && s > 0 ? Math.Min(s, 1_000_000) : 25_000;
        var page = int.TryParse(q["page"], CultureInfo.InvariantCulture, out var pg) && pg > 0 ? pg : 1;
        var totalPages = Math.Max(1, (rows.Count + size - 1) / size);
        var parameters = q.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => q[k]);
        return Json(200, new Dictionary<string, object>
        {
            ["_meta"] = new { totalRecords = rows.Count, pageSize = size, totalPages, currentPage = page, query = new { parameterCount = parameters.Count, parameters, sortedBy = "" } },
            ["report"] = new { reportName = name, reportDisplayName = name, reportId = 0, reportEMIL = emil.ToUpperInvariant(), downloadLimit = 0 },
            ["fields"] = fields.Select(f => new { name = f.Name, label = f.Name, dataType = f.Type, searchable = true, sortable = true, hasRange = f.Type != "VARCHAR", cardinality = 0 }),
            ["data"] = rows.Skip((page - 1) * size).Take(size),
            ["links"] = Array.Empty<object>(),
        });
    }

    private IEnumerable<KeyValuePair<string, PriceSeries>> Points(IReadOnlyDictionary<string, PriceSeries> all, string? point) =>
        point is null ? all : all.Where(kv => kv.Key == point);

    private static DateOnly? DateParam(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

    /// <summary>The CPT dates [from, to] as UTC ticks [start of from, start of the day after to).</summary>
    private static (long From, long To) DateRange(System.Collections.Specialized.NameValueCollection q)
    {
        var from = DateParam(q["deliveryDateFrom"]) is { } f ? CentralPrevailingTime.StartOfDayUtc(f).UtcTicks : long.MinValue;
        var to = DateParam(q["deliveryDateTo"]) is { } t ? CentralPrevailingTime.StartOfDayUtc(t.AddDays(1)).UtcTicks : long.MaxValue;
        return (from, to);
    }

    private List<object[]> RealTimeRows(System.Collections.Specialized.NameValueCollection q)
    {
        var (from, to) = DateRange(q);
        var published = EmulatedNow.UtcTicks;
        var rows = new List<(long, object[])>();
        foreach (var (point, series) in Points(_data.RealTime, q["settlementPoint"]))
            for (var i = series.FirstStartingAtOrAfter(from); i < series.Count && series.StartTicks[i] < to && series.EndTicks[i] <= published; i++)
                rows.Add((series.StartTicks[i], RealTimeRow(point, series.StartTicks[i], series.Prices[i])));
        return rows.OrderBy(r => r.Item1).Select(r => r.Item2).ToList();
    }

    private static object[] RealTimeRow(string point, long startTicks, double price)
    {
        var (date, hour, minute, repeated) = Local(startTicks);
        return [date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), hour + 1, minute / 15 + 1, point, SettlementPoints.IsKnown(point) ? SettlementPoints.TypeOf(point) : "RN", price, repeated];
    }

    private List<object[]> DamRows(System.Collections.Specialized.NameValueCollection q)
    {
        var (from, to) = DateRange(q);
        // The day-ahead market for a day is published at about 13:30 CPT the day before.
        var nowLocal = CentralPrevailingTime.ToLocal(EmulatedNow);
        var lastDate = DateOnly.FromDateTime(nowLocal.DateTime).AddDays(nowLocal.TimeOfDay >= new TimeSpan(13, 30, 0) ? 1 : 0);
        var lastTicks = CentralPrevailingTime.StartOfDayUtc(lastDate.AddDays(1)).UtcTicks;
        var rows = new List<(long, object[])>();
        foreach (var (point, series) in Points(_data.DayAhead, q["settlementPoint"]))
            for (var i = series.FirstStartingAtOrAfter(from); i < series.Count && series.StartTicks[i] < Math.Min(to, lastTicks); i++)
            {
                var (date, hour, _, repeated) = Local(series.StartTicks[i]);
                rows.Add((series.StartTicks[i], [date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), $"{hour + 1:D2}:00", point, series.Prices[i], repeated]));
            }
        return rows.OrderBy(r => r.Item1).Select(r => r.Item2).ToList();
    }

    /// <summary>A query parameter in Central Prevailing Time wall-clock seconds (the SCED and RTD reports' filters), as UTC ticks.</summary>
    private static long LocalTimeParam(System.Collections.Specialized.NameValueCollection q, string name, long fallback)
    {
        if (!DateTime.TryParse(q[name], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)) return fallback;
        return CentralPrevailingTime.LocalToUtc(DateOnly.FromDateTime(local), local.Hour, local.Minute, false, local.Second).UtcTicks;
    }

    private List<object[]> ScedRows(System.Collections.Specialized.NameValueCollection q)
    {
        var from = LocalTimeParam(q, "SCEDTimestampFrom", long.MinValue);
        var to = Math.Min(LocalTimeParam(q, "SCEDTimestampTo", long.MaxValue), EmulatedNow.UtcTicks + 1);
        var rows = new List<(long, object[])>();
        foreach (var (point, series) in Points(_data.Sced, q["settlementPoint"]))
            for (var i = series.FirstStartingAtOrAfter(from); i < series.Count && series.StartTicks[i] < to; i++)
            {
                var local = CentralPrevailingTime.ToLocal(new DateTimeOffset(series.StartTicks[i], TimeSpan.Zero));
                var (_, _, _, repeated) = Local(series.StartTicks[i]);
                rows.Add((series.StartTicks[i], [local.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture), repeated, point, series.Prices[i]]));
            }
        return rows.OrderBy(r => r.Item1).Select(r => r.Item2).ToList();
    }

    /// <summary>How many five-minute intervals an RTD run looks ahead.</summary>
    public const int RtdIntervals = 12;

    /// <summary>
    /// RTD runs (RTDTimestampFrom/To, CPT) at the SCED run times published by now; each gives the 12 five-minute
    /// intervals after the run's own, each priced at the SCED LMP in force when the interval starts. Intervals past
    /// the end of the history are left out.
    /// </summary>
    private List<object[]> RtdRows(System.Collections.Specialized.NameValueCollection q)
    {
        var from = LocalTimeParam(q, "RTDTimestampFrom", long.MinValue);
        var to = Math.Min(LocalTimeParam(q, "RTDTimestampTo", long.MaxValue), EmulatedNow.UtcTicks + 1);
        var step = TimeSpan.FromMinutes(5).Ticks;
        var rows = new List<object[]>();
        foreach (var (point, series) in Points(_data.Sced, q["settlementPoint"]))
            for (var i = series.FirstStartingAtOrAfter(from); i < series.Count && series.StartTicks[i] < to; i++)
            {
                var run = series.StartTicks[i];
                var (_, _, _, runRepeated) = Local(run);
                var runText = CentralPrevailingTime.ToLocal(new DateTimeOffset(run, TimeSpan.Zero)).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
                var first = run - run % step + step;
                for (var k = 0; k < RtdIntervals; k++)
                {
                    var start = first + k * step;
                    if (series.PriceAt(new DateTimeOffset(start, TimeSpan.Zero)) is not { } lmp) break;
                    var end = start + step;
                    var (_, _, _, endRepeated) = Local(end);
                    var endText = CentralPrevailingTime.ToLocal(new DateTimeOffset(end, TimeSpan.Zero)).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
                    rows.Add([runText, runRepeated, k + 1, endText, endRepeated, point, SettlementPoints.IsKnown(point) ? SettlementPoints.TypeOf(point) : "RN", lmp]);
                }
            }
        return rows;
    }

    /// <summary>CPT date, hour, minute of a UTC instant, and whether it is the second (CST) copy of a repeated hour.</summary>
    private static (DateOnly Date, int Hour, int Minute, bool Repeated) Local(long utcTicks)
    {
        var utc = new DateTimeOffset(utcTicks, TimeSpan.Zero);
        var local = CentralPrevailingTime.ToLocal(utc);
        var date = DateOnly.FromDateTime(local.DateTime);
        bool repeated;
        try { repeated = CentralPrevailingTime.LocalToUtc(date, local.Hour, local.Minute, false, local.Second) != utc; }
        catch (ArgumentException) { repeated = false; }
        return (date, local.Hour, local.Minute, repeated);
    }

    // Archive: one document per CPT delivery day, posted when the day's last interval has settled.
    private IEnumerable<DateOnly> ArchivedDays()
    {
        var publishedThrough = EmulatedNow;
        var first = CentralPrevailingTime.LocalDate(_data.EarliestRealTime);
        var last = CentralPrevailingTime.LocalDate(_data.RealTime.Values.Max(s => s.End).AddTicks(-1));
        for (var d = first; d <= last && CentralPrevailingTime.StartOfDayUtc(d.AddDays(1)) <= publishedThrough; d = d.AddDays(1))
            yield return d;
    }

    private (int, string, byte[], Dictionary<string, string>) ArchiveList(System.Collections.Specialized.NameValueCollection q)
    {
        var (from, to) = PostedRange(q);
        var docs = ArchivedDays()
            .Select(d => (Day: d, Posted: CentralPrevailingTime.StartOfDayUtc(d.AddDays(1))))
            .Where(x => (from is null || x.Posted >= from) && (to is null || x.Posted <= to))
            .ToList();
        return ArchivePage(q, docs, "NP6-905-CD", "Settlement Point Prices at Resource Nodes, Hubs and Load Zones",
            x => (DocId(x.Day), $"SPPHLZNP6905_{x.Day:yyyyMMdd}", x.Posted));
    }

    /// <summary>The archive listing's <c>postDatetimeFrom</c>/<c>postDatetimeTo</c> (CPT) as UTC; null when absent.</summary>
    private static (DateTimeOffset? From, DateTimeOffset? To) PostedRange(System.Collections.Specialized.NameValueCollection q)
    {
        DateTimeOffset? Param(string name) =>
            DateTime.TryParse(q[name], CultureInfo.InvariantCulture, DateTimeStyles.None, out var l)
                ? CentralPrevailingTime.LocalToUtc(DateOnly.FromDateTime(l), l.Hour, l.Minute, false, l.Second) : null;
        return (Param("postDatetimeFrom"), Param("postDatetimeTo"));
    }

    /// <summary>One page of a report's archive listing (ERCOT's envelope: _meta, product, archives with download links).</summary>
    private (int, string, byte[], Dictionary<string, string>) ArchivePage<T>(System.Collections.Specialized.NameValueCollection q, List<T> docs,
        string emilId, string productName, Func<T, (long DocId, string FriendlyName, DateTimeOffset Posted)> describe)
    {
        var size = int.TryParse(q["size"], CultureInfo.InvariantCulture, out var s) && s > 0 ? Math.Min(s, 1000) : 1000;
        var page = int.TryParse(q["page"], CultureInfo.InvariantCulture, out var pg) && pg > 0 ? pg : 1;
        return Json(200, new
        {
            _meta = new { totalRecords = docs.Count, pageSize = size, totalPages = Math.Max(1, (docs.Count + size - 1) / size), currentPage = page },
            product = new { emilId, name = productName },
            archives = docs.Skip((page - 1) * size).Take(size).Select(describe).Select(d => new
            {
                docId = d.DocId,
                friendlyName = d.FriendlyName,
                postDatetime = CentralPrevailingTime.ToLocal(d.Posted).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
                _links = new { endpoint = new { href = $"{BaseUrl}/archive/{emilId.ToLowerInvariant()}?download={d.DocId}" } },
            }),
        });
    }

    private static long DocId(DateOnly day) => day.Year * 10000L + day.Month * 100 + day.Day;

    private (int, string, byte[], Dictionary<string, string>) Download(string id)
    {
        if (!long.TryParse(id, CultureInfo.InvariantCulture, out var doc)) return Json(400, new { statusCode = 400, message = "download must be a docId" });
        var day = ArchivedDays().Cast<DateOnly?>().FirstOrDefault(d => DocId(d!.Value) == doc);
        if (day is null) return Json(404, new { statusCode = 404, message = $"no archive document {doc}" });
        var from = CentralPrevailingTime.StartOfDayUtc(day.Value).UtcTicks;
        var to = CentralPrevailingTime.StartOfDayUtc(day.Value.AddDays(1)).UtcTicks;
        var csv = new StringBuilder("DeliveryDate,DeliveryHour,DeliveryInterval,SettlementPointName,SettlementPointType,SettlementPointPrice,DSTFlag\r\n");
        foreach (var (point, series) in _data.RealTime)
            for (var i = series.FirstStartingAtOrAfter(from); i < series.Count && series.StartTicks[i] < to; i++)
            {
                var (date, hour, minute, repeated) = Local(series.StartTicks[i]);
                csv.Append(CultureInfo.InvariantCulture, $"{date:MM/dd/yyyy},{hour + 1:D2},{minute / 15 + 1},{point},{SettlementPoints.TypeOf(point)},{series.Prices[i]:0.00},{(repeated ? 'Y' : 'N')}\r\n");
            }
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = zip.CreateEntry($"cdr.00012301.0000000000000000.{day:yyyyMMdd}.SPPHLZNP6905_{day:yyyyMMdd}_csv.csv");
            using var w = new StreamWriter(entry.Open(), new UTF8Encoding(false));
            w.Write(csv.ToString());
        }
        return (200, "application/zip", buffer.ToArray(), []);
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        // Idempotent: a test may stop the feed mid-way and still dispose it at the end.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stop.CancelAsync();
        if (_listener.IsListening) _listener.Stop();
        _listener.Close();
        if (_loop is not null) await _loop;
        _stop.Dispose();
    }
}

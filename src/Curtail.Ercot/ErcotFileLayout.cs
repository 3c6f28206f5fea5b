namespace Curtail.Ercot;

/// <summary>The file layouts Curtail reads, recognised from the header row alone.</summary>
public enum ErcotFileLayout
{
    /// <summary>No layout recognised (not a price file, or a layout Curtail does not read).</summary>
    Unknown,
    /// <summary>Tidy real-time 15-minute hub prices: interval_start_utc, interval_start_local, settlement_point, spp.</summary>
    TidyRealTimeHubs,
    /// <summary>Tidy real-time 15-minute load-zone prices with the LZ/LZEW pair as spp_lo, spp_hi.</summary>
    TidyRealTimeLoadZones,
    /// <summary>ERCOT NP6-905-CD real-time 15-minute SPP (DeliveryDate, DeliveryHour, DeliveryInterval, ..., DSTFlag).</summary>
    Np6905Cd,
    /// <summary>ERCOT NP6-785-ER historical annual RTM hub and load-zone prices (sheet exported as CSV, spaced names).</summary>
    Np6785Er,
    /// <summary>Tidy day-ahead hourly SPP: delivery_date, hour_ending, repeated_hour_flag, interval_start_utc, settlement_point, spp.</summary>
    TidyDayAhead,
    /// <summary>ERCOT NP4-190-CD day-ahead hourly SPP (DeliveryDate, HourEnding "01:00", SettlementPoint, SettlementPointPrice, DSTFlag).</summary>
    Np4190Cd,
    /// <summary>ERCOT NP4-180-ER historical annual DAM hub and load-zone prices (Repeated Hour Flag instead of DSTFlag).</summary>
    Np4180Er,
    /// <summary>Tidy SCED LMPs: sced_timestamp_local, repeat_hour_flag, sced_timestamp_utc, settlement_point, lmp.</summary>
    TidySced,
    /// <summary>ERCOT NP6-788-CD SCED LMPs (SCEDTimestamp, RepeatedHourFlag, SettlementPoint, LMP).</summary>
    Np6788Cd,
    /// <summary>Tidy hourly native load by weather zone with interval_start_utc and ercot_mw.</summary>
    TidyNativeLoad,
    /// <summary>Daily hashprice: date, hashprice_usd_per_th_day (other columns ignored).</summary>
    HashpriceDaily,
    /// <summary>
    /// ERCOT NP6-905-CD after RTC+B (operating days from 2025-12-05): the same columns with DSTFlag renamed
    /// RepeatedHourFlag (gridstatus/gridstatus#736). Told from NP6-785-ER by ERCOT's unspaced MIS spelling.
    /// </summary>
    Np6905CdRtcB,
    /// <summary>ERCOT NP4-190-CD after RTC+B: DeliveryDate, HourEnding, SettlementPoint, SettlementPointPrice, RepeatedHourFlag.</summary>
    Np4190CdRtcB,
}

public static class ErcotFileLayouts
{
    /// <summary>Real-time 15-minute price layouts, the ones <see cref="Prices.PriceLoader"/> reads.</summary>
    public static bool IsRealTime(this ErcotFileLayout layout) =>
        layout is ErcotFileLayout.TidyRealTimeHubs or ErcotFileLayout.TidyRealTimeLoadZones or ErcotFileLayout.Np6905Cd or ErcotFileLayout.Np6785Er
        or ErcotFileLayout.Np6905CdRtcB;

    public static bool IsDayAhead(this ErcotFileLayout layout) =>
        layout is ErcotFileLayout.TidyDayAhead or ErcotFileLayout.Np4190Cd or ErcotFileLayout.Np4180Er or ErcotFileLayout.Np4190CdRtcB;

    /// <summary>The report and version a layout is, as readers and refusals name it.</summary>
    public static string VersionName(this ErcotFileLayout layout) => layout switch
    {
        ErcotFileLayout.Np6905Cd => "NP6-905-CD v1 (DSTFlag; operating days before 2025-12-05)",
        ErcotFileLayout.Np6905CdRtcB => "NP6-905-CD v2 RTC+B (RepeatedHourFlag; operating days from 2025-12-05)",
        ErcotFileLayout.Np6785Er => "NP6-785-ER annual RTM workbook export (spaced names, Repeated Hour Flag)",
        ErcotFileLayout.Np4190Cd => "NP4-190-CD v1 (DSTFlag; before RTC+B)",
        ErcotFileLayout.Np4190CdRtcB => "NP4-190-CD v2 RTC+B (RepeatedHourFlag; from 2025-12-05)",
        ErcotFileLayout.Np4180Er => "NP4-180-ER annual DAM workbook export (spaced names, Repeated Hour Flag)",
        ErcotFileLayout.Np6788Cd => "NP6-788-CD (SCEDTimestamp, RepeatedHourFlag, SettlementPoint, LMP; unchanged by RTC+B)",
        ErcotFileLayout.TidyRealTimeHubs => "tidy rtm_spp hubs",
        ErcotFileLayout.TidyRealTimeLoadZones => "tidy rtm_spp load zones",
        ErcotFileLayout.TidyDayAhead => "tidy dam_spp",
        ErcotFileLayout.TidySced => "tidy sced_lmp",
        ErcotFileLayout.TidyNativeLoad => "tidy native load",
        ErcotFileLayout.HashpriceDaily => "daily hashprice",
        _ => "unknown",
    };

    /// <summary>The versions a reader of a kind of file knows, for its refusal of a file in any other layout.</summary>
    public static string KnownVersions(Func<ErcotFileLayout, bool> kind) =>
        string.Join("; ", Enum.GetValues<ErcotFileLayout>().Where(l => l != ErcotFileLayout.Unknown && kind(l)).Select(VersionName));

    /// <summary>
    /// The refusal of a file whose header is no layout of the kind a reader reads: the file, the columns found and the
    /// versions known, so a new ERCOT format is reported as such and not as a pile of bad rows.
    /// </summary>
    public static string Refusal(string path, string kindName, Func<ErcotFileLayout, bool> kind)
    {
        string header;
        try
        {
            using var reader = Csv.Utf8LineReader.Open(path);
            header = reader.TryReadLine(out var line) ? Csv.CsvHeader.Parse(line).Text : "(empty file)";
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException)
        {
            header = $"(unreadable: {ex.Message})";
        }
        var found = Detect(path);
        return $"not a {kindName} layout Curtail knows (recognised as: {found.VersionName()}); columns found: {header.Trim()}; versions known: {KnownVersions(kind)}";
    }

    public static bool IsSced(this ErcotFileLayout layout) => layout is ErcotFileLayout.TidySced or ErcotFileLayout.Np6788Cd;

    /// <summary>The layout of a file (plain or gzip), from its header row.</summary>
    public static ErcotFileLayout Detect(string path)
    {
        using var reader = Csv.Utf8LineReader.Open(path);
        return reader.TryReadLine(out var line) ? Detect(Csv.CsvHeader.Parse(line)) : ErcotFileLayout.Unknown;
    }

    internal static ErcotFileLayout Detect(Csv.CsvHeader h)
    {
        if (h.Has("deliverydate", "deliveryhour", "deliveryinterval", "settlementpointname", "settlementpointtype", "settlementpointprice"))
            return h.Has("dstflag") ? ErcotFileLayout.Np6905Cd
                : !h.Has("repeatedhourflag") ? ErcotFileLayout.Unknown
                : MisSpelling(h, "DeliveryDate") ? ErcotFileLayout.Np6905CdRtcB : ErcotFileLayout.Np6785Er;
        if (h.Has("intervalstartutc", "settlementpoint", "spplo", "spphi")) return ErcotFileLayout.TidyRealTimeLoadZones;
        if (h.Has("intervalstartutc", "settlementpoint", "spp"))
            return h.Has("hourending") ? ErcotFileLayout.TidyDayAhead : ErcotFileLayout.TidyRealTimeHubs;
        if (h.Has("deliverydate", "hourending", "settlementpoint", "settlementpointprice"))
            return h.Has("dstflag") ? ErcotFileLayout.Np4190Cd
                : !h.Has("repeatedhourflag") ? ErcotFileLayout.Unknown
                : MisSpelling(h, "DeliveryDate") ? ErcotFileLayout.Np4190CdRtcB : ErcotFileLayout.Np4180Er;
        if (h.Has("scedtimestamputc", "settlementpoint", "lmp")) return ErcotFileLayout.TidySced;
        if (h.Has("scedtimestamp", "repeatedhourflag", "settlementpoint", "lmp")) return ErcotFileLayout.Np6788Cd;
        if (h.Has("intervalstartutc", "ercotmw")) return ErcotFileLayout.TidyNativeLoad;
        if (h.Has("date", "hashpriceusdperthday")) return ErcotFileLayout.HashpriceDaily;
        return ErcotFileLayout.Unknown;
    }

    /// <summary>ERCOT's MIS CSVs spell names as one word ("DeliveryDate"); its annual workbook exports with spaces.</summary>
    private static bool MisSpelling(Csv.CsvHeader h, string name) =>
        h.Text.Split(',').Any(f => string.Equals(f.Trim().Trim('"'), name, StringComparison.Ordinal));
}

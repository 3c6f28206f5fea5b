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
}

public static class ErcotFileLayouts
{
    /// <summary>Real-time 15-minute price layouts, the ones <see cref="Prices.PriceLoader"/> reads.</summary>
    public static bool IsRealTime(this ErcotFileLayout layout) =>
        layout is ErcotFileLayout.TidyRealTimeHubs or ErcotFileLayout.TidyRealTimeLoadZones or ErcotFileLayout.Np6905Cd or ErcotFileLayout.Np6785Er;

    public static bool IsDayAhead(this ErcotFileLayout layout) =>
        layout is ErcotFileLayout.TidyDayAhead or ErcotFileLayout.Np4190Cd or ErcotFileLayout.Np4180Er;

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
            return h.Has("dstflag") ? ErcotFileLayout.Np6905Cd : h.Has("repeatedhourflag") ? ErcotFileLayout.Np6785Er : ErcotFileLayout.Unknown;
        if (h.Has("intervalstartutc", "settlementpoint", "spplo", "spphi")) return ErcotFileLayout.TidyRealTimeLoadZones;
        if (h.Has("intervalstartutc", "settlementpoint", "spp"))
            return h.Has("hourending") ? ErcotFileLayout.TidyDayAhead : ErcotFileLayout.TidyRealTimeHubs;
        if (h.Has("deliverydate", "hourending", "settlementpoint", "settlementpointprice"))
            return h.Has("dstflag") ? ErcotFileLayout.Np4190Cd : h.Has("repeatedhourflag") ? ErcotFileLayout.Np4180Er : ErcotFileLayout.Unknown;
        if (h.Has("scedtimestamputc", "settlementpoint", "lmp")) return ErcotFileLayout.TidySced;
        if (h.Has("scedtimestamp", "repeatedhourflag", "settlementpoint", "lmp")) return ErcotFileLayout.Np6788Cd;
        if (h.Has("intervalstartutc", "ercotmw")) return ErcotFileLayout.TidyNativeLoad;
        if (h.Has("date", "hashpriceusdperthday")) return ErcotFileLayout.HashpriceDaily;
        return ErcotFileLayout.Unknown;
    }
}

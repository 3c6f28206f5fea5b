using System.Globalization;
using Curtail.Core;
using Curtail.Core.Time;

namespace Curtail.Ercot.Prices;

/// <summary>One ancillary-service clearing price of one SCED run (NP6-332-CD), in $/MW per hour of capacity.</summary>
public sealed record McpcPrice(DateTimeOffset ScedUtc, string AsType, double Mcpc);

/// <summary>
/// ERCOT NP6-332-CD, "Real-Time Clearing Prices for Capacity by SCED Interval", posted with every SCED run since RTC+B
/// went live (operating day 2025-12-05): SCEDTimestamp (CPT), RepeatedHourFlag, ASType (REGUP, REGDN, RRS, ECRS,
/// NSPIN), MCPC. Layout as gridstatus reads it (gridstatus/gridstatus, Ercot.get_mcpc_sced, report type 24891). A
/// file with other columns is refused, naming the file, the columns found and the version known.
/// </summary>
public static class McpcScedReader
{
    public const string KnownVersion = "NP6-332-CD v1 (SCEDTimestamp, RepeatedHourFlag, ASType, MCPC; from 2025-12-05)";

    public static IReadOnlyList<McpcPrice> Read(TextReader reader, string source)
    {
        var headerLine = reader.ReadLine() ?? throw new InvalidInputException(source, 1, "empty file; expected " + KnownVersion);
        var header = headerLine.Split(',').Select(h => Csv.CsvHeader.Normalise(h)).ToList();
        int Col(string name) => header.IndexOf(name);
        int ts = Col("scedtimestamp"), flag = Col("repeatedhourflag") >= 0 ? Col("repeatedhourflag") : Col("repeathourflag"), type = Col("astype"), price = Col("mcpc");
        if (ts < 0 || flag < 0 || type < 0 || price < 0)
            throw new InvalidInputException(source, 1, $"not an MCPC-by-SCED layout Curtail knows; columns found: {headerLine.Trim()}; versions known: {KnownVersion}");
        var result = new List<McpcPrice>();
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            var f = line.Split(',').Select(x => x.Trim().Trim('"')).ToArray();
            if (f.Length < header.Count) throw new InvalidInputException(source, lineNumber, $"{f.Length} fields, the header has {header.Count}");
            if (!DateTime.TryParse(f[ts], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
                throw new InvalidInputException(source, lineNumber, $"SCEDTimestamp '{f[ts]}' is not a time like 12/07/2025 00:00:17");
            var repeated = f[flag] switch
            {
                "Y" or "y" or "true" or "True" => true,
                "N" or "n" or "false" or "False" => false,
                _ => throw new InvalidInputException(source, lineNumber, $"repeated-hour flag '{f[flag]}' is not Y or N"),
            };
            if (!double.TryParse(f[price], NumberStyles.Float, CultureInfo.InvariantCulture, out var mcpc) || !double.IsFinite(mcpc))
                throw new InvalidInputException(source, lineNumber, $"MCPC '{f[price]}' is not a number");
            if (f[type].Length == 0) throw new InvalidInputException(source, lineNumber, "ASType is empty");
            var utc = CentralPrevailingTime.LocalToUtc(DateOnly.FromDateTime(local), local.Hour, local.Minute, repeated, local.Second);
            result.Add(new McpcPrice(utc, f[type].ToUpperInvariant(), mcpc));
        }
        return result;
    }
}

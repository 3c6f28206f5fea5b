using Curtail.Core;

namespace Curtail.Ercot;

/// <summary>
/// Finds the data folder shipped in the repository (data/ercot, data/bitcoin). Users run Curtail from a clone, so
/// walking up from the binary or the working directory finds it; CURTAIL_DATA overrides both.
/// </summary>
public sealed class ShippedData
{
    public const string EnvironmentVariable = "CURTAIL_DATA";

    private ShippedData(string root) => Root = root;

    /// <summary>The data folder itself (the one holding ercot/ and bitcoin/).</summary>
    public string Root { get; }
    public string ErcotDirectory => Path.Combine(Root, "ercot");
    public string HashpriceFile => Path.Combine(Root, "bitcoin", "hashprice_daily.csv.gz");

    /// <summary>The 2021–2023 day-ahead file; <see cref="DayAheadFiles"/> lists every year shipped (2024 is a file of its own).</summary>
    public string DayAheadFile => Path.Combine(ErcotDirectory, "dam_spp_hourly_2021_2023.csv.gz");

    /// <summary>The 2021–2023 native load file; <see cref="NativeLoadFiles"/> lists every year shipped (2024 is a file of its own).</summary>
    public string NativeLoadFile => Path.Combine(ErcotDirectory, "native_load_hourly_2021_2023.csv.gz");

    /// <summary>SCED LMPs of the whole of 2024, one row per SCED run, 5 hubs.</summary>
    public string ScedFile => Path.Combine(ErcotDirectory, "sced_lmp_5min_hubs_2024.csv.gz");

    /// <summary>
    /// The demo's AS clearing prices per SCED run for 2024-05-08 and -09: SYNTHETIC, shaped by those days' HB_WEST SCED
    /// LMPs (tools/derive_demo_mcpc.py, docs/data-sources.md); no real MCPC history is shipped.
    /// </summary>
    public string DemoMcpcFile => Path.Combine(ErcotDirectory, "mcpc_sced_demo_2024-05-08_derived.csv.gz");

    /// <summary>Every shipped day-ahead file (dam_spp_hourly_*.csv.gz: 2021_2023, 2024), oldest first.</summary>
    public IReadOnlyList<string> DayAheadFiles => Existing("dam_spp_hourly_*.csv.gz");

    /// <summary>Every shipped native load file (native_load_hourly_*.csv.gz: 2021_2023, 2024), oldest first.</summary>
    public IReadOnlyList<string> NativeLoadFiles => Existing("native_load_hourly_*.csv.gz");

    /// <summary>Every shipped SCED LMP file (sced_lmp_5min_hubs_*.csv.gz), oldest first.</summary>
    public IReadOnlyList<string> ScedFiles => Existing("sced_lmp_5min_hubs_*.csv.gz");

    private List<string> Existing(string pattern) =>
        Directory.Exists(ErcotDirectory)
            ? Directory.GetFiles(ErcotDirectory, pattern).Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>ERCOT native load (MW) of every shipped year as one hourly series; null when none is shipped.</summary>
    public Core.Prices.PriceSeries? ReadNativeLoad()
    {
        var files = NativeLoadFiles;
        return files.Count == 0 ? null : Core.Prices.PriceSeries.Concat(files.Select(f => Load.NativeLoadReader.Read(f).Series.ToPriceSeries()));
    }

    public string RealTimeHubsFile(int year) => Path.Combine(ErcotDirectory, $"rtm_spp_hubs_15min_{year}.csv.gz");
    public string RealTimeLoadZonesFile(int year) => Path.Combine(ErcotDirectory, $"rtm_spp_loadzones_15min_{year}.csv.gz");

    /// <summary>Locates the data folder from CURTAIL_DATA, AppContext.BaseDirectory and the current directory.</summary>
    public static ShippedData Locate() =>
        Locate(Environment.GetEnvironmentVariable(EnvironmentVariable), [AppContext.BaseDirectory, Directory.GetCurrentDirectory()]);

    /// <summary>
    /// Locates the data folder: <paramref name="overridePath"/> when set (the data folder, or a folder containing
    /// data/), else the first ancestor of a start directory (itself included) that contains data/ercot.
    /// </summary>
    public static ShippedData Locate(string? overridePath, IEnumerable<string> startDirectories)
    {
        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            if (Directory.Exists(Path.Combine(overridePath, "ercot"))) return new ShippedData(Path.GetFullPath(overridePath));
            if (Directory.Exists(Path.Combine(overridePath, "data", "ercot"))) return new ShippedData(Path.GetFullPath(Path.Combine(overridePath, "data")));
            throw new InvalidInputException(EnvironmentVariable, null,
                $"'{overridePath}' has neither an ercot/ nor a data/ercot/ folder; point {EnvironmentVariable} at the repository's data folder");
        }
        var searched = new List<string>();
        foreach (var start in startDirectories)
        {
            for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "data");
                if (Directory.Exists(Path.Combine(candidate, "ercot"))) return new ShippedData(candidate);
            }
            searched.Add(start);
        }
        throw new InvalidInputException(
            $"shipped data not found: no data/ercot folder in {string.Join(" or ", searched)} or any folder above; " +
            $"run from the Curtail repository or set {EnvironmentVariable} to its data folder");
    }
}

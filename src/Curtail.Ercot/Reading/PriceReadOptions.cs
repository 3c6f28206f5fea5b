namespace Curtail.Ercot.Reading;

/// <summary>How readers treat rows they cannot trust and which of several published prices they pick.</summary>
public sealed record PriceReadOptions
{
    public static PriceReadOptions Strict { get; } = new();

    /// <summary>
    /// False (default): a file with any problem is refused with an InvalidInputException naming the first problems
    /// and their count. True: bad rows are dropped, missing intervals are left as gaps, and every problem is
    /// returned with the result.
    /// </summary>
    public bool SkipBadRows { get; init; }

    /// <summary>Which value of a tidy load-zone file (spp_lo/spp_hi) becomes the price; see <see cref="LoadZonePrice"/>.</summary>
    public LoadZonePrice LoadZonePrice { get; init; } = LoadZonePrice.High;

    /// <summary>
    /// Real ERCOT files also list resource nodes and DC ties that Curtail has no use for. True ignores rows of
    /// unknown settlement points instead of reporting them.
    /// </summary>
    public bool IgnoreUnknownPoints { get; init; }
}

/// <summary>
/// The tidy load-zone files carry two values per zone and interval because their source mixed ERCOT's LZ and LZEW
/// (energy-weighted) prices without telling which is which (docs/data-sources.md). Neither column is exactly the LZ
/// price; they agree in most intervals and differ by cents to a few tens of dollars otherwise.
/// </summary>
public enum LoadZonePrice
{
    /// <summary>The lower of the two published values.</summary>
    Low,
    /// <summary>The higher of the two: the default, because a load that assumes the higher price never overstates its margin.</summary>
    High,
    /// <summary>The average of the two.</summary>
    Mid,
}

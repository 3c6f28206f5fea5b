namespace Curtail.Ercot.Api;

/// <summary>Where the ERCOT Public API is and how politely to use it.</summary>
public sealed record ErcotApiOptions
{
    public const string DefaultBaseUrl = "https://api.ercot.com/api/public-reports";
    public const string DefaultTokenUrl = "https://ercotb2c.b2clogin.com/ercotb2c.onmicrosoft.com/B2C_1_PUBAPI-ROPC-FLOW/oauth2/v2.0/token";
    public const string ClientId = "fec253ea-0d06-4272-a5e6-b478baeecd70";

    public Uri BaseUrl { get; init; } = new(DefaultBaseUrl);
    public Uri TokenUrl { get; init; } = new(DefaultTokenUrl);

    /// <summary>ERCOT staff: about 30 calls per 60 seconds.</summary>
    public int RequestsPerMinute { get; init; } = 30;
    public int PageSize { get; init; } = 50_000;
    public int MaxRetries { get; init; } = 5;
    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Row queries only cover recent data; older days come from the archive.</summary>
    public TimeSpan ArchiveAfter { get; init; } = TimeSpan.FromDays(90);

    /// <summary>Renew the ID token this long before it expires.</summary>
    public TimeSpan TokenRefreshMargin { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Options for a base URL such as an emulator's; its token endpoint is then at /b2c/token on the same host.</summary>
    public static ErcotApiOptions ForBaseUrl(string baseUrl, string? tokenUrl = null)
    {
        var b = new Uri(baseUrl.TrimEnd('/'));
        return new ErcotApiOptions { BaseUrl = b, TokenUrl = tokenUrl is null ? new Uri(b, "/b2c/token") : new Uri(tokenUrl) };
    }
}

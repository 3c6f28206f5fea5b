using System.Net;
using Curtail.Core;
using Curtail.Ercot.Api;

namespace Curtail.Ercot.Tests.Api;

public class ErcotApiClientTests
{
    private static readonly ErcotApiCredentials Creds = new("user@example.com", "s3cret-pass", "key-123");
    private static readonly DateTimeOffset Now = new(2024, 1, 20, 12, 0, 0, TimeSpan.Zero);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static (ErcotApiClient Client, ScriptedHandler Handler) Client(Func<HttpRequestMessage, int, HttpResponseMessage> answer, TimeProvider? time = null)
    {
        var handler = new ScriptedHandler(answer);
        var options = ErcotApiOptions.ForBaseUrl("http://127.0.0.1:9/api/public-reports") with { FirstBackoff = TimeSpan.FromMilliseconds(1), RequestsPerMinute = 1000 };
        return (new ErcotApiClient(new HttpClient(handler), Creds, options, time ?? new FixedTime(Now)), handler);
    }

    [Fact]
    public void Credentials_never_show_in_text_and_incomplete_ones_name_what_is_missing()
    {
        Assert.DoesNotContain("s3cret", Creds.ToString());
        Assert.DoesNotContain("key-123", Creds.ToString());
        var ex = Assert.Throws<InvalidInputException>(() => ErcotApiCredentials.FromEnvironment(k => k == ErcotApiCredentials.UsernameVariable ? "u" : null));
        Assert.Contains(ErcotApiCredentials.PasswordVariable, ex.Message);
        Assert.Null(ErcotApiCredentials.FromEnvironment(_ => null));
    }

    [Fact]
    public void Secrets_file_is_read_and_bad_lines_are_reported_by_line_without_values()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "# ERCOT\nERCOT_API_USERNAME=a@b.c\nERCOT_API_PASSWORD=pw=with=equals\nERCOT_API_SUBSCRIPTION_KEY=k\n");
            var c = ErcotApiCredentials.FromFile(path);
            Assert.Equal("pw=with=equals", c.Password);
            File.WriteAllText(path, "ERCOT_API_USERNAME=a@b.c\nPASSWORD hunter2\n");
            var ex = Assert.Throws<InvalidInputException>(() => ErcotApiCredentials.FromFile(path));
            Assert.Contains(":2:", ex.Message);
            Assert.DoesNotContain("hunter2", ex.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task Sends_both_headers_requests_a_password_grant_token_and_reads_every_page()
    {
        var (client, handler) = Client((req, n) =>
        {
            if (req.Method == HttpMethod.Post) return ScriptedHandler.Token("id-tok");
            var page = req.RequestUri!.Query.Contains("page=2") ? 2 : 1;
            return ScriptedHandler.Json(page == 1
                ? ScriptedHandler.RealTimePage(1, 2, ["2024-01-15", 1, 1, "HB_WEST", "HU", 20.5, false], ["2024-01-15", 1, 2, "HB_WEST", "HU", 21.5, false])
                : ScriptedHandler.RealTimePage(2, 2, ["2024-01-15", 1, 3, "HB_WEST", "HU", 22.5, false]));
        });
        var from = new DateTimeOffset(2024, 1, 15, 6, 0, 0, TimeSpan.Zero);
        var prices = await client.GetPricesAsync(ErcotReport.RealTimeSpp, "HB_WEST", from, from.AddHours(1), CancellationToken.None);
        Assert.Equal([20.5, 21.5, 22.5], prices.Select(p => p.Price));
        Assert.Equal(from.AddMinutes(30), prices[2].StartUtc); // HE1 interval 3 = 00:30 CST = 06:30Z
        var token = handler.Bodies[0];
        Assert.Contains("grant_type=password", token);
        Assert.Contains("response_type=id_token", token);
        Assert.Contains("client_id=fec253ea-0d06-4272-a5e6-b478baeecd70", token);
        foreach (var get in handler.Requests.Where(r => r.Method == HttpMethod.Get))
        {
            Assert.Equal("key-123", get.Headers.GetValues("Ocp-Apim-Subscription-Key").Single());
            Assert.Equal("Bearer id-tok", get.Headers.Authorization!.ToString());
            Assert.Contains("settlementPoint=HB_WEST", get.RequestUri!.Query);
            Assert.Contains("deliveryDateFrom=2024-01-15", get.RequestUri!.Query);
        }
        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public async Task Backs_off_on_429_and_renews_the_token_on_401_and_before_expiry()
    {
        var time = new FixedTime(Now);
        var tokens = 0;
        var (client, handler) = Client((req, n) =>
        {
            if (req.Method == HttpMethod.Post) return ScriptedHandler.Token($"t{++tokens}", 3600);
            return n switch
            {
                2 => new HttpResponseMessage(HttpStatusCode.TooManyRequests),
                3 => new HttpResponseMessage(HttpStatusCode.Unauthorized),
                _ => ScriptedHandler.Json(ScriptedHandler.RealTimePage(1, 1, ["2024-01-15", 1, 1, "HB_WEST", "HU", 20.5, false])),
            };
        }, time);
        var from = new DateTimeOffset(2024, 1, 15, 6, 0, 0, TimeSpan.Zero);
        var prices = await client.GetPricesAsync(ErcotReport.RealTimeSpp, "HB_WEST", from, from.AddHours(1), CancellationToken.None);
        Assert.Single(prices);
        Assert.Equal(2, client.Tokens.Fetches);
        Assert.Equal("Bearer t2", handler.Requests.Last().Headers.Authorization!.ToString());

        time.Now += TimeSpan.FromMinutes(56); // inside the refresh margin of the 60-minute token
        await client.GetPricesAsync(ErcotReport.RealTimeSpp, "HB_WEST", from, from.AddHours(1), CancellationToken.None);
        Assert.Equal(3, client.Tokens.Fetches);
    }

    [Fact]
    public async Task Gives_up_after_the_retries_with_the_status_and_never_the_secrets()
    {
        var (client, _) = Client((req, n) => req.Method == HttpMethod.Post ? ScriptedHandler.Token() : new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        var from = new DateTimeOffset(2024, 1, 15, 6, 0, 0, TimeSpan.Zero);
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => client.GetPricesAsync(ErcotReport.RealTimeSpp, "HB_WEST", from, from.AddHours(1), CancellationToken.None));
        Assert.Contains("503", ex.Message);
        Assert.DoesNotContain("key-123", ex.Message);
        Assert.Equal(6, client.RequestsSent); // the first try and five retries
    }

    [Fact]
    public async Task A_refused_password_is_a_clear_error()
    {
        var (client, _) = Client((req, n) => new HttpResponseMessage(HttpStatusCode.BadRequest));
        var from = new DateTimeOffset(2024, 1, 15, 6, 0, 0, TimeSpan.Zero);
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => client.GetPricesAsync(ErcotReport.DayAheadSpp, "HB_WEST", from, from.AddHours(1), CancellationToken.None));
        Assert.Contains("username and password", ex.Message);
        Assert.DoesNotContain("s3cret", ex.Message);
    }

    [Fact]
    public async Task Rate_limiter_holds_the_thirty_first_call_until_the_minute_has_passed()
    {
        var time = new Curtail.Core.Time.ManualTimeProvider(Now);
        var limiter = new RequestRateLimiter(30, time);
        for (var i = 0; i < 30; i++) await limiter.WaitAsync(CancellationToken.None);
        var blocked = limiter.WaitAsync(CancellationToken.None);
        await Task.Delay(50);
        Assert.False(blocked.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(61));
        await blocked.WaitAsync(TimeSpan.FromSeconds(5));
    }
}

/// <summary>The API reply layouts by version: the post-RTC+B flag name is read; an unknown field list is refused before any row.</summary>
public sealed class ErcotApiLayoutTests
{
    [Fact]
    public void BothVersionsAreIdentifiedAndAnUnknownOneIsRefusedNamingFieldsAndVersions()
    {
        Assert.Equal("DSTFlag", ErcotApiLayouts.Identify(ErcotReport.RealTimeSpp,
            ["deliveryDate", "deliveryHour", "deliveryInterval", "settlementPoint", "settlementPointType", "settlementPointPrice", "DSTFlag"]).Flag);
        Assert.StartsWith("NP4-190-CD v2 RTC+B", ErcotApiLayouts.Identify(ErcotReport.DayAheadSpp,
            ["deliveryDate", "hourEnding", "settlementPoint", "settlementPointPrice", "RepeatedHourFlag"]).Name);
        var e = Assert.Throws<Curtail.Core.InvalidInputException>(() => ErcotApiLayouts.Identify(ErcotReport.RealTimeSpp,
            ["deliveryDate", "deliveryHour", "deliveryInterval", "settlementPoint", "settlementPointPrice", "intervalRepeatFlag"]));
        Assert.Contains("/np6-905-cd/spp_node_zone_hub", e.Message);
        Assert.Contains("fields found: deliveryDate, deliveryHour, deliveryInterval, settlementPoint, settlementPointPrice, intervalRepeatFlag", e.Message);
        Assert.Contains("NP6-905-CD v1 (DSTFlag)", e.Message);
        Assert.Contains("NP6-905-CD v2 RTC+B (RepeatedHourFlag)", e.Message);
    }
}

using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Curtail.Controller.Tests;

/// <summary>
/// Every mapped GET endpoint answers in snake_case (keys, and the keys of objects keyed by data such as miner states),
/// with enums as snake_case strings, times as ISO 8601 with their offset, and rounded numbers; the OpenAPI document
/// lists every API route, in the same casing.
/// </summary>
[Collection(ExclusiveMetrics.Name)]
public sealed partial class ApiCasingTests
{
    /// <summary>Objects whose keys are data (instrument names, miner states), not field names.</summary>
    private static readonly string[] DataKeyed = ["/api/metrics:$", "miners_by_state", "by_state"];

    /// <summary>Keys whose values are enums: each must be a snake_case string (flags: comma-separated snake_case names).</summary>
    private static readonly HashSet<string> EnumKeys =
        ["mode", "family", "state", "program", "engine_state", "alarms", "issues", "source", "outcome", "dir", "kind", "contract", "shed", "role", "cadence"];

    /// <summary>Free text from operators, firmwares and site files: may hold any words.</summary>
    private static readonly HashSet<string> FreeText =
        ["model", "firmware", "name", "group", "id", "error", "reason", "note", "dr_credits_note", "message", "detail", "summary", "title", "description",
         "site", "actor", "who", "by", "changed_by", "target", "change", "text", "problem", "link_problem", "command", "action", "miner", "path", "unit"];

    /// <summary>Keys whose values are instants: ISO 8601 with an offset, never "long ago" or a number.</summary>
    private static readonly HashSet<string> TimeKeys =
        ["time", "from", "to", "start", "end", "since", "until", "last_seen", "deadline", "issued_at", "received_at", "released_at", "release_at",
         "target_met_at", "decided_at", "at", "read_at", "expires_at", "minute_start", "started_at", "updated_at", "created_at", "now"];

    [Fact]
    public async Task EveryGetEndpointAnswersInSnakeCaseAndIsInTheOpenApiDocument()
    {
        await using var site = await ObservedSite.StartAsync(miners: 3);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await site.ForceCurtailAsync()).StatusCode);
        var decisionId = JsonDocument.Parse(await site.Http.GetStringAsync("/api/decisions?limit=1")).RootElement[0].GetProperty("id").GetString()!;
        var routes = site.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains("GET") == true)
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/')).Distinct().ToList();
        var api = routes.Where(r => r.StartsWith("/api/", StringComparison.Ordinal)).ToList();
        Assert.True(api.Count >= 10, string.Join(", ", api));

        var checkedKeys = 0;
        foreach (var route in api)
        {
            var response = await site.Http.GetAsync(route.Replace("{id}", route.StartsWith("/api/decisions", StringComparison.Ordinal) ? decisionId : "no-such-event"));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.Content.Headers.ContentType?.MediaType == "application/json", $"{route}: {response.Content.Headers.ContentType}");
            Assert.DoesNotContain("long ago", body);
            Assert.DoesNotMatch(@"\d\.\d*0000000000\d", body);
            checkedKeys += Walk(JsonDocument.Parse(body).RootElement, route + ":$", route);
        }
        Assert.True(checkedKeys > 200, $"only {checkedKeys} keys walked");

        // The decision record itself (inputs, decision, miner results), migrated or new, in the same shape as the status.
        var record = JsonDocument.Parse(await site.Http.GetStringAsync($"/api/decisions/{decisionId}")).RootElement;
        Assert.Equal(JsonValueKind.Array, record.GetProperty("inputs").GetProperty("groups").ValueKind);
        Assert.True(record.GetProperty("inputs").TryGetProperty("in_four_cp_window", out _));
        Assert.True(record.GetProperty("decision").TryGetProperty("target_kw", out _));
        // Why each group got its mode: an enum name in the same snake_case, in the field and in the price limit's detail.
        var groups = record.GetProperty("decision").GetProperty("groups").EnumerateArray().ToList();
        Assert.NotEmpty(groups);
        Assert.All(groups, g => Assert.Matches(SnakeCase(), g.GetProperty("reason").GetString()!));
        Assert.All(record.GetProperty("decision").GetProperty("limits").EnumerateArray(),
            l => Assert.DoesNotMatch(@"\((AlwaysOn|NoSettledPrice|BelowStrike|AboveStrike|HysteresisHold|BelowResumeStrike|Forecast[A-Za-z]+)\)", l.GetProperty("detail").GetString()!));
        // The miners as the status shows them: modes in the same snake_case as everywhere else.
        var status = JsonDocument.Parse(await site.Http.GetStringAsync("/api/status")).RootElement;
        Assert.All(status.GetProperty("miners").EnumerateArray(), m => Assert.Matches(SnakeCase(), m.GetProperty("mode").GetString()!));

        var openApiDocument = JsonDocument.Parse(await site.Http.GetStringAsync("/openapi/v1.json")).RootElement;
        WalkOpenApi(openApiDocument, "$");
        var openApi = openApiDocument.GetProperty("paths");
        var documented = openApi.EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var route in api) Assert.Contains(route, documented);
        Assert.Contains("/api/audit", documented);
        var auditParameters = openApi.GetProperty("/api/audit").GetProperty("get").GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        foreach (var filter in new[] { "miner", "command", "outcome", "action", "since", "until", "limit" }) Assert.Contains(filter, auditParameters);
    }

    [Fact]
    public void AnOlderRecordsGroupReasonsAreReadInSnakeCaseWhileAnOperatorsReasonIsKeptAsWritten()
    {
        var migrated = Curtail.Controller.Api.ApiJson.Migrate(
            """{"groups":[{"group":"s19","reason":"HysteresisHold"},{"group":"m50","reason":"ForecastScedCurtail"}],"override":{"reason":"Storm Watch"}}""")!;
        Assert.Equal("hysteresis_hold", (string?)migrated["groups"]![0]!["reason"]);
        Assert.Equal("forecast_sced_curtail", (string?)migrated["groups"]![1]!["reason"]);
        Assert.Equal("Storm Watch", (string?)migrated["override"]!["reason"]);
    }

    private static int Walk(JsonElement e, string path, string route)
    {
        var n = 0;
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var dataKeyed = DataKeyed.Any(d => path.EndsWith(d, StringComparison.Ordinal) || path == d);
                foreach (var p in e.EnumerateObject())
                {
                    if (!dataKeyed)
                    {
                        Assert.True(SnakeCase().IsMatch(p.Name), $"{route}: key '{p.Name}' at {path} is not snake_case");
                        n++;
                    }
                    else if (path != "/api/metrics:$") Assert.True(SnakeCase().IsMatch(p.Name), $"{route}: data key '{p.Name}' at {path} is not snake_case");
                    CheckValue(p.Name, p.Value, $"{path}.{p.Name}", route);
                    n += Walk(p.Value, $"{path}.{p.Name}", route);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray()) n += Walk(item, path + "[]", route);
                break;
        }
        return n;
    }

    private static void CheckValue(string key, JsonElement value, string path, string route)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            if (EnumKeys.Contains(key))
                Assert.True(text.Split(", ").All(SnakeCase().IsMatch), $"{route}: enum '{text}' at {path} is not a snake_case string");
            else if (!FreeText.Contains(key) && !key.EndsWith("_id", StringComparison.Ordinal))
                Assert.False(PascalIdentifier().IsMatch(text), $"{route}: '{text}' at {path} looks like a .NET enum name, not snake_case");
            if (TimeKeys.Contains(key) || key.EndsWith("_at", StringComparison.Ordinal))
                Assert.True(IsoInstant().IsMatch(text), $"{route}: time '{text}' at {path} is not ISO 8601 with an offset");
        }
        else if (value.ValueKind == JsonValueKind.Number)
        {
            Assert.False(EnumKeys.Contains(key), $"{route}: enum at {path} is the number {value.GetRawText()}, not a string");
            Assert.False(TimeKeys.Contains(key) || key.EndsWith("_at", StringComparison.Ordinal), $"{route}: time at {path} is a number");
            Assert.DoesNotMatch(@"\d\.\d*(0{9,}|9{9,})\d", value.GetRawText());
        }
    }

    /// <summary>The OpenAPI document itself: parameter and schema property names in snake_case, enum values snake_case.</summary>
    private static void WalkOpenApi(JsonElement e, string path)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    if (path.EndsWith(".properties", StringComparison.Ordinal))
                        Assert.True(SnakeCase().IsMatch(p.Name), $"OpenAPI: property '{p.Name}' at {path} is not snake_case");
                    if (p.Name == "parameters" && p.Value.ValueKind == JsonValueKind.Array)
                        foreach (var parameter in p.Value.EnumerateArray())
                            Assert.True(SnakeCase().IsMatch(parameter.GetProperty("name").GetString()!), $"OpenAPI: parameter '{parameter.GetProperty("name")}' at {path}");
                    if (p.Name == "enum" && p.Value.ValueKind == JsonValueKind.Array)
                        // A number's schema also lists the named literals its reader refuses with a message ("NaN", "Infinity").
                        foreach (var v in p.Value.EnumerateArray().Where(v => v.ValueKind != JsonValueKind.String || v.GetString() is not ("NaN" or "Infinity" or "-Infinity")))
                            Assert.True(v.ValueKind == JsonValueKind.String && SnakeCase().IsMatch(v.GetString()!), $"OpenAPI: enum value {v.GetRawText()} at {path}");
                    WalkOpenApi(p.Value, $"{path}.{p.Name}");
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray()) WalkOpenApi(item, path + "[]");
                break;
        }
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex IsoInstant();

    [GeneratedRegex("^[A-Z][a-z0-9]+([A-Z][a-z0-9]*)*$")]
    private static partial Regex PascalIdentifier();

    [GeneratedRegex("^[a-z][a-z0-9]*(_[a-z0-9]+)*$")]
    private static partial Regex SnakeCase();
}

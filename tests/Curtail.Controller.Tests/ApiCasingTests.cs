using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Curtail.Controller.Tests;

/// <summary>Every mapped GET endpoint answers in snake_case, and the OpenAPI document lists every API route.</summary>
[Collection(ExclusiveMetrics.Name)]
public sealed partial class ApiCasingTests
{
    /// <summary>Objects whose keys are data (instrument names, miner states), not field names.</summary>
    private static readonly string[] DataKeyed = ["/api/metrics:$", "miners_by_state"];

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

        var openApi = JsonDocument.Parse(await site.Http.GetStringAsync("/openapi/v1.json")).RootElement.GetProperty("paths");
        var documented = openApi.EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var route in api) Assert.Contains(route, documented);
        Assert.Contains("/api/audit", documented);
        var auditParameters = openApi.GetProperty("/api/audit").GetProperty("get").GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        foreach (var filter in new[] { "miner", "command", "outcome", "action", "since", "until", "limit" }) Assert.Contains(filter, auditParameters);
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
                    n += Walk(p.Value, $"{path}.{p.Name}", route);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray()) n += Walk(item, path + "[]", route);
                break;
        }
        return n;
    }

    [GeneratedRegex("^[a-z][a-z0-9]*(_[a-z0-9]+)*$")]
    private static partial Regex SnakeCase();
}

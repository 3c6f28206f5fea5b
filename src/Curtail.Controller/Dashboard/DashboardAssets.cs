using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Curtail.Controller.Dashboard;

/// <summary>
/// Serves the dashboard from resources embedded in this assembly, so `curtail run` needs no files beside it. Every
/// script and stylesheet in wwwroot is served by its name: a panel added as its own module needs no change here.
/// </summary>
public static class DashboardAssets
{
    private const string Prefix = "dashboard/";

    private static readonly HashSet<string> Names = typeof(DashboardAssets).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Select(n => n[Prefix.Length..]).ToHashSet(StringComparer.Ordinal);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Serve("index.html")).ExcludeFromDescription();
        // Only the embedded files answer (the set below); the slim host has no regex route constraint to say so in the route.
        app.MapGet("/{name}", (string name) => name.EndsWith(".js", StringComparison.Ordinal) || name.EndsWith(".css", StringComparison.Ordinal)
            ? Serve(name) : Results.NotFound()).ExcludeFromDescription();
    }

    private static IResult Serve(string name)
    {
        if (!Names.Contains(name)) return Results.NotFound();
        var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream(Prefix + name);
        var type = Path.GetExtension(name) switch
        {
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => "text/html; charset=utf-8",
        };
        return stream is null ? Results.NotFound() : Results.Stream(stream, type);
    }
}

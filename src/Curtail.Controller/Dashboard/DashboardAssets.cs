using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Curtail.Controller.Dashboard;

/// <summary>Serves the dashboard from resources embedded in this assembly, so `curtail run` needs no files beside it.</summary>
public static class DashboardAssets
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Serve("index.html", "text/html; charset=utf-8")).ExcludeFromDescription();
        app.MapGet("/dashboard.js", () => Serve("dashboard.js", "text/javascript; charset=utf-8")).ExcludeFromDescription();
        app.MapGet("/cluster.js", () => Serve("cluster.js", "text/javascript; charset=utf-8")).ExcludeFromDescription();
        app.MapGet("/energy-panel.js", () => Serve("energy-panel.js", "text/javascript; charset=utf-8")).ExcludeFromDescription();
        app.MapGet("/dashboard.css", () => Serve("dashboard.css", "text/css; charset=utf-8")).ExcludeFromDescription();
    }

    private static IResult Serve(string name, string contentType)
    {
        var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream($"dashboard/{name}");
        return stream is null ? Results.NotFound() : Results.Stream(stream, contentType);
    }
}

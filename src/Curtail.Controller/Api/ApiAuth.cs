using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Curtail.Controller.Config;
using Curtail.Controller.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Curtail.Controller.Api;

/// <summary>
/// Bearer tokens with roles. Reads are open to anyone who can reach the bind address (127.0.0.1 by default); every
/// write needs a token whose role allows it: trader for strikes and overrides, operator for events, reloads and cycles.
/// A wrong or expired token is logged with the remote address and counts towards that address's lockout (429).
/// </summary>
public static class ApiAuth
{
    public static (ApiToken? Token, IResult? Denied) Require(HttpContext http, ControllerRuntime runtime, ApiRole role)
    {
        var failures = http.RequestServices.GetRequiredService<AuthFailures>();
        var config = runtime.Config;
        var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (failures.LockedFor(address) is { } wait)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return (null, Results.Json(new { error = $"too many failed authentications from {address}; try again in {seconds} s" }, statusCode: 429));
        }
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
            return (null, Results.Json(new { error = "this request changes the controller and needs 'Authorization: Bearer <token>'" }, statusCode: 401));
        var presented = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
        var token = config.Tokens.FirstOrDefault(t => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(t.Secret), presented));
        if (token is null)
        {
            failures.Record(address, $"unknown token for {http.Request.Method} {http.Request.Path}", config.AuthLimits);
            return (null, Results.Json(new { error = "unknown token" }, statusCode: 401));
        }
        if (token.Expires is { } expires && expires <= failures.Now)
        {
            failures.Record(address, $"token '{token.Name}' expired at {expires:u}", config.AuthLimits);
            return (null, Results.Json(new { error = $"token '{token.Name}' expired at {expires:u}" }, statusCode: 401));
        }
        if (token.Role < role)
            return (null, Results.Json(new { error = $"token '{token.Name}' has role {token.Role}; this needs {role}" }, statusCode: 403));
        return (token, null);
    }
}

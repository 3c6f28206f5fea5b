using System.Security.Cryptography;
using System.Text;
using Curtail.Controller.Config;
using Curtail.Controller.Hosting;
using Microsoft.AspNetCore.Http;

namespace Curtail.Controller.Api;

/// <summary>
/// Bearer tokens with roles. Reads are open to anyone who can reach the bind address (127.0.0.1 by default); every
/// write needs a token whose role allows it: trader for strikes and overrides, operator for events, reloads and cycles.
/// </summary>
public static class ApiAuth
{
    public static (ApiToken? Token, IResult? Denied) Require(HttpContext http, ControllerRuntime runtime, ApiRole role)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
            return (null, Results.Json(new { error = "this request changes the controller and needs 'Authorization: Bearer <token>'" }, statusCode: 401));
        var presented = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
        var token = runtime.Config.Tokens.FirstOrDefault(t => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(t.Secret), presented));
        if (token is null) return (null, Results.Json(new { error = "unknown token" }, statusCode: 401));
        if (token.Role < role)
            return (null, Results.Json(new { error = $"token '{token.Name}' has role {token.Role}; this needs {role}" }, statusCode: 403));
        return (token, null);
    }
}

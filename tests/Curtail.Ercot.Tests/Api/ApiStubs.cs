using System.Net;
using System.Text;
using System.Text.Json;

namespace Curtail.Ercot.Tests.Api;

/// <summary>An HTTP handler answering from a script, recording what was asked.</summary>
internal sealed class ScriptedHandler(Func<HttpRequestMessage, int, HttpResponseMessage> answer) : HttpMessageHandler
{
    public List<HttpRequestMessage> Requests { get; } = [];
    public List<string> Bodies { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        Requests.Add(request);
        Bodies.Add(request.Content is null ? "" : await request.Content.ReadAsStringAsync(ct));
        return answer(request, Requests.Count);
    }

    public static HttpResponseMessage Json(object body, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json") };

    public static HttpResponseMessage Token(string token = "tok", int expiresIn = 3600) => Json(new { id_token = token, expires_in = expiresIn });

    public static object RealTimePage(int page, int totalPages, params object[][] rows) => new Dictionary<string, object>
    {
        ["_meta"] = new { totalRecords = rows.Length, pageSize = 2, totalPages, currentPage = page },
        ["fields"] = new[] { "deliveryDate", "deliveryHour", "deliveryInterval", "settlementPoint", "settlementPointType", "settlementPointPrice", "DSTFlag" }.Select(n => new { name = n }),
        ["data"] = rows,
    };
}

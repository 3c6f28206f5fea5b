using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Curtail.Controller.Notifications;

/// <summary>One way of delivering a notification; throws on failure so that the notifier retries.</summary>
public interface INotificationSender
{
    Task SendAsync(Notification n, CancellationToken ct);
}

/// <summary>
/// The HTTP sinks: a generic JSON webhook (the notification as snake_case JSON), ntfy (the detail as the body, the
/// title, priority and tags as headers) and Slack-compatible incoming webhooks ({"text": …}). A non-2xx answer fails.
/// </summary>
public sealed class HttpSender(NotifySink sink, HttpClient http, TimeSpan timeout) : INotificationSender
{
    public async Task SendAsync(Notification n, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, sink.Url);
        if (sink.Token is { } token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var eventName = NotifyConfigParser.Name(n.Event);
        switch (sink.Kind)
        {
            case SinkKind.Ntfy:
                request.Content = new StringContent(n.Detail, Encoding.UTF8, "text/plain");
                // ntfy takes header values in ASCII: the title falls back to its RFC 2047 form when it is not.
                request.Headers.TryAddWithoutValidation("Title", Ascii($"{n.Site}: {n.Title}"));
                request.Headers.TryAddWithoutValidation("Priority", n.Urgent ? "urgent" : "default");
                request.Headers.TryAddWithoutValidation("Tags", $"curtail,{eventName}");
                break;
            case SinkKind.Slack:
                request.Content = JsonContent.Create(new { text = $"*{n.Site}*: {n.Title}\n{n.Detail}" });
                break;
            default:
                request.Content = JsonContent.Create(new { @event = eventName, title = n.Title, detail = n.Detail, time = n.Time, site = n.Site, urgent = n.Urgent },
                    options: new JsonSerializerOptions(JsonSerializerDefaults.Web));
                break;
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        using var response = await http.SendAsync(request, cts.Token);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{sink.Url!.Host} answered {(int)response.StatusCode} {response.ReasonPhrase}");
    }

    private static string Ascii(string text) => text.All(c => c is >= ' ' and <= '~') ? text
        : $"=?UTF-8?B?{Convert.ToBase64String(Encoding.UTF8.GetBytes(text))}?=";
}

using System.Net;
using System.Text;
using Curtail.Miners.Protocols;

namespace Curtail.Miners.Tests;

/// <summary>HTTP/1.1 replies as the web-API firmwares send them, whole and cut at every byte.</summary>
public class HttpWireTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void A_request_names_method_path_host_authorization_and_body_and_asks_to_close()
    {
        var bytes = HttpWire.Request("PUT", "/api/v1/performance/power-target?x=1", "10.0.0.7:8080",
            "{\"watt\":3000}", "Bearer abc", "application/json");

        var text = Encoding.UTF8.GetString(bytes);
        Assert.Equal("PUT /api/v1/performance/power-target?x=1 HTTP/1.1\r\nHost: 10.0.0.7:8080\r\nAuthorization: Bearer abc\r\n"
            + "Content-Type: application/json; charset=utf-8\r\nContent-Length: 13\r\nConnection: close\r\n\r\n{\"watt\":3000}", text);
        var get = Encoding.UTF8.GetString(HttpWire.Request("GET", "/", "10.0.0.7", null, null, "application/json"));
        Assert.Equal("GET / HTTP/1.1\r\nHost: 10.0.0.7\r\nConnection: close\r\n\r\n", get);
    }

    [Fact]
    public void A_body_length_counts_bytes_not_characters()
    {
        var text = Encoding.UTF8.GetString(HttpWire.Request("POST", "/a", "10.0.0.7", "é€", null, "text/plain"));
        Assert.Contains("Content-Length: 5\r\n", text);
        Assert.EndsWith("\r\n\r\né€", text);
    }

    [Fact]
    public void Header_text_that_is_not_ascii_is_refused_before_anything_is_sent() =>
        Assert.Throws<ArgumentException>(() => HttpWire.Request("GET", "/", "10.0.0.7", null, "Bearer é", "application/json"));

    [Fact]
    public void A_content_length_reply_is_whole_at_its_last_byte_and_not_before()
    {
        var reply = B("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 10\r\n\r\n{\"a\":\"é\"}");
        for (var cut = 0; cut < reply.Length - 1; cut++)
            Assert.False(HttpWire.IsComplete(reply.AsSpan(0, cut)), $"whole after {cut} bytes");
        Assert.True(HttpWire.IsComplete(reply));

        var parsed = HttpWire.Parse(reply);
        Assert.Equal(HttpStatusCode.OK, parsed.Status);
        Assert.Equal("{\"a\":\"é\"}", parsed.Body);
        Assert.Equal(["application/json"], parsed.HeaderValues("CONTENT-TYPE"));
    }

    [Fact]
    public void A_chunked_reply_with_extensions_and_trailers_is_whole_only_after_its_trailers()
    {
        var reply = B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n"
            + "5;name=x\r\n{\"a\":\r\nA\r\n1234567890\r\n3\r\n}\r\n\r\n0\r\nX-Trailer: 1\r\n\r\n");
        for (var cut = 0; cut < reply.Length; cut++)
            Assert.False(HttpWire.IsComplete(reply.AsSpan(0, cut)), $"whole after {cut} bytes");
        Assert.True(HttpWire.IsComplete(reply));

        Assert.Equal("{\"a\":1234567890}\r\n", HttpWire.Parse(reply).Body);
    }

    [Fact]
    public void A_reply_without_a_length_ends_when_the_server_closes()
    {
        var reply = B("HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<title>Braiins OS</title>");

        Assert.False(HttpWire.IsComplete(reply));
        Assert.Equal("<title>Braiins OS</title>", HttpWire.Parse(reply).Body);
    }

    [Fact]
    public void An_interim_reply_is_skipped_and_a_204_has_no_body()
    {
        var reply = B("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nServer: x\r\n\r\n");

        Assert.True(HttpWire.IsComplete(reply));
        var parsed = HttpWire.Parse(reply);
        Assert.Equal(HttpStatusCode.NoContent, parsed.Status);
        Assert.Equal("", parsed.Body);
        Assert.Equal(["x"], parsed.HeaderValues("server"));
        Assert.False(HttpWire.IsComplete(B("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")));
    }

    [Fact]
    public void Every_challenge_line_is_kept_with_its_scheme()
    {
        var reply = HttpWire.Parse(B("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n"
            + "www-authenticate:   Digest realm=\"antMiner Configuration\", nonce=\"abc\", qop=\"auth\"\r\nContent-Length: 0\r\n\r\n"));

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Equal([("Basic", "realm=\"x\""), ("Digest", "realm=\"antMiner Configuration\", nonce=\"abc\", qop=\"auth\"")], reply.Challenges());
    }

    [Fact]
    public void A_byte_order_mark_is_not_part_of_the_body()
    {
        var head = B("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
        var reply = head.Concat(new byte[] { 0xEF, 0xBB, 0xBF }).Concat(B("{}")).ToArray();

        Assert.Equal("{}", HttpWire.Parse(reply).Body);
    }

    [Theory]
    [InlineData("", "closed without a reply")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Len", "inside its header")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}", "cut short: 2 of 10")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{}", "cut short")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", "unreadable chunk size 'zz'")]
    [InlineData("{\"STATUS\":\"S\"}\r\n\r\n", "not an HTTP status line: '{\"STATUS\":\"S\"}'")]
    [InlineData("HTTP/1.1 2x0 OK\r\n\r\n", "not an HTTP status line")]
    public void A_reply_that_cannot_be_read_says_what_is_wrong(string text, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => HttpWire.Parse(B(text)));
        Assert.Contains(expected, ex.Message);
    }

    [Theory]
    [InlineData("{\"STATUS\":\"S\"}\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")]
    public void A_reply_that_can_never_be_read_counts_as_whole_so_it_fails_at_once(string text) =>
        Assert.True(HttpWire.IsComplete(B(text)));
}

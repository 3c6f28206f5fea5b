using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Curtail.Emulators.Miners;

/// <summary>What a cgminer request's JSON turned out to be.</summary>
public enum CgminerRequestShape
{
    /// <summary><c>{"command":"…"}</c> with an optional <c>"parameter"</c>, both strings: the usual request.</summary>
    Plain,

    /// <summary>Valid JSON of any other shape (other keys, numbers, nested values): read as a node tree.</summary>
    Other,

    /// <summary>Not JSON.</summary>
    Invalid,
}

/// <summary>
/// Reads the usual cgminer request without building a node tree: a fleet-wide shed is about 20,000 requests to an
/// emulator that shares two cores with the controller it serves, and a tree per request was a good part of its CPU.
/// </summary>
public static class CgminerRequestReader
{
    private const int StackLimit = 1024;

    /// <summary>
    /// Classifies <paramref name="json"/> (one JSON text) and, when it is <see cref="CgminerRequestShape.Plain"/>, gives
    /// its command and parameter (null when absent). The whole text is read, so trailing garbage is
    /// <see cref="CgminerRequestShape.Invalid"/> exactly as for a node-tree parse.
    /// </summary>
    public static CgminerRequestShape Read(string json, out string command, out string? parameter)
    {
        var max = Encoding.UTF8.GetMaxByteCount(json.Length);
        byte[]? rented = null;
        var bytes = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var length = Encoding.UTF8.GetBytes(json, bytes);
            return Read(bytes[..length], out command, out parameter);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static CgminerRequestShape Read(ReadOnlySpan<byte> utf8, out string command, out string? parameter)
    {
        command = "";
        parameter = null;
        string? seenCommand = null;
        var plain = true;
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            // Only a text opening with a brace comes here; anything else is the node tree's to judge.
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return CgminerRequestShape.Other;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isCommand = reader.ValueTextEquals("command"u8);
                var isParameter = !isCommand && reader.ValueTextEquals("parameter"u8);
                if (!reader.Read()) return CgminerRequestShape.Invalid;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    plain = false;
                    reader.Skip();
                    continue;
                }
                // A key named twice is left to the node tree, which decides what that means.
                if (reader.TokenType != JsonTokenType.String || !(isCommand ? seenCommand is null : isParameter && parameter is null))
                {
                    plain = false;
                    continue;
                }
                if (isCommand) seenCommand = reader.GetString();
                else parameter = reader.GetString();
            }
            // Anything after the object's end is an error the reader reports here.
            while (reader.Read())
            {
            }
        }
        catch (JsonException)
        {
            return CgminerRequestShape.Invalid;
        }
        if (!plain || seenCommand is null) return CgminerRequestShape.Other;
        command = seenCommand;
        return CgminerRequestShape.Plain;
    }

    /// <summary>The node tree of a plain request, for a dialect that reads requests only as trees.</summary>
    public static JsonObject ToJson(string command, string? parameter)
    {
        var request = new JsonObject { ["command"] = command };
        if (parameter is not null) request["parameter"] = parameter;
        return request;
    }
}

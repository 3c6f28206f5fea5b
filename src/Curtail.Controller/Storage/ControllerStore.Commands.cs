using System.Data.Common;
using System.Globalization;
using Curtail.Controller.Trading;

namespace Curtail.Controller.Storage;

/// <summary>One command sent to a miner, on the audit log: who or what decided it, the command, its outcome and latency.</summary>
public sealed record MinerCommandAudit(DateTimeOffset Time, string DecidedBy, string Miner, string Command, string Outcome, double LatencyMs, string? Detail);

/// <summary>What <c>GET /api/audit</c> may filter on; null means any.</summary>
public sealed record AuditFilter(string? Miner = null, string? Command = null, string? Outcome = null, string? Action = null,
    DateTimeOffset? Since = null, DateTimeOffset? Until = null, int Limit = 100, bool? MinerCommands = null);

/// <summary>A row of the audit log: a change made through the API (old and new value) or a command sent to a miner.</summary>
public sealed record AuditRecord(DateTimeOffset Time, string DecidedBy, string Role, string Action, string? Miner, string? Command, string? Outcome,
    double? LatencyMs, string? Detail, string? OldValue, string? NewValue);

public sealed partial class ControllerStore
{
    public const string MinerCommandAction = "miner_command";
    public const string ControllerRole = "controller";

    /// <summary>
    /// Audit rows of a cycle's miner commands, in one transaction: a 10,000-miner shed is one write, not 10,000.
    /// </summary>
    /// <param name="role">Who sent them: the controller's cycles, or <c>cli</c> for `curtail miners` by hand.</param>
    public void AuditCommands(IReadOnlyList<MinerCommandAudit> commands, string role = ControllerRole)
    {
        if (commands.Count == 0) return;
        ExecuteInTransaction(commands.Select(c => new Statement(
            "INSERT INTO audit (site, time, actor, role, action, old_value, new_value, miner, command, outcome, latency_ms, detail) " +
            "VALUES (@site, @t, @actor, @role, @action, NULL, NULL, @miner, @command, @outcome, @latency, @detail)",
            ("t", Iso(c.Time)), ("actor", c.DecidedBy), ("role", role), ("action", MinerCommandAction), ("miner", c.Miner), ("command", c.Command),
            ("outcome", c.Outcome), ("latency", c.LatencyMs), ("detail", c.Detail))).ToArray());
    }

    /// <summary>
    /// Deletes this site's miner-command rows older than <paramref name="commandsBefore"/> (thousands a cycle on a large
    /// site) and its API-change rows older than <paramref name="changesBefore"/>; returns how many of each went.
    /// </summary>
    public (int Commands, int Changes) PurgeAudit(DateTimeOffset commandsBefore, DateTimeOffset changesBefore)
    {
        int Count(string kind, DateTimeOffset before) => Query($"SELECT COUNT(*) FROM audit WHERE site = @site AND {kind} AND time < @t",
            r => Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture), ("t", Iso(before)))[0];
        var commands = $"action = '{MinerCommandAction}'";
        var changes = $"action <> '{MinerCommandAction}'";
        var n = (Count(commands, commandsBefore), Count(changes, changesBefore));
        Execute($"DELETE FROM audit WHERE site = @site AND {commands} AND time < @t", ("t", Iso(commandsBefore)));
        Execute($"DELETE FROM audit WHERE site = @site AND {changes} AND time < @t", ("t", Iso(changesBefore)));
        return n;
    }

    public IReadOnlyList<AuditRecord> Audit(AuditFilter f)
    {
        var where = new List<string> { "site = @site" };
        var parameters = new List<(string, object?)>();
        void Equal(string column, string name, string? value)
        {
            if (value is null) return;
            where.Add($"{column} = @{name}");
            parameters.Add((name, value));
        }
        Equal("miner", "miner", f.Miner);
        Equal("command", "command", f.Command);
        Equal("outcome", "outcome", f.Outcome);
        Equal("action", "action", f.Action);
        if (f.MinerCommands is { } commands) where.Add(commands ? $"action = '{MinerCommandAction}'" : $"action <> '{MinerCommandAction}'");
        if (f.Since is { } since)
        {
            where.Add("time >= @since");
            parameters.Add(("since", Iso(since)));
        }
        if (f.Until is { } until)
        {
            where.Add("time < @until");
            parameters.Add(("until", Iso(until)));
        }
        var sql = "SELECT time, actor, role, action, miner, command, outcome, latency_ms, detail, old_value, new_value FROM audit" +
                  " WHERE " + string.Join(" AND ", where) + $" ORDER BY time DESC LIMIT {Math.Clamp(f.Limit, 1, 10_000)}";
        return Query(sql, ReadAudit, parameters.ToArray());
    }

    private static AuditRecord ReadAudit(DbDataReader r) => new(ParseIso(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetString(3),
        Text(r, 4), Text(r, 5), Text(r, 6), r.IsDBNull(7) ? null : Convert.ToDouble(r.GetValue(7), CultureInfo.InvariantCulture), Text(r, 8), Text(r, 9), Text(r, 10));

    private static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    /// <summary>Columns added when miner commands joined the audit log; older rows (API changes) leave them empty.</summary>
    private static readonly (string Column, string Type)[] CommandAuditColumns =
        [("miner", "TEXT"), ("command", "TEXT"), ("outcome", "TEXT"), ("latency_ms", "DOUBLE PRECISION"), ("detail", "TEXT")];
}

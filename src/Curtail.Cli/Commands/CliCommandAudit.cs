using System.CommandLine;
using System.Text.Json;
using Curtail.Controller.Api;
using Curtail.Controller.Config;
using Curtail.Controller.Storage;
using Curtail.Core;
using Curtail.Miners.Fleet;

namespace Curtail.Cli.Commands;

/// <summary>
/// The audit of the miner commands `curtail miners sleep|wake|target` sends by hand: each command with who sent it
/// (<c>cli:&lt;user&gt;</c>), the miner, the command, its outcome and latency. With <c>--config</c> the rows go to that
/// controller's store (the same log as its own cycles' commands: <c>GET /api/audit?kind=commands</c> filters them); without
/// it, one JSON line per command is appended to a local audit log. The log is opened before any command is sent: a
/// command that could not be audited is never sent.
/// </summary>
internal sealed class CliCommandAudit : IDisposable
{
    public const string Role = "cli";
    public const string LogVariable = "CURTAIL_AUDIT_LOG";

    private readonly ControllerStore? _store;
    private readonly string? _logPath;

    private CliCommandAudit(ControllerStore? store, string? logPath, string where)
    {
        _store = store;
        _logPath = logPath;
        Where = where;
    }

    /// <summary>Where the rows go, for the operator: "the controller store sqlite:/var/lib/curtail.db (site west)" or a file.</summary>
    public string Where { get; }

    public static Option<string?> ConfigOption() => new("--config")
    {
        Description = "Controller site file: audit the commands in that controller's store (GET /api/audit). Without it they go to --audit-log",
    };

    public static Option<string?> LogOption() => new("--audit-log")
    {
        Description = $"Local audit log (JSON lines) when no --config is given; default ${LogVariable}, else ~/.local/state/curtail/miner-commands.jsonl",
    };

    public static CliCommandAudit Open(ParseResult parse, Option<string?> config, Option<string?> log)
    {
        if (parse.GetValue(config) is { } configPath)
        {
            if (parse.GetValue(log) is not null) throw new InvalidInputException("--audit-log", null, "give --config (the controller's store) or --audit-log, not both");
            var c = ControllerConfigParser.Load(configPath);
            var store = c.PostgresConnectionString is { } pg ? ControllerStore.Postgres(pg, c.SiteId) : ControllerStore.Sqlite(c.SqlitePath ?? "curtail.db", c.SiteId);
            return new CliCommandAudit(store, null, $"the controller store {store.Description} (site {c.SiteId})");
        }
        var path = parse.GetValue(log) ?? Environment.GetEnvironmentVariable(LogVariable) ?? DefaultLogPath();
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            using (File.Open(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidInputException("--audit-log", null, $"cannot write the audit log {path}: {ex.Message}");
        }
        return new CliCommandAudit(null, path, path);
    }

    private static string DefaultLogPath()
    {
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } x
            ? x : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(state, "curtail", "miner-commands.jsonl");
    }

    /// <summary>Each result as an audit row, decided by <c>cli:&lt;user&gt;</c> with what was asked (e.g. "miners sleep --select family=luxos").</summary>
    public void Record(IReadOnlyList<MinerCommandResult> results, string asked, DateTimeOffset now)
    {
        var decidedBy = $"cli:{Environment.UserName}";
        var rows = results.Select(r => new MinerCommandAudit(now, decidedBy, r.MinerId, ApiJson.Snake(r.Action.ToString()), ApiJson.Snake(r.Outcome.ToString()),
            Math.Round((r.ConfirmLatency ?? r.CommandLatency).TotalMilliseconds, 1), r.Error is null ? asked : $"{asked}: {r.Error}")).ToList();
        if (_store is not null)
        {
            _store.AuditCommands(rows, Role);
            return;
        }
        using var writer = new StreamWriter(new FileStream(_logPath!, FileMode.Append, FileAccess.Write, FileShare.ReadWrite));
        foreach (var a in rows)
            writer.WriteLine(JsonSerializer.Serialize(new
            {
                time = a.Time, decided_by = a.DecidedBy, role = Role, action = ControllerStore.MinerCommandAction, miner = a.Miner, command = a.Command,
                outcome = a.Outcome, latency_ms = a.LatencyMs, detail = a.Detail,
            }, ApiJson.Options));
    }

    public void Dispose() => _store?.Dispose();
}

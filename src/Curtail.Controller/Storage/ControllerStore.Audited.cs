using System.Text.Json;
using Curtail.Controller.DemandResponse;
using Curtail.Controller.Trading;

namespace Curtail.Controller.Storage;

/// <summary>
/// A change and its audit row written in one transaction: either both are on record or neither, so an API write that
/// fails to save leaves no unaudited change behind (and the caller applies it to the live state only after this).
/// </summary>
public sealed partial class ControllerStore
{
    private sealed record Statement(string Sql, params (string Name, object? Value)[] Parameters);

    public void SaveSettingAudited<T>(string name, T value, AuditEntry audit) => ExecuteInTransaction(SettingStatement(name, value), AuditStatement(audit));

    public void SaveEventAudited(DispatchEvent e, AuditEntry audit) => ExecuteInTransaction(EventStatement(e), AuditStatement(audit));

    private static Statement SettingStatement<T>(string name, T value) => new(
        "INSERT INTO settings VALUES (@n, @v) ON CONFLICT (name) DO UPDATE SET value = @v", ("n", name), ("v", JsonSerializer.Serialize(value, Json)));

    private static Statement EventStatement(DispatchEvent e) => new(
        "INSERT INTO dr_events (id, received, body, test) VALUES (@id, @r, @b, @test) ON CONFLICT (id) DO UPDATE SET body = @b, test = @test",
        ("id", e.Id), ("r", Iso(e.ReceivedAt)), ("b", JsonSerializer.Serialize(e, Json)), ("test", e.Test));

    private static Statement AuditStatement(AuditEntry e) => new("INSERT INTO audit (time, actor, role, action, old_value, new_value) VALUES (@t, @actor, @role, @action, @old, @new)",
        ("t", Iso(e.Time)), ("actor", e.Actor), ("role", e.Role), ("action", e.Action), ("old", e.OldValue), ("new", e.NewValue));

    private void Execute(Statement statement) => Execute(statement.Sql, statement.Parameters);

    private void ExecuteInTransaction(params Statement[] statements)
    {
        _gate.Wait();
        try
        {
            using var c = _connect();
            c.Open();
            using var transaction = c.BeginTransaction();
            foreach (var statement in statements)
            {
                using var cmd = c.CreateCommand();
                cmd.Transaction = transaction;
                cmd.CommandText = statement.Sql;
                Bind(cmd, statement.Parameters);
                cmd.ExecuteNonQuery();
            }
            transaction.Commit();
        }
        finally
        {
            _gate.Release();
        }
    }
}

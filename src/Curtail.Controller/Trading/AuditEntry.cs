namespace Curtail.Controller.Trading;

/// <summary>Who changed what, when, from which value to which: one row per change through the API, CLI or config reload.</summary>
public sealed record AuditEntry(DateTimeOffset Time, string Actor, string Role, string Action, string? OldValue, string? NewValue);

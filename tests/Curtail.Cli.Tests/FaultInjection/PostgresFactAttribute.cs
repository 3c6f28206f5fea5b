namespace Curtail.Cli.Tests.FaultInjection;

/// <summary>
/// A test that needs PostgreSQL: runs when CURTAIL_POSTGRES holds a connection string (.ci/interop/setup-postgres.sh
/// exports it); skipped without it, unless CURTAIL_INTEROP=1 says the CI peers are up, where it runs and fails naming
/// what is missing rather than passing by skipping.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (ConnectionString is null && Environment.GetEnvironmentVariable("CURTAIL_INTEROP") != "1")
            Skip = "no PostgreSQL (set CURTAIL_POSTGRES, or CURTAIL_INTEROP=1 and source .ci/interop/setup-postgres.sh)";
    }

    public static string? ConnectionString => Environment.GetEnvironmentVariable("CURTAIL_POSTGRES") is { Length: > 0 } cs ? cs : null;

    /// <summary>A fresh schema of the CI database for one test, as a connection string whose search path is that schema.</summary>
    public static string FreshSchema(string prefix)
    {
        var cs = ConnectionString ?? throw new InvalidOperationException("CURTAIL_INTEROP=1 but CURTAIL_POSTGRES is not set (source .ci/interop/setup-postgres.sh)");
        var schema = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)];
        using (var c = new Npgsql.NpgsqlConnection(cs))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"CREATE SCHEMA {schema}";
            cmd.ExecuteNonQuery();
        }
        return new Npgsql.NpgsqlConnectionStringBuilder(cs) { SearchPath = schema }.ToString();
    }
}

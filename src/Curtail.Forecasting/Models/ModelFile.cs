using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Curtail.Core;
using Curtail.Forecasting.Features;
using Curtail.Forecasting.LightGbm;

namespace Curtail.Forecasting.Models;

/// <summary>
/// Reads and writes <see cref="GbrtPriceForecaster"/> as gzip-compressed JSON: a format tag and version, the
/// feature names (checked against this build's), provenance, and each of the five models in LightGBM's own text
/// model format (loadable by any LightGBM 4.x: <c>lightgbm.Booster(model_str=...)</c>).
/// </summary>
public static class ModelFile
{
    public const string Format = "curtail-price-forecaster";
    /// <summary>Version 2: LightGBM text models (version 1 held Curtail's own trees, no longer read).</summary>
    public const int Version = 2;
    public const string Learner = "lightgbm";
    public const string Extension = ".model.json.gz";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
    };

    public sealed record FileDto(
        string Format, int Version, string Learner, string Name, string SettlementPoint, DateTimeOffset TrainFrom, DateTimeOffset TrainTo,
        int Seed, int TrainingRows, string[] InputsUsed, double StrikePrice, int Horizon, int IntervalMinutes,
        string[] Features, string P10, string P50, string P90, string Mean, string Spike);

    public static void Save(GbrtPriceForecaster model, string path)
    {
        var p = model.Provenance;
        var dto = new FileDto(Format, Version, Learner, p.Name, p.SettlementPoint, p.TrainFrom, p.TrainTo, p.Seed, p.TrainingRows,
            p.InputsUsed.ToArray(), model.StrikePrice, model.Horizon, (int)MarketHistory.Interval.TotalMinutes,
            PriceFeatures.Names.ToArray(), model.P10.ModelText, model.P50.ModelText, model.P90.ModelText, model.Mean.ModelText, model.Spike.ModelText);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        var tmp = path + ".tmp";
        using (var file = File.Create(tmp))
        using (var gz = new GZipStream(file, CompressionLevel.SmallestSize))
            JsonSerializer.Serialize(gz, dto, Json);
        File.Move(tmp, path, overwrite: true);
    }

    public static GbrtPriceForecaster Load(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, null, "model file not found");
        FileDto? dto;
        try
        {
            using var file = File.OpenRead(path);
            using var gz = new GZipStream(file, CompressionMode.Decompress);
            dto = JsonSerializer.Deserialize<FileDto>(gz, Json);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new InvalidInputException(path, null, $"not a readable model file: {ex.Message}");
        }
        if (dto is null) throw new InvalidInputException(path, null, "model file is empty");
        if (dto.Format != Format) throw new InvalidInputException(path, null, $"format is '{dto.Format}', expected '{Format}'");
        if (dto.Version != Version)
            throw new InvalidInputException(path, null, $"model file version {dto.Version} is not supported (this build reads {Version}, LightGBM models); retrain it with `curtail train`");
        if (dto.Learner != Learner) throw new InvalidInputException(path, null, $"learner is '{dto.Learner}', expected '{Learner}'");
        if (dto.Features is null || !dto.Features.SequenceEqual(PriceFeatures.Names))
            throw new InvalidInputException(path, null, "the model's features differ from this build's; retrain it with `curtail train`");
        var boosters = new List<LightGbmBooster>();
        try
        {
            foreach (var (name, text) in new[] { ("p10", dto.P10), ("p50", dto.P50), ("p90", dto.P90), ("mean", dto.Mean), ("spike", dto.Spike) })
            {
                if (string.IsNullOrEmpty(text)) throw new InvalidInputException(path, null, $"model '{name}' is missing");
                try { boosters.Add(LightGbmBooster.FromText(text)); }
                catch (LightGbmException ex) { throw new InvalidInputException(path, null, $"model '{name}' is not a LightGBM model: {ex.Message}"); }
            }
            var provenance = new ModelProvenance(dto.Name, dto.SettlementPoint, dto.TrainFrom, dto.TrainTo, dto.Seed, dto.TrainingRows, dto.InputsUsed ?? []);
            return new GbrtPriceForecaster(boosters[0], boosters[1], boosters[2], boosters[3], boosters[4], dto.StrikePrice, dto.Horizon, provenance);
        }
        catch (Exception ex) when (ex is ArgumentException or NullReferenceException)
        {
            foreach (var b in boosters) b.Dispose();
            throw new InvalidInputException(path, null, $"model file is inconsistent: {ex.Message}");
        }
        catch
        {
            foreach (var b in boosters) b.Dispose();
            throw;
        }
    }
}

using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Curtail.Core;
using Curtail.Forecasting.Features;
using Curtail.Forecasting.Learning;

namespace Curtail.Forecasting.Models;

/// <summary>
/// Reads and writes <see cref="GbrtPriceForecaster"/> as gzip-compressed JSON: a format tag and version, the
/// feature names (checked against this build's), provenance, and each ensemble's trees as flat arrays.
/// </summary>
public static class ModelFile
{
    public const string Format = "curtail-price-forecaster";
    public const int Version = 1;
    public const string Extension = ".model.json.gz";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
    };

    public sealed record TreeDto(int[] Feature, double[] Threshold, int[] Left, int[] Right, bool[] MissingLeft, double[] Value);

    public sealed record EnsembleDto(string Loss, double Parameter, double InitialScore, TreeDto[] Trees);

    public sealed record FileDto(
        string Format, int Version, string Name, string SettlementPoint, DateTimeOffset TrainFrom, DateTimeOffset TrainTo,
        int Seed, int TrainingRows, string[] InputsUsed, double StrikePrice, int Horizon, int IntervalMinutes,
        string[] Features, EnsembleDto P10, EnsembleDto P50, EnsembleDto P90, EnsembleDto Mean, EnsembleDto Spike);

    public static void Save(GbrtPriceForecaster model, string path)
    {
        var p = model.Provenance;
        var dto = new FileDto(Format, Version, p.Name, p.SettlementPoint, p.TrainFrom, p.TrainTo, p.Seed, p.TrainingRows,
            p.InputsUsed.ToArray(), model.StrikePrice, model.Horizon, (int)MarketHistory.Interval.TotalMinutes,
            PriceFeatures.Names.ToArray(), ToDto(model.P10), ToDto(model.P50), ToDto(model.P90), ToDto(model.Mean), ToDto(model.Spike));
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
        if (dto.Version != Version) throw new InvalidInputException(path, null, $"model file version {dto.Version} is not supported (this build reads {Version})");
        if (dto.Features is null || !dto.Features.SequenceEqual(PriceFeatures.Names))
            throw new InvalidInputException(path, null, "the model's features differ from this build's; retrain it with `curtail train`");
        try
        {
            var provenance = new ModelProvenance(dto.Name, dto.SettlementPoint, dto.TrainFrom, dto.TrainTo, dto.Seed, dto.TrainingRows, dto.InputsUsed);
            return new GbrtPriceForecaster(FromDto(dto.P10), FromDto(dto.P50), FromDto(dto.P90), FromDto(dto.Mean), FromDto(dto.Spike),
                dto.StrikePrice, dto.Horizon, provenance);
        }
        catch (Exception ex) when (ex is ArgumentException or NullReferenceException)
        {
            throw new InvalidInputException(path, null, $"model file is inconsistent: {ex.Message}");
        }
    }

    private static EnsembleDto ToDto(GradientBoostedModel m) => new(m.Loss.Name, m.Loss.Parameter, m.InitialScore,
        m.Trees.Select(t => new TreeDto(t.Feature, t.Threshold, t.Left, t.Right, t.MissingLeft, t.Value)).ToArray());

    private static GradientBoostedModel FromDto(EnsembleDto e) => new(Loss.FromName(e.Loss, e.Parameter), e.InitialScore,
        e.Trees.Select(t => new RegressionTree(t.Feature, t.Threshold, t.Left, t.Right, t.MissingLeft, t.Value)).ToArray(),
        PriceFeatures.Count);
}

using Curtail.Core.Fleet;
using Curtail.Core.Prices;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Curtail.Core.Sites;

/// <summary>Parses a site file (YAML, schema in docs/site-file.md). Throws <see cref="InvalidInputException"/> naming key and line.</summary>
public static class SiteFileParser
{
    // Documented ranges (docs/site-file.md): a value outside them is a typo or a unit mistake, refused with its line.
    // Prices: ERCOT's real-time floor and system-wide offer cap, rounded out.
    public const double MinPriceUsdPerMwh = -251;
    public const double MaxPriceUsdPerMwh = 10_000;

    /// <summary>A day of 15-minute intervals: a longer confirmation would never act on a price spike.</summary>
    public const int MaxConfirmIntervals = 96;
    public const int MaxMinersPerGroup = 1_000_000;
    public const int MaxNameLength = 200;

    private static readonly string[] TopKeys = ["name", "settlement_point", "energy", "economics", "fleet", "policy", "constraints", "four_cp", "peak_avoidance", "demand_response"];
    private static readonly string[] DemandResponseKeys = ["program", "capacity_mw", "credit_usd_per_mw_hour"];
    private static readonly string[] EnergyKeys = ["adder_usd_per_mwh", "contract", "fixed_price_usd_per_mwh", "sources"];
    private static readonly string[] SourcesKeys = ["grid", "gensets"];
    private static readonly string[] GridKeys = ["import_limit_kw", "export_limit_kw", "export_paid"];
    private static readonly string[] GensetKeys = ["name", "rated_kw", "available", "min_load_pct", "fuel_cost_usd_per_mwh"];
    private static readonly string[] EconomicsKeys = ["hashprice", "pool_fee"];
    private static readonly string[] HashpriceKeys = ["usd_per_th_day", "file"];
    private static readonly string[] GroupKeys = ["group", "model", "count", "hashrate_th", "power_w", "min_power_fraction", "shed", "shed_floor_w"];
    private static readonly string[] GateKeys = ["curtail_margin_usd_per_mwh", "resume_margin_usd_per_mwh", "sced_confirm_runs", "sced_mode", "veto_below", "early_resume_below"];
    // After GateKeys: static fields initialise in order.
    private static readonly string[] PolicyKeys = ["kind", "curtail_above_usd_per_mwh", "resume_below_usd_per_mwh", "confirm_intervals", "hard_cap_usd_per_mwh", "breakeven_margin",
        "model", "horizon_intervals", "risk_weight", "expectation", .. GateKeys];
    private static readonly string[] ForecastOnlyKeys = ["horizon_intervals", "risk_weight", "expectation"];
    private static readonly string[] FourCpKeys = ["enabled", "probability_threshold", "monthly_budget_hours", "rate_usd_per_kw_year", "rule", "peaks", "period", "months"];
    private static readonly string[] ConstraintKeys = ["sleep_seconds", "wake_minutes", "min_off_minutes", "min_on_minutes"];

    public static SiteDefinition Parse(string yaml, string source) => Parse(yaml, source, [], out _, out _);

    /// <summary>
    /// Parses the site and hands back the nodes of extra top-level sections that another part owns (the controller's
    /// <c>controller:</c> section), with a reader that reports errors the same way.
    /// </summary>
    public static SiteDefinition Parse(string yaml, string source, IReadOnlyCollection<string> extraSections,
        out IReadOnlyDictionary<string, YamlNode> sections, out YamlNodeReader reader)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new InvalidInputException(source, (int)ex.Start.Line, $"not valid YAML: {ex.InnerException?.Message ?? ex.Message}");
        }
        if (stream.Documents.Count == 0) throw new InvalidInputException(source, null, "the site file is empty");
        var r = new YamlNodeReader(source);
        var root = r.Mapping(stream.Documents[0].RootNode, "", [.. TopKeys, .. extraSections]);
        sections = extraSections.Select(k => (k, Node: r.Optional(root, k))).Where(x => x.Node is not null)
            .ToDictionary(x => x.k, x => x.Node!);
        reader = r;

        var name = r.String(r.Required(root, "", "name"), "name", MaxNameLength);
        var pointNode = r.Required(root, "", "settlement_point");
        var point = r.String(pointNode, "settlement_point");
        if (!SettlementPoints.IsKnown(point))
            throw r.Error(pointNode, "settlement_point", $"unknown settlement point '{point}' (known: {string.Join(", ", SettlementPoints.All)})");

        var energyNode = r.Optional(root, "energy");
        var site = new SiteDefinition(
            name, point,
            ParseEnergy(r, energyNode),
            ParseEconomics(r, r.Required(root, "", "economics")),
            ParseFleet(r, r.Required(root, "", "fleet")),
            ParsePolicy(r, r.Required(root, "", "policy")),
            ParseConstraints(r, r.Optional(root, "constraints")))
        {
            FourCp = ParseFourCp(r, PeakSection(r, root)),
            DemandResponse = ParseDemandResponse(r, r.Optional(root, "demand_response")),
            Sources = ParseSourcesOf(r, energyNode),
        };
        // A peak charge is a grid tariff: on an island the watch would idle the miners for a charge the site never pays.
        if (site.Sources.IsIsland && site.FourCp is { Enabled: true })
            throw r.Error(PeakSection(r, root)!, r.Optional(root, "four_cp") is null ? "peak_avoidance" : "four_cp", "is a grid charge and this site is an island (energy.sources has no grid): remove it, set enabled: false, or add energy.sources.grid");
        return site;
    }

    private static EnergySources ParseSourcesOf(YamlNodeReader r, YamlNode? energyNode)
    {
        if (energyNode is not YamlMappingNode em || r.Optional(em, "sources") is not { } node) return EnergySources.GridOnly;
        var sources = ParseSources(r, node);
        // The fixed contract's settlement (buy the full load, sell back the unused) is not modelled beside gensets.
        if (sources.HasGensets && r.Optional(em, "contract") is { } c && r.String(c, "energy.contract") == "fixed")
            throw r.Error(c, "energy.contract", "energy.sources with gensets needs contract: index (the fixed contract is not modelled with on-site generation)");
        return sources;
    }

    /// <summary><c>energy.sources</c>: <c>grid</c> (absent = island) and <c>gensets</c>.</summary>
    private static EnergySources ParseSources(YamlNodeReader r, YamlNode node)
    {
        var map = r.Mapping(node, "energy.sources", SourcesKeys);
        GridSource? grid = null;
        if (r.Optional(map, "grid") is { } g)
        {
            var gm = r.Mapping(g, "energy.sources.grid", GridKeys);
            var import = r.Optional(gm, "import_limit_kw") is { } i ? r.NumberIn(i, "energy.sources.grid.import_limit_kw", 0, 10_000_000) : (double?)null;
            var export = r.NonNegative(gm, "energy.sources.grid", "export_limit_kw", 0, 10_000_000);
            var paid = false;
            if (r.Optional(gm, "export_paid") is { } p)
            {
                paid = r.String(p, "energy.sources.grid.export_paid") switch
                {
                    "real_time" => true,
                    "none" => false,
                    var other => throw r.Error(p, "energy.sources.grid.export_paid", $"must be 'real_time' or 'none', got '{other}'"),
                };
            }
            if (paid && export == 0)
                throw r.Error(gm, "energy.sources.grid.export_limit_kw", "is required (and positive) when export_paid is real_time");
            grid = new GridSource(import, export, paid);
        }
        var gensets = new List<GensetSource>();
        if (r.Optional(map, "gensets") is { } list)
        {
            if (list is not YamlSequenceNode seq) throw r.Error(list, "energy.sources.gensets", "expected a list of gensets");
            for (var i = 0; i < seq.Children.Count; i++)
            {
                var path = $"energy.sources.gensets[{i}]";
                var gm = r.Mapping(seq.Children[i], path, GensetKeys);
                var name = r.Optional(gm, "name") is { } n ? r.String(n, $"{path}.name", MaxNameLength) : $"genset{i + 1}";
                if (gensets.Any(x => x.Name == name)) throw r.Error(gm, $"{path}.name", $"duplicate genset name '{name}'");
                var rated = Positive(r, gm, path, "rated_kw", 1_000_000);
                var availability = GensetAvailability.Reading;
                string? profile = null;
                if (r.Optional(gm, "available") is { } a)
                {
                    var text = r.String(a, $"{path}.available");
                    if (text != "modbus")
                    {
                        availability = GensetAvailability.Profile;
                        profile = text;
                    }
                }
                var minLoad = r.NonNegative(gm, path, "min_load_pct", 30, 100);
                var fuel = r.OptionalNumberIn(gm, path, "fuel_cost_usd_per_mwh", 0, MaxPriceUsdPerMwh) ?? 0;
                gensets.Add(new GensetSource(name, rated, availability, profile, minLoad, fuel));
            }
        }
        if (grid is null && gensets.Count == 0)
            throw r.Error(map, "energy.sources", "an island site (no grid) needs at least one genset");
        return new EnergySources(grid, gensets);
    }

    private static EnergySettings ParseEnergy(YamlNodeReader r, YamlNode? node)
    {
        if (node is null) return new EnergySettings(0, EnergyContract.Index, null);
        var map = r.Mapping(node, "energy", EnergyKeys);
        var adder = r.OptionalNumberIn(map, "energy", "adder_usd_per_mwh", -1000, 1000) ?? 0;
        var contract = EnergyContract.Index;
        if (r.Optional(map, "contract") is { } c)
        {
            contract = r.String(c, "energy.contract") switch
            {
                "index" => EnergyContract.Index,
                "fixed" => EnergyContract.Fixed,
                var other => throw r.Error(c, "energy.contract", $"must be 'index' or 'fixed', got '{other}'"),
            };
        }
        var fixedPrice = r.OptionalNumberIn(map, "energy", "fixed_price_usd_per_mwh", MinPriceUsdPerMwh, MaxPriceUsdPerMwh);
        if (contract == EnergyContract.Fixed && fixedPrice is null)
            throw r.Error(map, "energy.fixed_price_usd_per_mwh", "is required when energy.contract is 'fixed'");
        if (contract == EnergyContract.Index && fixedPrice is not null)
            throw r.Error(r.Optional(map, "fixed_price_usd_per_mwh")!, "energy.fixed_price_usd_per_mwh", "only applies to energy.contract: fixed");
        return new EnergySettings(adder, contract, fixedPrice);
    }

    private static EconomicsSettings ParseEconomics(YamlNodeReader r, YamlNode node)
    {
        var map = r.Mapping(node, "economics", EconomicsKeys);
        var hpNode = r.Required(map, "economics", "hashprice");
        var hp = r.Mapping(hpNode, "economics.hashprice", HashpriceKeys);
        var constant = r.OptionalNumber(hp, "economics.hashprice", "usd_per_th_day");
        var file = r.Optional(hp, "file") is { } f ? r.String(f, "economics.hashprice.file") : null;
        if ((constant is null) == (file is null))
            throw r.Error(hpNode, "economics.hashprice", "give exactly one of usd_per_th_day or file");
        if (constant is <= 0 or > 1000)
            throw r.Error(hpNode, "economics.hashprice.usd_per_th_day", $"must be positive and at most 1000, got {constant}");
        var feeNode = r.Optional(map, "pool_fee");
        var fee = feeNode is null ? 0 : r.Number(feeNode, "economics.pool_fee");
        if (fee is < 0 or >= 1)
            throw r.Error(feeNode!, "economics.pool_fee", $"is a fraction in [0, 1), got {fee}");
        return new EconomicsSettings(new HashpriceSource(constant, file), fee);
    }

    private static List<FleetGroup> ParseFleet(YamlNodeReader r, YamlNode node)
    {
        if (node is not YamlSequenceNode seq || seq.Children.Count == 0)
            throw r.Error(node, "fleet", "expected a non-empty list of groups");
        var groups = new List<FleetGroup>();
        for (var i = 0; i < seq.Children.Count; i++)
        {
            var path = $"fleet[{i}]";
            var map = r.Mapping(seq.Children[i], path, GroupKeys);
            var name = r.String(r.Required(map, path, "group"), $"{path}.group", MaxNameLength);
            if (groups.Any(g => g.Name == name))
                throw r.Error(map, $"{path}.group", $"duplicate group name '{name}'");
            var model = r.Optional(map, "model") is { } m ? r.String(m, $"{path}.model", MaxNameLength) : name;
            var countNode = r.Required(map, path, "count");
            var count = r.Integer(countNode, $"{path}.count");
            if (count < 0) throw r.Error(countNode, $"{path}.count", $"must not be negative, got {count}");
            if (count > MaxMinersPerGroup) throw r.Error(countNode, $"{path}.count", $"must be at most {MaxMinersPerGroup}, got {count}");
            var hashrate = Positive(r, map, path, "hashrate_th", 10_000);
            var power = Positive(r, map, path, "power_w", 100_000);
            var minFractionNode = r.Optional(map, "min_power_fraction");
            var minFraction = minFractionNode is null ? 1 : r.Number(minFractionNode, $"{path}.min_power_fraction");
            if (minFraction is <= 0 or > 1)
                throw r.Error(minFractionNode!, $"{path}.min_power_fraction", $"must be in (0, 1], got {minFraction}");
            var shedNode = r.Optional(map, "shed");
            var shed = ShedMode.Sleep;
            if (shedNode is not null)
            {
                var text = r.String(shedNode, $"{path}.shed");
                shed = ShedModes.Parse(text) ?? throw r.Error(shedNode, $"{path}.shed", $"must be sleep, power_target or hashboards, got '{text}'");
            }
            var floorNode = r.Optional(map, "shed_floor_w");
            double? floorW = null;
            if (floorNode is not null)
            {
                var v = r.Number(floorNode, $"{path}.shed_floor_w");
                if (shed != ShedMode.PowerTarget) throw r.Error(floorNode, $"{path}.shed_floor_w", "applies to shed: power_target only");
                floorW = v > 0 && v <= power ? v : throw r.Error(floorNode, $"{path}.shed_floor_w", $"must be positive and at most power_w ({power}), got {v}");
            }
            groups.Add(new FleetGroup(name, model, count, hashrate, power, minFraction) { Shed = shed, ShedFloorW = floorW });
        }
        return groups;
    }

    private static double Positive(YamlNodeReader r, YamlMappingNode map, string path, string key, double max)
    {
        var node = r.Required(map, path, key);
        var v = r.Number(node, $"{path}.{key}");
        return v > 0 && v <= max ? v : throw r.Error(node, $"{path}.{key}", $"must be positive and at most {max}, got {v}");
    }

    private static PolicySettings ParsePolicy(YamlNodeReader r, YamlNode node)
    {
        var map = r.Mapping(node, "policy", PolicyKeys);
        var kindNode = r.Required(map, "policy", "kind");
        var kind = ParsePolicyKind(r.String(kindNode, "policy.kind"))
            ?? throw r.Error(kindNode, "policy.kind", $"unknown policy '{r.String(kindNode, "policy.kind")}' (expected one of: {string.Join(", ", PolicyKindNames)})");
        var curtail = r.OptionalNumberIn(map, "policy", "curtail_above_usd_per_mwh", MinPriceUsdPerMwh, MaxPriceUsdPerMwh);
        var resume = r.OptionalNumberIn(map, "policy", "resume_below_usd_per_mwh", MinPriceUsdPerMwh, MaxPriceUsdPerMwh);
        var confirmNode = r.Optional(map, "confirm_intervals");
        var confirm = confirmNode is null ? 1 : r.Integer(confirmNode, "policy.confirm_intervals");
        if (confirm < 1) throw r.Error(confirmNode!, "policy.confirm_intervals", $"must be at least 1, got {confirm}");
        if (confirm > MaxConfirmIntervals) throw r.Error(confirmNode!, "policy.confirm_intervals", $"must be at most {MaxConfirmIntervals} (a day of intervals), got {confirm}");
        var hardCap = r.OptionalNumberIn(map, "policy", "hard_cap_usd_per_mwh", MinPriceUsdPerMwh, MaxPriceUsdPerMwh);
        var marginNode = r.Optional(map, "breakeven_margin");
        var margin = marginNode is null ? 1 : r.Number(marginNode, "policy.breakeven_margin");
        if (margin is <= 0 or > 10) throw r.Error(marginNode!, "policy.breakeven_margin", $"must be positive and at most 10, got {margin}");
        if (kind == PolicyKind.Threshold && curtail is null)
            throw r.Error(map, "policy.curtail_above_usd_per_mwh", "is required for the threshold policy");
        if (resume is not null && curtail is not null && resume > curtail)
            throw r.Error(r.Optional(map, "resume_below_usd_per_mwh")!, "policy.resume_below_usd_per_mwh",
                $"resume strike {resume} is above the curtail strike {curtail}: there would be no hysteresis band");
        if (resume is not null && curtail is null)
            throw r.Error(r.Optional(map, "resume_below_usd_per_mwh")!, "policy.resume_below_usd_per_mwh", "needs curtail_above_usd_per_mwh");
        return new PolicySettings(kind, curtail, resume, confirm, hardCap, margin) { Forecast = ParseForecast(r, map, kind), Gates = ParseGates(r, map, kind) };
    }

    private static void RefuseStrayKeys(YamlNodeReader r, YamlMappingNode map, PolicyKind kind, IEnumerable<string> keys, string appliesTo)
    {
        foreach (var key in keys)
            if (r.Optional(map, key) is { } stray)
                throw r.Error(stray, $"policy.{key}", $"only applies to policy.kind: {appliesTo} (the policy is {PolicyKindName(kind)})");
    }

    private static ForecastSettings ParseForecast(YamlNodeReader r, YamlMappingNode map, PolicyKind kind)
    {
        var d = ForecastSettings.Default;
        var usesModel = kind is PolicyKind.Forecast or PolicyKind.ForecastGated;
        if (!usesModel) RefuseStrayKeys(r, map, kind, ["model"], "forecast or forecast_gated");
        if (kind != PolicyKind.Forecast)
        {
            RefuseStrayKeys(r, map, kind, ForecastOnlyKeys, "forecast");
            return usesModel && r.Optional(map, "model") is { } gm ? d with { Model = r.String(gm, "policy.model") } : d;
        }
        var model = r.Optional(map, "model") is { } m ? r.String(m, "policy.model") : d.Model;
        var horizonNode = r.Optional(map, "horizon_intervals");
        var horizon = horizonNode is null ? d.HorizonIntervals : r.Integer(horizonNode, "policy.horizon_intervals");
        if (horizon is < 1 or > ForecastSettings.MaxHorizonIntervals)
            throw r.Error(horizonNode!, "policy.horizon_intervals", $"must be between 1 and {ForecastSettings.MaxHorizonIntervals} (15-minute intervals the model forecasts), got {horizon}");
        var riskNode = r.Optional(map, "risk_weight");
        var risk = riskNode is null ? d.RiskWeight : r.Number(riskNode, "policy.risk_weight");
        if (risk < 0) throw r.Error(riskNode!, "policy.risk_weight", $"must not be negative, got {risk}");
        if (risk > 100) throw r.Error(riskNode!, "policy.risk_weight", $"must be at most 100, got {risk}");
        var expectation = d.Expectation;
        if (r.Optional(map, "expectation") is { } e)
        {
            expectation = r.String(e, "policy.expectation") switch
            {
                "quantiles" => ForecastExpectation.Quantiles,
                "mean" => ForecastExpectation.Mean,
                var other => throw r.Error(e, "policy.expectation", $"must be 'quantiles' or 'mean', got '{other}'"),
            };
        }
        return new ForecastSettings(model, horizon, risk, expectation);
    }

    private static List<Economics.DemandResponseEnrollment> ParseDemandResponse(YamlNodeReader r, YamlNode? node)
    {
        var programs = new List<Economics.DemandResponseEnrollment>();
        if (node is null) return programs;
        if (node is not YamlSequenceNode seq) throw r.Error(node, "demand_response", "expected a list of programs ({program, capacity_mw, credit_usd_per_mw_hour})");
        for (var i = 0; i < seq.Children.Count; i++)
        {
            var path = $"demand_response[{i}]";
            var map = r.Mapping(seq.Children[i], path, DemandResponseKeys);
            var programNode = r.Required(map, path, "program");
            var program = r.String(programNode, $"{path}.program");
            if (!Economics.DemandResponseCredits.Programs.Contains(program))
                throw r.Error(programNode, $"{path}.program", $"must be one of {string.Join(", ", Economics.DemandResponseCredits.Programs)}, got '{program}'");
            if (programs.Any(p => p.Program == program)) throw r.Error(programNode, $"{path}.program", $"'{program}' is listed twice");
            var capacityNode = r.Required(map, path, "capacity_mw");
            var capacity = r.Number(capacityNode, $"{path}.capacity_mw");
            if (capacity is <= 0 or > 10_000) throw r.Error(capacityNode, $"{path}.capacity_mw", $"must be in (0, 10000] MW, got {capacity}");
            var rate = r.NumberIn(r.Required(map, path, "credit_usd_per_mw_hour"), $"{path}.credit_usd_per_mw_hour", 0, 10_000);
            programs.Add(new Economics.DemandResponseEnrollment(program, capacity, rate));
        }
        return programs;
    }

    private static ForecastGateSettings ParseGates(YamlNodeReader r, YamlMappingNode map, PolicyKind kind)
    {
        var d = ForecastGateSettings.Default;
        if (kind != PolicyKind.ForecastGated)
        {
            RefuseStrayKeys(r, map, kind, GateKeys, "forecast_gated");
            return d;
        }
        var up = r.OptionalNumberIn(map, "policy", "curtail_margin_usd_per_mwh", -1000, 1000) ?? d.CurtailMarginUsdPerMwh;
        var downNode = r.Optional(map, "resume_margin_usd_per_mwh");
        var down = r.OptionalNumberIn(map, "policy", "resume_margin_usd_per_mwh", -1000, 1000) ?? d.ResumeMarginUsdPerMwh;
        if (down < -up)
            throw r.Error(downNode ?? map, "policy.resume_margin_usd_per_mwh",
                $"the resume strike (breakeven {-down:+0.##;-0.##} $/MWh) is above the curtail strike (breakeven {up:+0.##;-0.##} $/MWh): there would be no hysteresis band");
        var runsNode = r.Optional(map, "sced_confirm_runs");
        var runs = runsNode is null ? d.ScedConfirmRuns : r.Integer(runsNode, "policy.sced_confirm_runs");
        if (runs is < 1 or > ForecastGateSettings.MaxScedConfirmRuns)
            throw r.Error(runsNode!, "policy.sced_confirm_runs", $"must be between 1 and {ForecastGateSettings.MaxScedConfirmRuns} SCED runs, got {runs}");
        var veto = Probability(r, map, "veto_below", d.VetoBelow);
        var early = Probability(r, map, "early_resume_below", d.EarlyResumeBelow);
        var modeNode = r.Optional(map, "sced_mode");
        var mode = modeNode is null ? d.ScedMode : r.String(modeNode, "policy.sced_mode") switch
        {
            "runs" => ScedDecisionMode.Runs,
            "windows" => ScedDecisionMode.Windows,
            "runs_window_forecast" => ScedDecisionMode.RunsWithWindowForecast,
            var other => throw r.Error(modeNode, "policy.sced_mode", $"must be runs, windows or runs_window_forecast, got '{other}'"),
        };
        return new ForecastGateSettings(up, down, runs, veto, early, mode);
    }

    private static double Probability(YamlNodeReader r, YamlMappingNode map, string key, double fallback)
    {
        var node = r.Optional(map, key);
        if (node is null) return fallback;
        var v = r.Number(node, $"policy.{key}");
        return v is >= 0 and <= 1 ? v : throw r.Error(node, $"policy.{key}", $"is a probability between 0 and 1 (0 turns the gate off), got {v}");
    }

    private static FourCpSiteSettings? ParseFourCp(YamlNodeReader r, YamlNode? node)
    {
        if (node is null) return null;
        var map = r.Mapping(node, "four_cp", FourCpKeys);
        var d = FourCpSiteSettings.Default;
        var enabled = d.Enabled;
        if (r.Optional(map, "enabled") is { } en)
        {
            enabled = r.String(en, "four_cp.enabled") switch
            {
                "true" or "yes" or "on" => true,
                "false" or "no" or "off" => false,
                var other => throw r.Error(en, "four_cp.enabled", $"must be true or false, got '{other}'"),
            };
        }
        var thresholdNode = r.Optional(map, "probability_threshold");
        var threshold = thresholdNode is null ? d.ProbabilityThreshold : r.Number(thresholdNode, "four_cp.probability_threshold");
        if (threshold is <= 0 or > 1)
            throw r.Error(thresholdNode!, "four_cp.probability_threshold", $"is a probability in (0, 1], got {threshold}");
        var budgetNode = r.Optional(map, "monthly_budget_hours");
        var budget = budgetNode is null ? d.MonthlyBudgetHours : r.Number(budgetNode, "four_cp.monthly_budget_hours");
        if (budget is < 0 or > 744)
            throw r.Error(budgetNode!, "four_cp.monthly_budget_hours", $"must be between 0 and 744 hours, got {budget}");
        var rate = r.NonNegative(map, "four_cp", "rate_usd_per_kw_year", d.RateUsdPerKwYear, 10_000);
        return new FourCpSiteSettings(enabled, threshold, budget, rate) { Rule = ParsePeakRule(r, map) };
    }

    /// <summary>The peak-avoidance section under either of its names (both at once is refused: which would win?).</summary>
    private static YamlNode? PeakSection(YamlNodeReader r, YamlMappingNode root)
    {
        var fourCp = r.Optional(root, "four_cp");
        var peak = r.Optional(root, "peak_avoidance");
        if (fourCp is not null && peak is not null) throw r.Error(peak, "peak_avoidance", "is the same section as four_cp: give one of them");
        return fourCp ?? peak;
    }

    /// <summary><c>rule: 4cp | multi-peak</c>, and for multi-peak <c>peaks</c>, <c>period</c> (month | season), <c>months</c>.</summary>
    private static PeakRule ParsePeakRule(YamlNodeReader r, YamlMappingNode map)
    {
        var ruleNode = r.Optional(map, "rule");
        var kind = ruleNode is null ? "4cp" : r.String(ruleNode, "four_cp.rule");
        var peaksNode = r.Optional(map, "peaks");
        var periodNode = r.Optional(map, "period");
        var monthsNode = r.Optional(map, "months");
        if (kind == "4cp")
        {
            if ((peaksNode ?? periodNode ?? monthsNode) is { } extra)
                throw r.Error(extra, "four_cp", "peaks, period and months belong to rule: multi-peak (4cp is one peak a month, June–September)");
            return PeakRule.FourCp;
        }
        if (kind != "multi-peak") throw r.Error(ruleNode!, "four_cp.rule", $"must be 4cp or multi-peak, got '{kind}'");
        if (peaksNode is null) throw r.Error(map, "four_cp.peaks", "is required for rule: multi-peak (how many daily peaks per period set the charge)");
        var peaks = r.Number(peaksNode, "four_cp.peaks");
        if (peaks != Math.Floor(peaks) || peaks is < 1 or > PeakRule.MaxPeaksPerPeriod)
            throw r.Error(peaksNode, "four_cp.peaks", $"must be a whole number in 1..{PeakRule.MaxPeaksPerPeriod}, got {peaks}");
        if (periodNode is null) throw r.Error(map, "four_cp.period", "is required for rule: multi-peak (month or season)");
        var periodText = r.String(periodNode, "four_cp.period");
        var period = PeakRule.ParsePeriod(periodText) ?? throw r.Error(periodNode, "four_cp.period", $"must be month or season, got '{periodText}'");
        var months = PeakRule.SummerMonths;
        if (monthsNode is not null)
        {
            if (monthsNode is not YamlSequenceNode seq || seq.Children.Count == 0) throw r.Error(monthsNode, "four_cp.months", "must be a list of months 1..12, e.g. [6, 7, 8, 9]");
            months = seq.Children.Select(m => r.Number(m, "four_cp.months") is var v && v == Math.Floor(v) && v is >= 1 and <= 12
                ? (int)v : throw r.Error(m, "four_cp.months", $"months are 1..12, got {v}")).ToList();
        }
        return PeakRule.Create((int)peaks, period, months);
    }

    public static readonly string[] PolicyKindNames = ["always_on", "threshold", "breakeven", "oracle", "forecast", "forecast_gated"];

    public static PolicyKind? ParsePolicyKind(string text) => text switch
    {
        "always_on" => PolicyKind.AlwaysOn,
        "threshold" => PolicyKind.Threshold,
        "breakeven" => PolicyKind.Breakeven,
        "oracle" => PolicyKind.Oracle,
        "forecast" => PolicyKind.Forecast,
        "forecast_gated" => PolicyKind.ForecastGated,
        _ => null,
    };

    public static string PolicyKindName(PolicyKind kind) => PolicyKindNames[(int)kind];

    private static OperatingConstraints ParseConstraints(YamlNodeReader r, YamlNode? node)
    {
        if (node is null) return OperatingConstraints.None;
        var map = r.Mapping(node, "constraints", ConstraintKeys);
        return new OperatingConstraints(
            r.NonNegative(map, "constraints", "sleep_seconds", 0, 3600),
            r.NonNegative(map, "constraints", "wake_minutes", 0, 1440),
            r.NonNegative(map, "constraints", "min_off_minutes", 0, 1440),
            r.NonNegative(map, "constraints", "min_on_minutes", 0, 1440));
    }
}

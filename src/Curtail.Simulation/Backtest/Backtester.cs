using Curtail.Core.Decisions;
using Curtail.Core.Economics;
using Curtail.Core.Energy;
using Curtail.Core.Policies;

namespace Curtail.Simulation.Backtest;

/// <summary>
/// Replays prices through the same <see cref="CurtailmentEngine"/> the live controller uses: for each interval it
/// hands the policy the prices settled so far, applies the constraints, and books the interval's economics. Where
/// the policy can tell that it will keep every group as it is (<see cref="ISteadyStretches"/>), the stretch is booked
/// at once from the economics table's running sums: the same totals, without the per-interval work a sweep of
/// hundreds of strikes would repeat.
/// <para>
/// With <see cref="BacktestInputs.Sced"/> set, the same loop runs on ERCOT's SCED clock: one decision per 5-minute
/// sub-interval on the SCED LMPs seen so far, each sub-interval's energy settled at its 15-minute interval's SPP.
/// </para>
/// </summary>
public static class Backtester
{
    public static BacktestTotals Run(BacktestInputs inputs, ICurtailmentPolicy policy, List<IntervalRecord>? records = null, EconomicsTable? table = null)
    {
        var site = inputs.Site;
        var economics = new IntervalEconomics(site);
        table ??= TableFor(inputs, economics);
        var fullPower = site.Fleet.Select(g => g.FullPowerMw).ToArray();
        var wakeTicks = economics.Timing.WakeTicks;
        var sleepTicks = economics.Timing.SleepTicks;
        var groups = site.Fleet.Count;
        var engine = new CurtailmentEngine(groups, site.Constraints, policy);
        var states = new GroupState[groups];
        var next = new GroupState[groups];
        var reasons = new DecisionReason[groups];
        Array.Fill(states, GroupState.RunningLongSince);

        // Rows are the decision points: settlement intervals, or 5-minute sub-intervals on the SCED clock. Row r is
        // decided on decisionPrices[..(r + offset)] and steady stretches are read off the same prices.
        var sced = inputs.Sced;
        var prices = inputs.Prices.Prices;
        var starts = sced is null ? inputs.Prices.StartTicks[inputs.FromIndex..inputs.ToIndex] : sced.StartTicks;
        var ends = sced is null ? inputs.Prices.EndTicks[inputs.FromIndex..inputs.ToIndex] : sced.EndTicks;
        var settlement = sced is null ? prices[inputs.FromIndex..inputs.ToIndex] : sced.SettlementPrices;
        var decisionPrices = sced is null ? prices : sced.Lmps;
        var offset = sced is null ? inputs.FromIndex : 0;
        var rows = starts.Length;
        var fullPowerMw = site.FullPowerMw;
        double energy = 0, fullEnergy = 0, revenue = 0, cost = 0, runningMwh = 0;
        var transitions = 0;
        // Stretches in which the policy keeps every group as it is are booked at once; records need every interval.
        var sources = site.Sources;
        // Booked by source when the site has gensets. A grid-only site's import limit caps its groups in the decision
        // (TopologyPolicy); nothing varies within a row there, so its booking is the contract's, as without a limit.
        var topology = sources.HasGensets;
        var steady = records is null && !topology ? policy as ISteadyStretches : null;
        var availableByRow = topology ? inputs.GensetAvailableByRow() : null;
        var adder = site.Energy.AdderUsdPerMwh;
        double gensetMwh = 0, importMwh = 0, exportMwh = 0, importCost = 0, exportRevenue = 0, fuelCost = 0;
        double? rowImportMw = null;

        for (var row = 0; row < rows; row++)
        {
            if (steady is not null && SettledMode(states, starts[row], wakeTicks, sleepTicks) is { } mode)
            {
                var until = steady.SteadyUntil(decisionPrices, row + offset, rows + offset, mode) - offset;
                if (until > row)
                {
                    var (revenueAtFull, costAtFull, contractCost, stretchHours) = table.Stretch(row, until);
                    var running = mode == GroupMode.Running;
                    energy += running ? fullPowerMw * stretchHours : 0;
                    revenue += running ? revenueAtFull : 0;
                    cost += contractCost + (running ? costAtFull : 0);
                    fullEnergy += fullPowerMw * stretchHours;
                    runningMwh += running ? fullPowerMw * stretchHours : 0;
                    row = until - 1;
                    continue;
                }
            }
            var start = starts[row];
            var end = ends[row];
            var hashprice = table.Hashprice[row];
            var decisionInputs = sced is null
                ? new DecisionInputs
                {
                    IntervalStartTicks = start,
                    IntervalEndTicks = end,
                    SettledPrices = prices[..(row + offset)],
                    HashpriceUsdPerThDay = hashprice,
                    IntervalIndex = row,
                }
                : new DecisionInputs
                {
                    IntervalStartTicks = start,
                    IntervalEndTicks = end,
                    SettledPrices = prices[..sced.IntervalIndex[row]],
                    ScedPrices = decisionPrices[..row],
                    DecidesOnSced = true,
                    HashpriceUsdPerThDay = hashprice,
                    IntervalIndex = row,
                };
            engine.Decide(decisionInputs, states, next, reasons);

            var hours = (end - start) / (double)TimeSpan.TicksPerHour;
            var price = settlement[row];
            double intervalEnergy = 0, intervalRevenue = 0, intervalCost = table.ContractCostUsd[row], runningMw = 0;
            for (var g = 0; g < groups; g++)
            {
                var state = next[g];
                if (state.Mode != states[g].Mode) transitions++;
                var elapsed = start - state.SinceTicks;
                if (state.IsRunning && state.PowerFraction == 1 && elapsed >= wakeTicks)
                {
                    // Steady state at nameplate: the precomputed figures are exactly what Account would book.
                    intervalEnergy += fullPower[g] * hours;
                    intervalRevenue += table.FullRevenueUsd[g][row];
                    intervalCost += table.FullCostUsd[g][row];
                }
                else if (!state.IsRunning && elapsed >= sleepTicks)
                {
                    // Asleep for the whole interval: no energy, no revenue.
                }
                else
                {
                    var outcome = economics.Account(g, state, start, end, price, hashprice);
                    intervalEnergy += outcome.EnergyMwh;
                    intervalRevenue += outcome.HashRevenueUsd;
                    intervalCost += outcome.EnergyCostUsd;
                }
                if (state.IsRunning) runningMw += fullPower[g];
            }
            if (topology)
            {
                // Energy by source: the genset first (as EnergyBalance.Flows dispatches it), the grid for the rest.
                var askedKw = intervalEnergy / hours * 1000;
                var flows = EnergyBalance.Flows(sources, askedKw, availableByRow![row], price, adder);
                if (flows.MinersKw < askedKw - 1e-9)
                {
                    // The gas fell within the row below what the miners were decided on (an island's gensets, or the
                    // gensets beside a grid's import limit): load following, or the import cap, sheds the rest
                    // (docs/modbus.md), so the miners hash on what the supply gave.
                    var served = askedKw > 0 ? flows.MinersKw / askedKw : 0;
                    intervalEnergy *= served;
                    intervalRevenue *= served;
                }
                var rowImport = flows.ImportKw / 1000 * hours;
                rowImportMw = flows.ImportKw / 1000;
                var rowExport = flows.ExportKw / 1000 * hours;
                var rowGenset = flows.GensetKw / 1000 * hours;
                var rowImportCost = rowImport * (price + adder);
                var rowExportRevenue = rowExport * EnergyBalance.ExportWorth(sources, price);
                var rowFuel = flows.FuelUsdPerHour * hours;
                gensetMwh += rowGenset;
                importMwh += rowImport;
                exportMwh += rowExport;
                importCost += rowImportCost;
                exportRevenue += rowExportRevenue;
                fuelCost += rowFuel;
                intervalCost = rowImportCost + rowFuel - rowExportRevenue;
            }
            energy += intervalEnergy;
            revenue += intervalRevenue;
            cost += intervalCost;
            fullEnergy += fullPowerMw * hours;
            runningMwh += runningMw * hours;
            records?.Add(new IntervalRecord(start, end, price, intervalEnergy / hours,
                fullPowerMw > 0 ? runningMw / fullPowerMw : 0, intervalEnergy, intervalRevenue, intervalCost,
                (GroupState[])next.Clone(), (DecisionReason[])reasons.Clone()) { GridImportMw = rowImportMw });
            (states, next) = (next, states);
        }

        return new BacktestTotals(policy.Name, inputs.IntervalCount, energy, fullEnergy - energy,
            fullEnergy > 0 ? runningMwh / fullEnergy : 0, transitions, revenue, cost)
        {
            Energy = topology ? new EnergyTotals(sources.IsIsland ? "island" : "grid_tied", gensetMwh, importMwh, exportMwh, importCost, exportRevenue, fuelCost) : null,
        };
    }

    /// <summary>
    /// The mode every group shares when all are settled in it (running at nameplate past the wake-up, or asleep past
    /// the sleep transition), so that an interval in that mode books exactly the precomputed figures; else null.
    /// </summary>
    private static GroupMode? SettledMode(ReadOnlySpan<GroupState> states, long start, long wakeTicks, long sleepTicks)
    {
        if (states.IsEmpty) return null;
        var mode = states[0].Mode;
        foreach (var state in states)
        {
            var elapsed = start - state.SinceTicks;
            var settled = state.Mode == mode && (state.IsRunning ? state.PowerFraction == 1 && elapsed >= wakeTicks : elapsed >= sleepTicks);
            if (!settled) return null;
        }
        return mode;
    }

    /// <summary>The policy-independent economics of the backtest window; share it across runs over the same economics.</summary>
    public static EconomicsTable TableFor(BacktestInputs inputs, IntervalEconomics? economics = null)
    {
        if (inputs.Sced is { } sced)
            return new EconomicsTable(economics ?? new IntervalEconomics(inputs.Site), sced.StartTicks, sced.EndTicks, sced.SettlementPrices, inputs.Hashprice);
        var range = new Range(inputs.FromIndex, inputs.ToIndex);
        return new EconomicsTable(economics ?? new IntervalEconomics(inputs.Site), inputs.Prices.StartTicks[range],
            inputs.Prices.EndTicks[range], inputs.Prices.Prices[range], inputs.Hashprice);
    }
}

namespace Curtail.Core.Decisions;

/// <summary>Why a group got the mode it got in a cycle; stored with every decision so it can be explained later.</summary>
public enum DecisionReason
{
    AlwaysOn,
    NoSettledPrice,
    BelowStrike,
    AboveStrike,
    AwaitingConfirmation,
    HardCapExceeded,
    HysteresisHold,
    BelowResumeStrike,
    OraclePlan,
    HeldByMinOnTime,
    HeldByMinOffTime,

    /// <summary>Forecast policy: the planned price of this interval repays running.</summary>
    ForecastRun,

    /// <summary>Forecast policy: runs although this interval is expected above breakeven; the spike is too short to repay stopping.</summary>
    ForecastRideThrough,

    /// <summary>Forecast policy: curtails although this interval is expected below breakeven, ahead of a forecast spike.</summary>
    ForecastPreCurtail,

    /// <summary>Forecast policy: curtails because this interval's planned price is above breakeven.</summary>
    ForecastCurtail,

    /// <summary>Forecast policy: stays curtailed because waking would not repay the wake-up and minimum on time.</summary>
    ForecastWakeNotRepaid,

    /// <summary>4CP watch: curtailed through an hour likely to be the month's ERCOT system peak.</summary>
    FourCpWindow,

    /// <summary>Live control: kept curtailed because the decision has no fresh input to wake on (stale prices, a failed cycle).</summary>
    HeldWithoutFreshInput,

    /// <summary>Forecast policy on the SCED clock: the last SCED runs are all above the group's breakeven, so it stops within the interval.</summary>
    ForecastScedCurtail,

    /// <summary>Forecast policy on the SCED clock: the last SCED runs are all below the group's breakeven and running repays, so it runs within the interval.</summary>
    ForecastScedRun,

    /// <summary>Gated forecast rule: the reactive trigger fired but the forecast gives this interval a low chance of exceeding breakeven (a false alarm), so the group runs.</summary>
    ForecastVeto,

    /// <summary>Gated forecast rule: the price fell below the resume strike but the forecast still gives a high chance of exceeding breakeven, so the group stays down.</summary>
    ForecastHold,

    /// <summary>Gated forecast rule: the last price is still above the resume strike but the forecast gives a low chance of exceeding breakeven, so the group resumes.</summary>
    ForecastEarlyResume,

    /// <summary>Kept running by the site's energy sources: island genset power, genset power that cannot be exported for more, or a genset's minimum load.</summary>
    EnergyFloor,
    /// <summary>Curtailed because the island's gensets have no more power available for it (the backtest's load-following ceiling).</summary>
    EnergyCeiling,

    /// <summary>Curtailed because the grid's import limit + the gensets' power cannot carry it (<c>energy.sources.grid.import_limit_kw</c>).</summary>
    ImportLimit,
}

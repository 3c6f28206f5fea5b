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
}

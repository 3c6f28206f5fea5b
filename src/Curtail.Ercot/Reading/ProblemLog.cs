using Curtail.Core;

namespace Curtail.Ercot.Reading;

/// <summary>Collects the problems of one read and decides, once reading is over, whether the result may be used.</summary>
internal sealed class ProblemLog
{
    private const int ProblemsNamedInMessage = 5;
    private readonly List<RowProblem> _problems = [];

    public IReadOnlyList<RowProblem> Problems => _problems;
    public int SkippedRows { get; private set; }

    public void Add(string file, int line, RowProblemKind kind, string reason)
    {
        var problem = new RowProblem(file, line, kind, reason);
        _problems.Add(problem);
        if (problem.DropsRow) SkippedRows++;
    }

    public void AddRange(ProblemLog other)
    {
        _problems.AddRange(other._problems);
        SkippedRows += other.SkippedRows;
    }

    /// <summary>Refuses the whole read (InvalidInputException) when there are problems and skipping was not asked for.</summary>
    public void ThrowUnlessSkipping(PriceReadOptions options)
    {
        if (options.SkipBadRows || _problems.Count == 0) return;
        throw Refusal(InFileOrder());
    }

    /// <summary>Problems by file and line, as a user walks through a file; parse problems and sequence problems interleave.</summary>
    public IReadOnlyList<RowProblem> InFileOrder() =>
        _problems.OrderBy(p => p.File, StringComparer.Ordinal).ThenBy(p => p.Line).ToList();

    public static InvalidInputException Refusal(IReadOnlyList<RowProblem> problems)
    {
        var first = problems[0];
        var others = problems.Skip(1).Take(ProblemsNamedInMessage - 1).Select(p => p.ToString()).ToList();
        var message = $"{first.Reason}. {problems.Count} problem(s) in total, {problems.Count(p => p.DropsRow)} bad row(s)";
        if (others.Count > 0) message += "; also " + string.Join("; ", others);
        if (problems.Count > ProblemsNamedInMessage) message += "; ...";
        message += ". Fix the file, or read it with --skip-bad-rows to drop bad rows and leave gaps.";
        return new InvalidInputException(first.File, first.Line, message);
    }
}

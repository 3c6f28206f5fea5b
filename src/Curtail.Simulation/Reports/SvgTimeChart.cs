using System.Globalization;
using System.Text;
using Curtail.Core.Time;

namespace Curtail.Simulation.Reports;

/// <summary>A series on a time axis: UTC ticks and values, drawn as a line or as steps.</summary>
public sealed record TimeSeriesLine(string Name, string Color, long[] Ticks, double[] Values, bool Steps = false, double Width = 1.2);

/// <summary>A horizontal reference line (a strike).</summary>
public sealed record ReferenceLine(string Name, string Color, double Value);

/// <summary>
/// Self-contained SVG line charts over time. A year of 15-minute data is far more points than pixels, so each
/// pixel column keeps the first, minimum, maximum and last value it covers: spikes survive the reduction.
/// </summary>
public sealed class SvgTimeChart
{
    private const int Width = 1100;
    private const int Height = 300;
    private const int Left = 70;
    private const int Right = 16;
    private const int Top = 28;
    private const int Bottom = 40;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public required string Title { get; init; }
    public required string YLabel { get; init; }
    public required IReadOnlyList<TimeSeriesLine> Lines { get; init; }
    public IReadOnlyList<ReferenceLine> References { get; init; } = [];

    /// <summary>Clip the y axis here (values beyond are drawn at the edge and the title says so).</summary>
    public double? YMaxClip { get; init; }

    public string Render()
    {
        var ticks = Lines.SelectMany(l => l.Ticks).ToArray();
        if (ticks.Length == 0) return $"<p>{Escape(Title)}: no data</p>";
        long x0 = ticks.Min(), x1 = Math.Max(ticks.Max(), x0 + 1);
        var values = Lines.SelectMany(l => l.Values).Concat(References.Select(r => r.Value)).Where(double.IsFinite).ToArray();
        double y0 = Math.Min(0, values.Min()), y1 = values.Max();
        var clipped = YMaxClip is { } clip && y1 > clip;
        if (clipped) y1 = YMaxClip!.Value;
        if (y1 <= y0) y1 = y0 + 1;
        var (niceLo, niceHi, yStep) = NiceRange(y0, y1);

        double X(long t) => Left + (t - x0) / (double)(x1 - x0) * (Width - Left - Right);
        double Y(double v) => Top + (1 - (Math.Clamp(v, niceLo, niceHi) - niceLo) / (niceHi - niceLo)) * (Height - Top - Bottom);

        var svg = new StringBuilder();
        svg.Append(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{Escape(Title)}\">");
        svg.Append(Inv, $"<text x=\"{Left}\" y=\"18\" class=\"title\">{Escape(Title)}{(clipped ? $" (axis clipped at {niceHi:N0}; higher values drawn at the top edge)" : "")}</text>");
        for (var v = niceLo; v <= niceHi + yStep / 2; v += yStep)
        {
            var y = Y(v);
            svg.Append(Inv, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{y:F1}\" y2=\"{y:F1}\" class=\"grid\"/>");
            svg.Append(Inv, $"<text x=\"{Left - 6}\" y=\"{y + 4:F1}\" class=\"ytick\">{FormatNumber(v)}</text>");
        }
        svg.Append(Inv, $"<text transform=\"translate(14 {(Top + Height - Bottom) / 2}) rotate(-90)\" class=\"ylabel\">{Escape(YLabel)}</text>");
        foreach (var (t, label) in TimeTicks(x0, x1))
        {
            var x = X(t);
            svg.Append(Inv, $"<line x1=\"{x:F1}\" x2=\"{x:F1}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" class=\"grid\"/>");
            svg.Append(Inv, $"<text x=\"{x:F1}\" y=\"{Height - Bottom + 16}\" class=\"xtick\">{label}</text>");
        }
        foreach (var line in Lines)
            svg.Append(Inv, $"<polyline fill=\"none\" stroke=\"{line.Color}\" stroke-width=\"{line.Width}\" points=\"{Points(line, X, Y)}\"/>");
        foreach (var r in References)
            svg.Append(Inv, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(r.Value):F1}\" y2=\"{Y(r.Value):F1}\" stroke=\"{r.Color}\" stroke-dasharray=\"6 4\" stroke-width=\"1.2\"/>");
        var legendX = Left + 8.0;
        foreach (var (name, color) in Lines.Select(l => (l.Name, l.Color)).Concat(References.Select(r => (Name: $"{r.Name} {FormatNumber(r.Value)}", r.Color))))
        {
            svg.Append(Inv, $"<rect x=\"{legendX:F0}\" y=\"{Height - 14}\" width=\"12\" height=\"4\" fill=\"{color}\"/>");
            svg.Append(Inv, $"<text x=\"{legendX + 16:F0}\" y=\"{Height - 9}\" class=\"legend\">{Escape(name)}</text>");
            legendX += 26 + name.Length * 6.5 + (References.Any(r => name.StartsWith(r.Name, StringComparison.Ordinal)) ? 40 : 0);
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string Points(TimeSeriesLine line, Func<long, double> x, Func<double, double> y)
    {
        var sb = new StringBuilder();
        var lastColumn = int.MinValue;
        double first = 0, min = 0, max = 0, last = 0;
        long columnTick = 0;
        void Flush()
        {
            if (lastColumn == int.MinValue) return;
            var px = x(columnTick);
            foreach (var v in Order(first, min, max, last))
                sb.Append(Inv, $"{px:F1},{y(v):F1} ");
        }
        for (var i = 0; i < line.Ticks.Length; i++)
        {
            var v = line.Values[i];
            if (!double.IsFinite(v)) continue;
            var column = (int)x(line.Ticks[i]);
            if (column != lastColumn)
            {
                Flush();
                lastColumn = column;
                columnTick = line.Ticks[i];
                first = min = max = v;
            }
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            last = v;
        }
        Flush();
        return sb.ToString();
    }

    private static IEnumerable<double> Order(double first, double min, double max, double last)
    {
        yield return first;
        if (min != first) yield return min;
        if (max != min || max != first) yield return max;
        if (last != max) yield return last;
    }

    private static IEnumerable<(long Tick, string Label)> TimeTicks(long x0, long x1)
    {
        var span = TimeSpan.FromTicks(x1 - x0);
        var start = CentralPrevailingTime.ToLocal(new DateTimeOffset(x0, TimeSpan.Zero));
        if (span.TotalDays > 60)
        {
            var months = span.TotalDays > 800 ? 6 : span.TotalDays > 400 ? 3 : 1;
            var m = new DateOnly(start.Year, start.Month, 1).AddMonths(1);
            for (; CentralPrevailingTime.StartOfDayUtc(m).UtcTicks < x1; m = m.AddMonths(months))
                yield return (CentralPrevailingTime.StartOfDayUtc(m).UtcTicks, m.ToString("yyyy-MM", Inv));
        }
        else
        {
            var days = Math.Max(1, (int)Math.Ceiling(span.TotalDays / 10));
            var d = DateOnly.FromDateTime(start.Date).AddDays(span.TotalDays > 2 ? 1 : 0);
            if (span.TotalDays <= 2)
            {
                for (var t = CentralPrevailingTime.StartOfDayUtc(d).UtcTicks; t < x1; t += TimeSpan.TicksPerHour * 3)
                    if (t >= x0) yield return (t, CentralPrevailingTime.ToLocal(new DateTimeOffset(t, TimeSpan.Zero)).ToString("MM-dd HH:mm", Inv));
                yield break;
            }
            for (; CentralPrevailingTime.StartOfDayUtc(d).UtcTicks < x1; d = d.AddDays(days))
                yield return (CentralPrevailingTime.StartOfDayUtc(d).UtcTicks, d.ToString("MM-dd", Inv));
        }
    }

    internal static (double Lo, double Hi, double Step) NiceRange(double lo, double hi)
    {
        var raw = (hi - lo) / 5;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        return (Math.Floor(lo / step) * step, Math.Ceiling(hi / step) * step, step);
    }

    internal static string FormatNumber(double v) =>
        Math.Abs(v) >= 1e6 ? (v / 1e6).ToString("0.##", Inv) + "M" : Math.Abs(v) >= 1e4 ? (v / 1e3).ToString("0.#", Inv) + "k" : v.ToString("0.##", Inv);

    internal static string Escape(string s) => System.Net.WebUtility.HtmlEncode(s);
}

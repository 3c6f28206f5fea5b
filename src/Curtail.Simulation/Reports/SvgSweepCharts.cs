using System.Globalization;
using System.Text;

namespace Curtail.Simulation.Reports;

/// <summary>The sweep report's pictures: a profit curve for one parameter, a heat map for two.</summary>
public static class SvgSweepCharts
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string ProfitCurve(string xLabel, double[] xs, double[] profits, double alwaysOn, double oracle, double bestX)
    {
        const int w = 1100, h = 340, left = 80, right = 16, top = 28, bottom = 46;
        var all = profits.Append(alwaysOn).Append(oracle).Where(double.IsFinite).ToArray();
        var (lo, hi, step) = SvgTimeChart.NiceRange(all.Min(), all.Max());
        double x0 = xs.Min(), x1 = xs.Max() > x0 ? xs.Max() : x0 + 1;
        double X(double v) => left + (v - x0) / (x1 - x0) * (w - left - right);
        double Y(double v) => top + (1 - (v - lo) / (hi - lo)) * (h - top - bottom);
        var svg = new StringBuilder();
        svg.Append(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"profit by {SvgTimeChart.Escape(xLabel)}\">");
        svg.Append(Inv, $"<text x=\"{left}\" y=\"18\" class=\"title\">Profit by {SvgTimeChart.Escape(xLabel)} (best at {bestX.ToString("0.##", Inv)})</text>");
        for (var v = lo; v <= hi + step / 2; v += step)
        {
            svg.Append(Inv, $"<line x1=\"{left}\" x2=\"{w - right}\" y1=\"{Y(v):F1}\" y2=\"{Y(v):F1}\" class=\"grid\"/>");
            svg.Append(Inv, $"<text x=\"{left - 6}\" y=\"{Y(v) + 4:F1}\" class=\"ytick\">{SvgTimeChart.FormatNumber(v)}</text>");
        }
        var (xlo, xhi, xstep) = SvgTimeChart.NiceRange(x0, x1);
        for (var v = xlo; v <= xhi + xstep / 2; v += xstep)
            if (v >= x0 && v <= x1)
                svg.Append(Inv, $"<text x=\"{X(v):F1}\" y=\"{h - bottom + 16}\" class=\"xtick\">{SvgTimeChart.FormatNumber(v)}</text>");
        svg.Append(Inv, $"<text x=\"{(left + w) / 2}\" y=\"{h - 8}\" class=\"xtick\">{SvgTimeChart.Escape(xLabel)}</text>");
        // The references are drawn only when every grid point shares them (a policy-only sweep).
        if (double.IsFinite(alwaysOn))
        {
            svg.Append(Inv, $"<line x1=\"{left}\" x2=\"{w - right}\" y1=\"{Y(alwaysOn):F1}\" y2=\"{Y(alwaysOn):F1}\" stroke=\"#888\" stroke-dasharray=\"6 4\"/>");
            svg.Append(Inv, $"<text x=\"{w - right - 4}\" y=\"{Y(alwaysOn) - 4:F1}\" class=\"ytick\">always on</text>");
        }
        if (double.IsFinite(oracle))
        {
            svg.Append(Inv, $"<line x1=\"{left}\" x2=\"{w - right}\" y1=\"{Y(oracle):F1}\" y2=\"{Y(oracle):F1}\" stroke=\"#2a9d8f\" stroke-dasharray=\"6 4\"/>");
            svg.Append(Inv, $"<text x=\"{w - right - 4}\" y=\"{Y(oracle) + 14:F1}\" class=\"ytick\">oracle</text>");
        }
        svg.Append("<polyline fill=\"none\" stroke=\"#1d4ed8\" stroke-width=\"2\" points=\"");
        for (var i = 0; i < xs.Length; i++) svg.Append(Inv, $"{X(xs[i]):F1},{Y(profits[i]):F1} ");
        svg.Append("\"/>");
        var bi = Array.IndexOf(xs, bestX);
        if (bi >= 0) svg.Append(Inv, $"<circle cx=\"{X(xs[bi]):F1}\" cy=\"{Y(profits[bi]):F1}\" r=\"5\" fill=\"#dc2626\"/>");
        svg.Append("</svg>");
        return svg.ToString();
    }

    public static string HeatMap(string xLabel, string yLabel, double[] xs, double[] ys, Func<int, int, double> profit, (int X, int Y) best)
    {
        const int w = 1100, h = 520, left = 90, right = 120, top = 28, bottom = 50;
        double cw = (w - left - right) / (double)xs.Length, ch = (h - top - bottom) / (double)ys.Length;
        var values = xs.SelectMany((_, i) => ys.Select((_, j) => profit(i, j))).ToArray();
        double lo = values.Min(), hi = Math.Max(values.Max(), lo + 1e-9);
        var svg = new StringBuilder();
        svg.Append(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"profit heat map\">");
        svg.Append(Inv, $"<text x=\"{left}\" y=\"18\" class=\"title\">Profit by {SvgTimeChart.Escape(xLabel)} and {SvgTimeChart.Escape(yLabel)} (best marked)</text>");
        for (var i = 0; i < xs.Length; i++)
            for (var j = 0; j < ys.Length; j++)
            {
                var t = (profit(i, j) - lo) / (hi - lo);
                svg.Append(Inv, $"<rect x=\"{left + i * cw:F1}\" y=\"{top + (ys.Length - 1 - j) * ch:F1}\" width=\"{cw + 0.5:F1}\" height=\"{ch + 0.5:F1}\" fill=\"{Viridis(t)}\"><title>{xs[i]}, {ys[j]}: ${profit(i, j):N0}</title></rect>");
            }
        svg.Append(Inv, $"<rect x=\"{left + best.X * cw:F1}\" y=\"{top + (ys.Length - 1 - best.Y) * ch:F1}\" width=\"{cw:F1}\" height=\"{ch:F1}\" fill=\"none\" stroke=\"#dc2626\" stroke-width=\"3\"/>");
        foreach (var i in Ticks(xs.Length))
            svg.Append(Inv, $"<text x=\"{left + (i + 0.5) * cw:F1}\" y=\"{h - bottom + 16}\" class=\"xtick\">{xs[i].ToString("0.##", Inv)}</text>");
        foreach (var j in Ticks(ys.Length))
            svg.Append(Inv, $"<text x=\"{left - 6}\" y=\"{top + (ys.Length - 1 - j + 0.5) * ch + 4:F1}\" class=\"ytick\">{ys[j].ToString("0.##", Inv)}</text>");
        svg.Append(Inv, $"<text x=\"{(left + w - right) / 2}\" y=\"{h - 10}\" class=\"xtick\">{SvgTimeChart.Escape(xLabel)}</text>");
        svg.Append(Inv, $"<text transform=\"translate(16 {(top + h - bottom) / 2}) rotate(-90)\" class=\"ylabel\">{SvgTimeChart.Escape(yLabel)}</text>");
        for (var k = 0; k <= 10; k++)
        {
            svg.Append(Inv, $"<rect x=\"{w - right + 20}\" y=\"{top + (10 - k) * 30}\" width=\"18\" height=\"30\" fill=\"{Viridis(k / 10.0)}\"/>");
            if (k % 5 == 0) svg.Append(Inv, $"<text x=\"{w - right + 44}\" y=\"{top + (10 - k) * 30 + 18}\" class=\"legend\">${SvgTimeChart.FormatNumber(lo + k / 10.0 * (hi - lo))}</text>");
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static IEnumerable<int> Ticks(int n)
    {
        var every = Math.Max(1, n / 12);
        for (var i = 0; i < n; i += every) yield return i;
    }

    /// <summary>A few stops of the viridis palette, linearly interpolated: readable for colour-blind viewers.</summary>
    private static string Viridis(double t)
    {
        (double R, double G, double B)[] stops = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)];
        t = Math.Clamp(t, 0, 1) * (stops.Length - 1);
        var k = Math.Min((int)t, stops.Length - 2);
        var f = t - k;
        var (a, b) = (stops[k], stops[k + 1]);
        return $"rgb({(int)(a.R + (b.R - a.R) * f)},{(int)(a.G + (b.G - a.G) * f)},{(int)(a.B + (b.B - a.B) * f)})";
    }
}

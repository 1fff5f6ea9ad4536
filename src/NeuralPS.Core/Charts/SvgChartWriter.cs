using System.Globalization;
using System.Text;

namespace NeuralPS.Core.Charts;

/// <summary>
/// Writes a <see cref="Chart"/> as a standalone SVG document: no native code, no fonts to ship (the viewer's sans-serif
/// renders the text). Panels sit side by side; a line panel has one &lt;polyline&gt; per series, ticks, grid, axis labels
/// and a legend; a heatmap has one cell per count with the count written in it; a bar panel one bar per name.
/// </summary>
public static class SvgChartWriter
{
    /// <summary>The colours of the series, in order (training blue, validation orange, …).</summary>
    /// <remarks>Read-only: statics are shared by every runspace in the process, so none may be changed.</remarks>
    public static IReadOnlyList<string> Palette { get; } = Array.AsReadOnly(new[] { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b" });

    /// <summary>The font family named in the document.</summary>
    public const string FontFamily = "DejaVu Sans, Verdana, Arial, sans-serif";

    private const double TitleHeight = 34, PanelTitleHeight = 24;

    /// <summary>The width of a character of 12-pixel text, about, for fitting names.</summary>
    private const double CharWidth = 7.2;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The SVG text of <paramref name="chart"/> at <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    public static string Render(Chart chart, int width, int height)
    {
        var svg = new StringBuilder();
        svg.Append(Invariant, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" ");
        svg.Append(Invariant, $"font-family=\"{FontFamily}\" font-size=\"12\">\n");
        svg.Append("<title>").Append(Escape(chart.Title)).Append("</title>\n");
        svg.Append(Invariant, $"<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        Title(svg, width / 2.0, 23, chart.Title, Chart.TitleSize);
        int count = chart.Panels.Count;
        double panelWidth = (double)width / count;
        for (int i = 0; i < count; i++)
        {
            var area = new Box(i * panelWidth, TitleHeight, panelWidth, height - TitleHeight);
            string? heading = chart.PanelHeading(i);
            svg.Append(Invariant, $"<g class=\"panel\" id=\"panel{i + 1}\">\n");
            switch (chart.Panels[i])
            {
                case LinePanel line: RenderLines(svg, line, area, heading); break;
                case HeatmapPanel heatmap: RenderHeatmap(svg, heatmap, area, heading); break;
                case BarPanel bars: RenderBars(svg, bars, area, heading); break;
                case SaliencyPanel saliency: RenderSaliency(svg, saliency, area, heading); break;
            }
            svg.Append("</g>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private readonly record struct Box(double X, double Y, double Width, double Height)
    {
        public double Right => X + Width;
        public double Bottom => Y + Height;
    }

    /// <summary>Room above a panel for its heading (a little without one).</summary>
    private static double HeadingRoom(string? heading) => heading is null ? 6 : PanelTitleHeight;

    private static void RenderLines(StringBuilder svg, LinePanel panel, Box area, string? heading)
    {
        double room = HeadingRoom(heading);
        var plot = new Box(area.X + 68, area.Y + room, Math.Max(10, area.Width - 68 - 18), Math.Max(10, area.Height - room - 48));
        if (heading is not null) Title(svg, plot.X + plot.Width / 2, area.Y + 16, heading, Chart.HeadingSize);

        double xMin = panel.Series.Min(s => s.X.Min()), xMax = panel.Series.Max(s => s.X.Max());
        double yMin = panel.YMinimum ?? panel.Series.Min(s => s.Y.Min()), yMax = panel.YMaximum ?? panel.Series.Max(s => s.Y.Max());
        var (x0, x1, xTicks) = AxisTicks.Nice(xMin, xMax, 6, integers: true);
        var (y0, y1, yTicks) = AxisTicks.Nice(yMin, yMax, 5);
        double Px(double x) => plot.X + (x - x0) / (x1 - x0) * plot.Width;
        double Py(double y) => plot.Bottom - (y - y0) / (y1 - y0) * plot.Height;

        Axes(svg, plot, xTicks, yTicks, Px, Py, panel.XLabel, panel.YLabel);
        for (int s = 0; s < panel.Series.Count; s++)
        {
            ChartSeries series = panel.Series[s];
            svg.Append(Invariant, $"<polyline class=\"series\" data-series=\"{Escape(series.Name)}\" fill=\"none\" stroke=\"{Palette[s % Palette.Count]}\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"");
            for (int i = 0; i < series.X.Length; i++)
                svg.Append(Invariant, $"{(i > 0 ? " " : "")}{Px(series.X[i]):0.##},{Py(series.Y[i]):0.##}");
            svg.Append("\"/>\n");
        }
        Legend(svg, plot, panel.Series, Px, Py);
    }

    private static void Axes(StringBuilder svg, Box plot, double[] xTicks, double[] yTicks, Func<double, double> px, Func<double, double> py,
        string xLabel, string yLabel)
    {
        double xStep = xTicks.Length > 1 ? xTicks[1] - xTicks[0] : 1, yStep = yTicks.Length > 1 ? yTicks[1] - yTicks[0] : 1;
        svg.Append("<g class=\"grid\" stroke=\"#e5e5e5\" stroke-width=\"1\">\n");
        foreach (double t in xTicks) Line(svg, px(t), plot.Y, px(t), plot.Bottom);
        foreach (double t in yTicks) Line(svg, plot.X, py(t), plot.Right, py(t));
        svg.Append("</g>\n");
        svg.Append(Invariant, $"<rect x=\"{plot.X:0.##}\" y=\"{plot.Y:0.##}\" width=\"{plot.Width:0.##}\" height=\"{plot.Height:0.##}\" fill=\"none\" stroke=\"#333\"/>\n");
        foreach (double t in xTicks) Text(svg, px(t), plot.Bottom + 16, AxisTicks.Format(t, xStep), "middle");
        foreach (double t in yTicks) Text(svg, plot.X - 6, py(t) + 4, AxisTicks.Format(t, yStep), "end");
        Text(svg, plot.X + plot.Width / 2, plot.Bottom + 36, xLabel, "middle", size: 13);
        double cx = plot.X - 52, cy = plot.Y + plot.Height / 2;
        svg.Append(Invariant, $"<text x=\"{cx:0.##}\" y=\"{cy:0.##}\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 {cx:0.##} {cy:0.##})\">{Escape(yLabel)}</text>\n");
    }

    /// <summary>The legend in the corner of the plot that the lines cross least.</summary>
    private static void Legend(StringBuilder svg, Box plot, IReadOnlyList<ChartSeries> series, Func<double, double> px, Func<double, double> py)
    {
        double width = 36 + 7.5 * series.Max(s => s.Name.Length), height = 8 + 18 * series.Count;
        var corners = new[]
        {
            (X: plot.Right - width - 8, Y: plot.Y + 8), (X: plot.Right - width - 8, Y: plot.Bottom - height - 8),
            (X: plot.X + 8, Y: plot.Y + 8), (X: plot.X + 8, Y: plot.Bottom - height - 8),
        };
        var best = corners.MinBy(c => series.Sum(s => s.X.Zip(s.Y).Count(p =>
        {
            double x = px(p.First), y = py(p.Second);
            return x >= c.X - 4 && x <= c.X + width + 4 && y >= c.Y - 4 && y <= c.Y + height + 4;
        })));
        svg.Append(Invariant, $"<g class=\"legend\"><rect x=\"{best.X:0.##}\" y=\"{best.Y:0.##}\" width=\"{width:0.##}\" height=\"{height:0.##}\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#999\"/>\n");
        for (int i = 0; i < series.Count; i++)
        {
            double y = best.Y + 13 + 18 * i;
            svg.Append(Invariant, $"<line x1=\"{best.X + 6:0.##}\" y1=\"{y - 4:0.##}\" x2=\"{best.X + 26:0.##}\" y2=\"{y - 4:0.##}\" stroke=\"{Palette[i % Palette.Count]}\" stroke-width=\"2\"/>");
            Text(svg, best.X + 31, y, series[i].Name, "start");
        }
        svg.Append("</g>\n");
    }

    private static void RenderHeatmap(StringBuilder svg, HeatmapPanel panel, Box area, string? heading)
    {
        int rows = panel.RowNames.Length, columns = panel.ColumnNames.Length;
        double nameWidth = Math.Clamp(CharWidth * panel.RowNames.Max(n => n.Length) + 12, 30, area.Width * 0.3);
        double left = area.X + 28 + nameWidth, top = area.Y + HeadingRoom(heading) + 6;
        double Cell(double below) => Math.Max(4, Math.Min(area.Right - 16 - left, area.Bottom - 52 - below - top) / Math.Max(rows, columns));
        // Column names too long for their cells are slanted, and the cells shrink to leave them room below.
        double cell = Cell(0);
        (bool slanted, double depth, string[] columnLabels) = Chart.ColumnLabels(panel.ColumnNames, cell, CharWidth);
        if (slanted) cell = Cell(depth);
        var plot = new Box(left + (area.Right - 16 - left - cell * columns) / 2, top, cell * columns, cell * rows);
        if (heading is not null) Title(svg, area.X + area.Width / 2, area.Y + 16, heading, Chart.HeadingSize);

        int max = Math.Max(1, panel.Counts.Cast<int>().Max());
        double fontSize = Math.Clamp(cell / 3.2, 7, 16);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                int count = panel.Counts[r, c];
                double t = (double)count / max;
                double x = plot.X + c * cell, y = plot.Y + r * cell;
                svg.Append(Invariant, $"<rect class=\"cell\" data-actual=\"{Escape(panel.RowNames[r])}\" data-predicted=\"{Escape(panel.ColumnNames[c])}\" x=\"{x:0.##}\" y=\"{y:0.##}\" width=\"{cell:0.##}\" height=\"{cell:0.##}\" fill=\"{Blend(t)}\" stroke=\"white\"/>\n");
                svg.Append(Invariant, $"<text x=\"{x + cell / 2:0.##}\" y=\"{y + cell / 2 + fontSize / 3:0.##}\" text-anchor=\"middle\" font-size=\"{fontSize:0.#}\" fill=\"{(t > 0.5 ? "white" : "#222")}\">{count.ToString(Invariant)}</text>\n");
            }
        svg.Append(Invariant, $"<rect x=\"{plot.X:0.##}\" y=\"{plot.Y:0.##}\" width=\"{plot.Width:0.##}\" height=\"{plot.Height:0.##}\" fill=\"none\" stroke=\"#999\"/>\n");
        int rowChars = Math.Max(3, (int)Math.Round((nameWidth - 12) / CharWidth));
        for (int r = 0; r < rows; r++) Text(svg, plot.X - 6, plot.Y + r * cell + cell / 2 + 4, Chart.Shorten(panel.RowNames[r], rowChars), "end");
        for (int c = 0; c < columns; c++)
        {
            double x = plot.X + c * cell + cell / 2;
            if (!slanted) Text(svg, x, plot.Bottom + 16, columnLabels[c], "middle");
            else svg.Append(Invariant, $"<text x=\"{x + 4:0.##}\" y=\"{plot.Bottom + 10:0.##}\" text-anchor=\"end\" transform=\"rotate(-45 {x + 4:0.##} {plot.Bottom + 10:0.##})\">{Escape(columnLabels[c])}</text>\n");
        }
        Text(svg, plot.X + plot.Width / 2, plot.Bottom + 38 + depth, panel.XLabel, "middle", size: 13);
        double cx = area.X + 14, cy = plot.Y + plot.Height / 2;
        svg.Append(Invariant, $"<text x=\"{cx:0.##}\" y=\"{cy:0.##}\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 {cx:0.##} {cy:0.##})\">{Escape(panel.YLabel)}</text>\n");
    }

    private static void RenderBars(StringBuilder svg, BarPanel panel, Box area, string? heading)
    {
        int n = panel.Names.Length;
        double nameWidth = Math.Clamp(CharWidth * panel.Names.Max(s => s.Length) + 12, 30, area.Width * 0.35);
        double room = HeadingRoom(heading);
        var plot = new Box(area.X + nameWidth + 10, area.Y + room, Math.Max(10, area.Width - nameWidth - 30), Math.Max(10, area.Height - room - 48));
        if (heading is not null) Title(svg, plot.X + plot.Width / 2, area.Y + 16, heading, Chart.HeadingSize);
        double[] errors = panel.Errors ?? new double[n];
        double low = Math.Min(0, panel.Values.Zip(errors, (v, e) => v - e).Min()), high = Math.Max(0, panel.Values.Zip(errors, (v, e) => v + e).Max());
        var (x0, x1, ticks) = AxisTicks.Nice(low, high, 5);
        double Px(double x) => plot.X + (x - x0) / (x1 - x0) * plot.Width;
        double step = ticks.Length > 1 ? ticks[1] - ticks[0] : 1;
        svg.Append("<g class=\"grid\" stroke=\"#e5e5e5\" stroke-width=\"1\">\n");
        foreach (double t in ticks) Line(svg, Px(t), plot.Y, Px(t), plot.Bottom);
        svg.Append("</g>\n");
        double band = plot.Height / n, bar = band * 0.7;
        for (int i = 0; i < n; i++)
        {
            double y = plot.Y + i * band + (band - bar) / 2;
            double a = Px(Math.Min(0, panel.Values[i])), b = Px(Math.Max(0, panel.Values[i]));
            svg.Append(Invariant, $"<rect class=\"bar\" data-name=\"{Escape(panel.Names[i])}\" x=\"{a:0.##}\" y=\"{y:0.##}\" width=\"{Math.Max(0.5, b - a):0.##}\" height=\"{bar:0.##}\" fill=\"{Palette[0]}\"/>\n");
            if (errors[i] > 0)
            {
                double mid = y + bar / 2, e0 = Px(panel.Values[i] - errors[i]), e1 = Px(panel.Values[i] + errors[i]);
                svg.Append("<g stroke=\"#333\" stroke-width=\"1.2\">");
                Line(svg, e0, mid, e1, mid); Line(svg, e0, mid - bar / 4, e0, mid + bar / 4); Line(svg, e1, mid - bar / 4, e1, mid + bar / 4);
                svg.Append("</g>\n");
            }
            Text(svg, plot.X - 6, y + bar / 2 + 4, Chart.Shorten(panel.Names[i], Math.Max(3, (int)Math.Round((nameWidth - 12) / CharWidth))), "end");
        }
        svg.Append(Invariant, $"<line x1=\"{Px(0):0.##}\" y1=\"{plot.Y:0.##}\" x2=\"{Px(0):0.##}\" y2=\"{plot.Bottom:0.##}\" stroke=\"#333\"/>\n");
        foreach (double t in ticks) Text(svg, Px(t), plot.Bottom + 16, AxisTicks.Format(t, step), "middle");
        Text(svg, plot.X + plot.Width / 2, plot.Bottom + 36, panel.XLabel, "middle", size: 13);
    }

    /// <summary>One square &lt;rect class="pixel"&gt; a pixel of the picture, centred in the panel.</summary>
    private static void RenderSaliency(StringBuilder svg, SaliencyPanel panel, Box area, string? heading)
    {
        if (heading is not null) Title(svg, area.X + area.Width / 2, area.Y + 16, heading, Chart.HeadingSize);
        double top = area.Y + HeadingRoom(heading) + 6;
        int cell = panel.CellSize(area.Width - 20, area.Bottom - 10 - top);
        double left = area.X + (area.Width - cell * panel.Columns) / 2;
        svg.Append(Invariant, $"<g class=\"saliency\" data-rows=\"{panel.Rows}\" data-columns=\"{panel.Columns}\" shape-rendering=\"crispEdges\">\n");
        for (int r = 0; r < panel.Rows; r++)
            for (int c = 0; c < panel.Columns; c++)
            {
                (byte red, byte green, byte blue) = panel.Color(r * panel.Columns + c);
                svg.Append(Invariant, $"<rect class=\"pixel\" x=\"{left + c * cell:0.##}\" y=\"{top + r * cell:0.##}\" width=\"{cell}\" height=\"{cell}\" fill=\"#{red:x2}{green:x2}{blue:x2}\"/>\n");
            }
        svg.Append("</g>\n");
    }

    private static string Blend(double t)
    {
        // white → #08519c
        int r = (int)Math.Round(255 + (8 - 255) * t), g = (int)Math.Round(255 + (81 - 255) * t), b = (int)Math.Round(255 + (156 - 255) * t);
        return $"#{r:x2}{g:x2}{b:x2}";
    }

    private static void Line(StringBuilder svg, double x1, double y1, double x2, double y2) =>
        svg.Append(Invariant, $"<line x1=\"{x1:0.##}\" y1=\"{y1:0.##}\" x2=\"{x2:0.##}\" y2=\"{y2:0.##}\"/>\n");

    private static void Text(StringBuilder svg, double x, double y, string text, string anchor, double size = 12) =>
        svg.Append(Invariant, $"<text x=\"{x:0.##}\" y=\"{y:0.##}\" text-anchor=\"{anchor}\"{(size != 12 ? $" font-size=\"{size}\"" : "")}>{Escape(text)}</text>\n");

    /// <summary>A title (the chart's, or a panel's heading), marked as one.</summary>
    private static void Title(StringBuilder svg, double x, double y, string text, double size) =>
        svg.Append(Invariant, $"<text class=\"title\" x=\"{x:0.##}\" y=\"{y:0.##}\" text-anchor=\"middle\" font-size=\"{size}\">{Escape(text)}</text>\n");

    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            switch (c)
            {
                case '&': escaped.Append("&amp;"); break;
                case '<': escaped.Append("&lt;"); break;
                case '>': escaped.Append("&gt;"); break;
                case '"': escaped.Append("&quot;"); break;
                case '\'': escaped.Append("&apos;"); break;
                default:
                    // Characters XML 1.0 forbids (control characters) are left out.
                    if (c >= 0x20 || c is '\t' or '\n' or '\r') escaped.Append(c);
                    break;
            }
        }
        return escaped.ToString();
    }
}

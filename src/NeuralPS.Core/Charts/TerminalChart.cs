using System.Globalization;
using System.Text;

namespace NeuralPS.Core.Charts;

/// <summary>
/// Training curves drawn with Unicode braille characters (2 × 4 dots a character) for a terminal: one panel for the
/// loss and one for the accuracy when there is one, training as a solid line and validation dotted, so the two tell
/// apart without colour; ANSI colour only when asked for.
/// </summary>
public static class TerminalChart
{
    private const string Reset = "\u001b[0m";
    private static readonly string[] SeriesColors = { "\u001b[94m", "\u001b[33m" }; // bright blue, yellow
    private const string AxisColor = "\u001b[90m";
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// The lines of the chart: panels of <paramref name="height"/> rows and <paramref name="width"/> characters of plot
    /// (axis labels come on top of that). <paramref name="metric"/> is Loss, Accuracy or All.
    /// </summary>
    public static IReadOnlyList<string> Render(IReadOnlyList<EpochResult> history, int width = 60, int height = 10, bool color = false, string metric = "All")
    {
        Chart chart = Chart.FromHistory(history, "");
        width = Math.Clamp(width, 10, 500);
        height = Math.Clamp(height, 2, 200);
        var lines = new List<string>();
        IEnumerable<LinePanel> panels = chart.Panels.OfType<LinePanel>()
            .Where(p => metric.Equals("All", StringComparison.OrdinalIgnoreCase) || p.Title.Equals(metric, StringComparison.OrdinalIgnoreCase));
        foreach (LinePanel panel in panels)
        {
            if (lines.Count > 0) lines.Add("");
            lines.AddRange(RenderPanel(panel, width, height, color));
        }
        if (lines.Count == 0)
            throw new NeuralPSException(ErrorIds.NoSuchMetric, ErrorKind.InvalidArgument,
                $"The history has no {metric} to show (a regression has no accuracy; F1, AUC and the other metrics are there when Invoke-Training -Metric computed them). Use -Metric Loss or All.", metric);
        return lines;
    }

    private static IEnumerable<string> RenderPanel(LinePanel panel, int width, int height, bool color)
    {
        int pixelWidth = 2 * width, pixelHeight = 4 * height;
        var dots = new int[height, width];
        var owner = new int[height, width];
        for (int r = 0; r < height; r++) for (int c = 0; c < width; c++) owner[r, c] = -1;

        double xMin = panel.Series.Min(s => s.X.Min()), xMax = panel.Series.Max(s => s.X.Max());
        double yMin = panel.YMinimum ?? panel.Series.Min(s => s.Y.Min()), yMax = panel.YMaximum ?? panel.Series.Max(s => s.Y.Max());
        if (yMax - yMin < 1e-12) { yMin -= 0.5; yMax += 0.5; }
        int Px(double x) => xMax > xMin ? (int)Math.Round((x - xMin) / (xMax - xMin) * (pixelWidth - 1)) : 0;
        int Py(double y) => (int)Math.Round((yMax - Math.Clamp(y, yMin, yMax)) / (yMax - yMin) * (pixelHeight - 1));

        for (int s = 0; s < panel.Series.Count; s++)
        {
            ChartSeries series = panel.Series[s];
            bool dotted = s > 0;
            int step = 0;
            void Set(int x, int y)
            {
                if (dotted && step++ % 3 == 2) return;
                int row = y / 4, column = x / 2;
                dots[row, column] |= Bit(x % 2, y % 4);
                owner[row, column] = s;
            }
            if (series.X.Length == 1) Set(Px(series.X[0]), Py(series.Y[0]));
            for (int i = 1; i < series.X.Length; i++)
                Line(Px(series.X[i - 1]), Py(series.Y[i - 1]), Px(series.X[i]), Py(series.Y[i]), Set, skipFirst: i > 1);
        }

        string top = Label(yMax), bottom = Label(yMin), middle = Label((yMax + yMin) / 2);
        int labelWidth = Math.Max(top.Length, Math.Max(bottom.Length, middle.Length));
        string Paint(string text, string code) => color ? code + text + Reset : text;

        var legend = new StringBuilder(panel.Title);
        for (int s = 0; s < panel.Series.Count; s++)
        {
            ChartSeries series = panel.Series[s];
            legend.Append("   ");
            legend.Append(Paint(s == 0 ? "⠒⠒" : "⠂⠐", SeriesColors[s % SeriesColors.Length]));
            legend.Append(' ').Append(series.Name).Append(' ').Append(Label(series.Y[^1]));
        }
        yield return legend.ToString();

        for (int r = 0; r < height; r++)
        {
            string label = r == 0 ? top : r == height - 1 ? bottom : r == height / 2 && height > 4 ? middle : "";
            var line = new StringBuilder();
            line.Append(label.PadLeft(labelWidth)).Append(' ').Append(Paint(label.Length > 0 ? "┤" : "│", AxisColor));
            int current = -2;
            for (int c = 0; c < width; c++)
            {
                int who = dots[r, c] == 0 ? -1 : owner[r, c];
                if (color && who != current)
                {
                    if (current >= 0) line.Append(Reset);
                    if (who >= 0) line.Append(SeriesColors[who % SeriesColors.Length]);
                    current = who;
                }
                line.Append(dots[r, c] == 0 ? ' ' : (char)(0x2800 + dots[r, c]));
            }
            if (color && current >= 0) line.Append(Reset);
            yield return line.ToString().TrimEnd();
        }
        yield return new string(' ', labelWidth + 1) + Paint("└" + new string('─', width), AxisColor);
        string first = Label(xMin), last = Label(xMax), name = panel.XLabel.ToLowerInvariant();
        var axis = new StringBuilder(new string(' ', labelWidth + 2)).Append(first);
        int gap = width - first.Length - last.Length;
        if (gap >= name.Length + 2)
        {
            int before = (gap - name.Length) / 2;
            axis.Append(' ', before).Append(name).Append(' ', gap - before - name.Length);
        }
        else axis.Append(' ', Math.Max(1, gap));
        yield return axis.Append(last).ToString();
    }

    private static int Bit(int x, int y) => (x, y) switch
    {
        (0, 3) => 0x40,
        (1, 3) => 0x80,
        (0, _) => 1 << y,
        _ => 1 << (y + 3),
    };

    /// <summary>Bresenham's line from (x0, y0) to (x1, y1).</summary>
    private static void Line(int x0, int y0, int x1, int y1, Action<int, int> set, bool skipFirst)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, error = dx + dy;
        bool first = true;
        while (true)
        {
            if (!(first && skipFirst)) set(x0, y0);
            first = false;
            if (x0 == x1 && y0 == y1) return;
            int e2 = 2 * error;
            if (e2 >= dy) { error += dy; x0 += sx; }
            if (e2 <= dx) { error += dx; y0 += sy; }
        }
    }

    private static string Label(double value) => value.ToString(Math.Abs(value) >= 1000 || (Math.Abs(value) < 0.01 && value != 0) ? "G3" : "0.###", Invariant);
}

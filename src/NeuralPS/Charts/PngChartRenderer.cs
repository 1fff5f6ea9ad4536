using NeuralPS.Core;
using NeuralPS.Core.Charts;
using ScottPlot;
using SkiaSharp;

namespace NeuralPS.Charts;

/// <summary>A rendered PNG, the font family its text was drawn with, and the titles drawn, top first.</summary>
public sealed record RenderedPng(byte[] Bytes, string FontFamily, string FontFile, IReadOnlyList<string> Titles);

/// <summary>
/// Renders a <see cref="Chart"/> to PNG with ScottPlot: the same panels as the SVG writer, side by side, drawn with
/// the font shipped in the module (module/fonts/DejaVuSans.ttf), registered with ScottPlot under its own name so no
/// system font can stand in for it.
/// </summary>
public static class PngChartRenderer
{
    /// <summary>The name the module's font is registered under with ScottPlot.</summary>
    public const string FontName = "NeuralPS DejaVu Sans";

    private static readonly object FontLock = new();
    private static string? _fontFile;

    private static readonly Color[] Palette = SvgChartWriter.Palette.Select(Color.FromHex).ToArray();

    /// <summary>The font file shipped with the module.</summary>
    public static string FontFile => Path.GetFullPath(Path.Combine(NativeLibraries.ModuleBinFolder, "..", "fonts", "DejaVuSans.ttf"));

    /// <summary>Registers the module's font with ScottPlot (once per process) and returns its file.</summary>
    public static string EnsureFont()
    {
        lock (FontLock)
        {
            if (_fontFile is not null) return _fontFile;
            string file = FontFile;
            if (!File.Exists(file))
                throw new NeuralPSException(ErrorIds.FontMissing, ErrorKind.NotFound,
                    $"The font that PNG charts are drawn with is missing ({file}). Reinstall the module, or write an .svg chart instead.", file);
            NativeLibraries.Register();
            Fonts.AddFontFile(FontName, file, bold: false, italic: false);
            _fontFile = file;
            return file;
        }
    }

    /// <summary>The PNG bytes of <paramref name="chart"/> at <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    public static RenderedPng Render(Chart chart, int width, int height)
    {
        string fontFile = EnsureFont();
        // ScottPlot caches typefaces: not disposed here.
        SKTypeface typeface = Fonts.GetTypeface(FontName, bold: false, italic: false);
        string family = typeface.FamilyName;

        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using SKSurface surface = SKSurface.Create(info) ?? throw new NeuralPSException(ErrorIds.ChartFailed, ErrorKind.InvalidOperation,
            $"Could not make a {width}×{height} drawing surface for the chart.");
        SKCanvas canvas = surface.Canvas;
        canvas.Clear(SKColors.White);

        const float header = 34;
        var titles = new List<string> { chart.Title };
        using (var font = new SKFont(typeface, Chart.TitleSize))
        using (var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true })
        {
            float textWidth = font.MeasureText(chart.Title);
            canvas.DrawText(chart.Title, (width - textWidth) / 2, 24, font, paint);
        }

        float panelWidth = (float)width / chart.Panels.Count;
        for (int i = 0; i < chart.Panels.Count; i++)
        {
            string? heading = chart.PanelHeading(i);
            if (heading is not null) titles.Add(heading);
            if (chart.Panels[i] is SaliencyPanel saliency)
            {
                DrawSaliency(canvas, saliency, heading, typeface, new SKRect(i * panelWidth, header, (i + 1) * panelWidth, height));
                continue;
            }
            Plot plot = Build(chart.Panels[i], heading, (int)panelWidth);
            plot.Font.Set(FontName);
            plot.Legend.FontName = FontName;
            // Each panel is drawn on a surface of its own (ScottPlot clears the canvas it renders on), then placed.
            int w = (int)Math.Round((i + 1) * panelWidth) - (int)Math.Round(i * panelWidth), h = Math.Max(1, height - (int)header);
            using (SKSurface panelSurface = SKSurface.Create(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul)))
            {
                plot.Render(panelSurface);
                using SKImage panelImage = panelSurface.Snapshot();
                canvas.DrawImage(panelImage, (float)Math.Round(i * panelWidth), header);
            }
            family = Fonts.GetTypeface(plot.Axes.Title.Label.FontName, false, false).FamilyName;
        }
        using SKImage image = surface.Snapshot();
        using SKData data = image.Encode(SKEncodedImageFormat.Png, 100);
        return new RenderedPng(data.ToArray(), family, fontFile, titles);
    }

    /// <summary>
    /// The picture one square cell a pixel, as the SVG writer lays it out (the same cell size and colors), drawn as a
    /// bitmap of the picture's size scaled up without smoothing: a PNG's pixels, not a plot's axes.
    /// </summary>
    private static void DrawSaliency(SKCanvas canvas, SaliencyPanel panel, string? heading, SKTypeface typeface, SKRect area)
    {
        float top = area.Top + (heading is null ? 6 : 24) + 6;
        if (heading is not null)
        {
            using var font = new SKFont(typeface, Chart.HeadingSize);
            using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            canvas.DrawText(heading, area.MidX - font.MeasureText(heading) / 2, area.Top + 16, font, paint);
        }
        int cell = panel.CellSize(area.Width - 20, area.Bottom - 10 - top);
        float left = (float)Math.Round(area.Left + (area.Width - cell * panel.Columns) / 2);
        using var bitmap = new SKBitmap(new SKImageInfo(panel.Columns, panel.Rows, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int r = 0; r < panel.Rows; r++)
            for (int c = 0; c < panel.Columns; c++)
            {
                (byte red, byte green, byte blue) = panel.Color(r * panel.Columns + c);
                bitmap.SetPixel(c, r, new SKColor(red, green, blue));
            }
        using SKImage image = SKImage.FromBitmap(bitmap);
        canvas.DrawImage(image, new SKRect(left, (float)Math.Round(top), left + cell * panel.Columns, (float)Math.Round(top) + cell * panel.Rows),
            new SKSamplingOptions(SKFilterMode.Nearest));
    }

    private static Plot Build(ChartPanel panel, string? heading, int widthHint)
    {
        var plot = new Plot();
        if (heading is not null) plot.Title(heading, size: Chart.HeadingSize);
        switch (panel)
        {
            case LinePanel line: Lines(plot, line); break;
            case HeatmapPanel heatmap: Heatmap(plot, heatmap, widthHint); break;
            case BarPanel bars: Bars(plot, bars); break;
        }
        return plot;
    }

    private static void Lines(Plot plot, LinePanel panel)
    {
        for (int s = 0; s < panel.Series.Count; s++)
        {
            ChartSeries series = panel.Series[s];
            var scatter = plot.Add.ScatterLine(series.X, series.Y, Palette[s % Palette.Length]);
            scatter.LegendText = series.Name;
            scatter.LineWidth = 2;
            scatter.MarkerSize = series.X.Length <= 30 ? 4 : 0;
        }
        plot.XLabel(panel.XLabel, size: 13);
        plot.YLabel(panel.YLabel, size: 13);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        if (panel.YMinimum is double low && panel.YMaximum is double high)
            plot.Axes.SetLimitsY(low - 0.02 * (high - low), high + 0.02 * (high - low));
        // Loss falls and accuracy rises: keep the legend in the corner the lines leave free.
        bool rising = panel.Series[0].Y[^1] > panel.Series[0].Y[0];
        plot.ShowLegend(rising ? Alignment.LowerRight : Alignment.UpperRight);
    }

    private static void Heatmap(Plot plot, HeatmapPanel panel, int widthHint)
    {
        int rows = panel.RowNames.Length, columns = panel.ColumnNames.Length;
        int max = Math.Max(1, panel.Counts.Cast<int>().Max());
        var scale = new WhiteToBlue();
        // One rectangle per cell, (r, c) centred on x = c, y = rows - 1 - r: row 0 (the first class) at the top.
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                double y = rows - 1 - r;
                var cell = plot.Add.Rectangle(c - 0.5, c + 0.5, y - 0.5, y + 0.5);
                cell.FillColor = scale.GetColor((double)panel.Counts[r, c] / max);
                cell.LineColor = Colors.White;
                cell.LineWidth = 1;
            }
        var frame = plot.Add.Rectangle(-0.5, columns - 0.5, -0.5, rows - 0.5);
        frame.FillColor = Colors.Transparent;
        frame.LineColor = Colors.Gray;
        float fontSize = (float)Math.Clamp(160.0 / Math.Max(rows, columns), 8, 18);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                var text = plot.Add.Text(panel.Counts[r, c].ToString(System.Globalization.CultureInfo.InvariantCulture), c, rows - 1 - r);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = fontSize;
                text.LabelFontName = FontName;
                text.LabelFontColor = panel.Counts[r, c] > max / 2.0 ? Colors.White : Colors.Black;
            }
        // Column names too long for their cells are slanted (the axis then takes the room they need below the cells).
        (bool slanted, double depth, string[] columnLabels) = Chart.ColumnLabels(panel.ColumnNames, (widthHint - 120) / (double)columns, 7.5);
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, columns).Select(c => (double)c).ToArray(), columnLabels);
        if (slanted)
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = -45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.UpperRight;
            plot.Axes.Bottom.MinimumSize = (float)depth + 30;
        }
        plot.Axes.Left.SetTicks(Enumerable.Range(0, rows).Select(r => (double)(rows - 1 - r)).ToArray(),
            panel.RowNames.Select(n => Chart.Shorten(n, 40)).ToArray());
        plot.Axes.SetLimits(-0.5, columns - 0.5, -0.5, rows - 0.5);
        plot.XLabel(panel.XLabel, size: 13);
        plot.YLabel(panel.YLabel, size: 13);
        plot.Grid.IsVisible = false;
    }

    private static void Bars(Plot plot, BarPanel panel)
    {
        int n = panel.Names.Length;
        var bars = new List<Bar>();
        for (int i = 0; i < n; i++)
            bars.Add(new Bar
            {
                Position = n - 1 - i, Value = panel.Values[i], Error = panel.Errors?[i] ?? 0,
                FillColor = Palette[0], Orientation = Orientation.Horizontal,
            });
        plot.Add.Bars(bars);
        plot.Axes.Left.SetTicks(Enumerable.Range(0, n).Select(i => (double)(n - 1 - i)).ToArray(), panel.Names.Select(s => Chart.Shorten(s, 40)).ToArray());
        plot.XLabel(panel.XLabel, size: 13);
        plot.Axes.Margins(left: 0.05, right: 0.1, bottom: 0.02, top: 0.02);
    }

    /// <summary>White for no rows, deep blue for the most: the SVG writer's scale.</summary>
    private sealed class WhiteToBlue : IColormap
    {
        public string Name => "White to blue";

        public Color GetColor(double position)
        {
            double t = double.IsFinite(position) ? Math.Clamp(position, 0, 1) : 0;
            return new Color((byte)Math.Round(255 + (8 - 255) * t), (byte)Math.Round(255 + (81 - 255) * t), (byte)Math.Round(255 + (156 - 255) * t));
        }
    }
}

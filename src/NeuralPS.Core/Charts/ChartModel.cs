using NeuralPS.Core.Training;

namespace NeuralPS.Core.Charts;

/// <summary>One line of a line chart: a name for the legend and its points.</summary>
public sealed record ChartSeries(string Name, double[] X, double[] Y);

/// <summary>A chart panel: lines over shared axes, or a heatmap of counts, or horizontal bars.</summary>
public abstract record ChartPanel(string Title, string XLabel, string YLabel);

/// <summary>Lines (training against validation) over an x axis of epochs.</summary>
public sealed record LinePanel(string Title, string XLabel, string YLabel, IReadOnlyList<ChartSeries> Series,
    double? YMinimum = null, double? YMaximum = null) : ChartPanel(Title, XLabel, YLabel);

/// <summary>A grid of counts: rows are actual classes, columns predicted classes.</summary>
public sealed record HeatmapPanel(string Title, string XLabel, string YLabel, string[] RowNames, string[] ColumnNames, int[,] Counts)
    : ChartPanel(Title, XLabel, YLabel);

/// <summary>Horizontal bars with optional error whiskers, largest first (feature importance).</summary>
public sealed record BarPanel(string Title, string XLabel, string YLabel, string[] Names, double[] Values, double[]? Errors)
    : ChartPanel(Title, XLabel, YLabel);

/// <summary>
/// A saliency map over a picture of <paramref name="Rows"/>×<paramref name="Columns"/> pixels: the picture in gray
/// (<paramref name="Gray"/>, 0 black to 1 white, row after row) under a red veil as opaque as the pixel's saliency
/// (<paramref name="Heat"/>, 0 to 1, the largest 1). Drawn one square cell a pixel, so the map has the picture's size.
/// </summary>
public sealed record SaliencyPanel(string Title, int Rows, int Columns, double[] Gray, double[] Heat) : ChartPanel(Title, "", "")
{
    /// <summary>The color of pixel i: its gray blended toward red by its heat (the SVG's and the PNG's).</summary>
    public (byte R, byte G, byte B) Color(int i)
    {
        double gray = 255 * Math.Clamp(Gray[i], 0, 1), alpha = 0.85 * Math.Clamp(Heat[i], 0, 1);
        static byte Mix(double from, double to, double a) => (byte)Math.Round(from + (to - from) * a);
        return (Mix(gray, 214, alpha), Mix(gray, 39, alpha), Mix(gray, 40, alpha));
    }

    /// <summary>The side of a pixel's square cell in an area of <paramref name="width"/>×<paramref name="height"/> (at least 1).</summary>
    public int CellSize(double width, double height) => Math.Max(1, (int)Math.Floor(Math.Min(width / Columns, height / Rows)));
}

/// <summary>What a chart file shows: a title and panels laid side by side.</summary>
public sealed record Chart(string Title, IReadOnlyList<ChartPanel> Panels)
{
    /// <summary>Pixel size of the chart's title, and of a panel's heading (both renderers).</summary>
    public const float TitleSize = 16, HeadingSize = 14;

    /// <summary>
    /// The heading drawn above panel <paramref name="index"/>: its title, or none when that only repeats the chart's
    /// title. Both renderers ask this, so a PNG and an SVG of the same chart carry the same titles.
    /// </summary>
    public string? PanelHeading(int index) => Panels[index].Title == Title ? null : Panels[index].Title;

    /// <summary>Every title the chart shows, top first: the chart's, then each panel's heading.</summary>
    public IReadOnlyList<string> Titles =>
        new[] { Title }.Concat(Enumerable.Range(0, Panels.Count).Select(PanelHeading).OfType<string>()).ToArray();

    /// <summary>Loss curves, and accuracy curves when the task has them, training against validation.</summary>
    public static Chart FromHistory(IReadOnlyList<EpochResult> history, string title)
    {
        if (history.Count == 0)
            throw new NeuralPSException(ErrorIds.NeverTrained, ErrorKind.InvalidOperation,
                "There is no training history to chart: train the network first (Invoke-Training), or pipe the epoch results of a training.");
        double[] epochs = history.Select(e => (double)e.Epoch).ToArray();
        var panels = new List<ChartPanel>();
        var loss = new List<ChartSeries> { new("training", epochs, history.Select(e => e.Loss).ToArray()) };
        if (history.All(e => e.ValidationLoss is not null))
            loss.Add(new ChartSeries("validation", epochs, history.Select(e => e.ValidationLoss!.Value).ToArray()));
        panels.Add(new LinePanel("Loss", "Epoch", "Loss", loss));
        if (history.All(e => e.Accuracy is not null))
        {
            var accuracy = new List<ChartSeries> { new("training", epochs, history.Select(e => e.Accuracy!.Value).ToArray()) };
            if (history.All(e => e.ValidationAccuracy is not null))
                accuracy.Add(new ChartSeries("validation", epochs, history.Select(e => e.ValidationAccuracy!.Value).ToArray()));
            panels.Add(new LinePanel("Accuracy", "Epoch", "Accuracy", accuracy, 0, 1));
        }
        foreach (ChartSeries series in panels.OfType<LinePanel>().SelectMany(p => p.Series))
            if (series.Y.Any(v => !double.IsFinite(v)))
                throw new NeuralPSException(ErrorIds.InvalidData, ErrorKind.InvalidData,
                    $"The {series.Name} series has a value that is not a finite number; it cannot be charted.");
        return new Chart(title, panels);
    }

    /// <summary>
    /// A learning-rate range test (Find-LearningRate): the loss and its smoothed curve against log10 of the rate, and
    /// the suggested rate as a vertical line.
    /// </summary>
    public static Chart FromLearningRateCurve(IReadOnlyList<LearningRatePoint> curve, double? suggested, string title)
    {
        if (curve.Count == 0)
            throw new NeuralPSException(ErrorIds.NothingToChart, ErrorKind.InvalidArgument, "The learning-rate curve has no points to chart.");
        double[] x = curve.Select(p => Math.Log10(p.LearningRate)).ToArray();
        double[] smoothed = curve.Select(p => p.SmoothedLoss).ToArray();
        var series = new List<ChartSeries>
        {
            new("loss", x, curve.Select(p => double.IsFinite(p.Loss) ? p.Loss : p.SmoothedLoss).ToArray()),
            new("smoothed", x, smoothed),
        };
        // the loss axis spans the smoothed curve (a raw batch loss can jump far above it); the marker spans it too
        double low = smoothed.Min(), high = smoothed.Max();
        if (suggested is double rate && rate > 0)
            series.Add(new ChartSeries($"suggested {rate:G2}", new[] { Math.Log10(rate), Math.Log10(rate) }, new[] { low, high }));
        return new Chart(title, new ChartPanel[] { new LinePanel(title, "log10 learning rate", "Loss", series, low, high) });
    }

    /// <summary>The confusion matrix of a classification evaluation as a heatmap of counts.</summary>
    public static Chart FromEvaluation(Evaluation evaluation, string title)
    {
        ConfusionMatrix matrix = evaluation.ConfusionMatrix ?? throw new NeuralPSException(ErrorIds.NoConfusionMatrix, ErrorKind.InvalidArgument,
            $"A {evaluation.Task.ToLowerInvariant()} evaluation has no confusion matrix to chart; only classification results do.", evaluation);
        string subtitle = evaluation.Accuracy is double a ? $"accuracy {a:P1} on {evaluation.Rows} rows" : $"{evaluation.Rows} rows";
        return new Chart(title, new ChartPanel[]
        {
            new HeatmapPanel($"Confusion matrix ({subtitle})", "Predicted", "Actual", matrix.Classes, matrix.Classes, matrix.Counts),
        });
    }

    /// <summary>
    /// Bars of importance per feature, largest at the top: the <paramref name="top"/> largest of them, out of
    /// <paramref name="total"/> features (at least the bars given); a chart that leaves features out says how many.
    /// </summary>
    public static Chart FromBars(string title, string valueLabel, IReadOnlyList<(string Name, double Value, double Error)> bars,
        int top = int.MaxValue, int total = 0)
    {
        if (bars.Count == 0)
            throw new NeuralPSException(ErrorIds.NothingToChart, ErrorKind.InvalidArgument, "There are no values to chart.");
        var ordered = bars.OrderByDescending(b => b.Value).Take(Math.Max(1, top)).ToArray();
        total = Math.Max(total, bars.Count);
        string heading = ordered.Length < total ? $"Top {ordered.Length} of {total} features ({total - ordered.Length} not shown)" : title;
        return new Chart(title, new ChartPanel[]
        {
            new BarPanel(heading, valueLabel, "Feature", ordered.Select(b => b.Name).ToArray(), ordered.Select(b => b.Value).ToArray(),
                ordered.Select(b => b.Error).ToArray()),
        });
    }

    /// <summary>
    /// The saliency map of an image attribution over its picture: the picture's gray (the mean of its channels, scaled
    /// to its own range) and each pixel's saliency (the sum over channels of |attribution|) relative to the largest.
    /// </summary>
    public static Chart FromImageAttribution(Interpretability.ImageAttribution attribution, string title)
    {
        int rows = attribution.Height, columns = attribution.Width, plane = rows * columns;
        var gray = new double[plane];
        var heat = new double[plane];
        for (int c = 0; c < attribution.Channels; c++)
            for (int i = 0; i < plane; i++)
            {
                gray[i] += attribution.Pixels[c * plane + i] / (double)attribution.Channels;
                heat[i] += Math.Abs(attribution.Values[c * plane + i]);
            }
        if (gray.Concat(heat).Any(v => !double.IsFinite(v)))
            throw new NeuralPSException(ErrorIds.InvalidData, ErrorKind.InvalidData, "The attribution or its picture holds a value that is not a finite number; it cannot be charted.");
        double low = gray.Min(), high = gray.Max(), most = heat.Max();
        for (int i = 0; i < plane; i++)
        {
            gray[i] = high > low ? (gray[i] - low) / (high - low) : 0.5;
            heat[i] = most > 0 ? heat[i] / most : 0;
        }
        return new Chart(title, new ChartPanel[]
        {
            new SaliencyPanel("Saliency (red: |attribution|)", rows, columns, gray, heat),
        });
    }

    /// <summary>
    /// How to write a heatmap's column names under cells <paramref name="cellWidth"/> pixels wide, with text about
    /// <paramref name="charWidth"/> pixels a character: level when the longest fits a cell, else slanted at 45° (the
    /// names then need <c>Depth</c> pixels below the cells). Names over 40 characters are shortened either way.
    /// </summary>
    public static (bool Slanted, double Depth, string[] Labels) ColumnLabels(IReadOnlyList<string> names, double cellWidth, double charWidth)
    {
        string[] labels = names.Select(n => Shorten(n, 40)).ToArray();
        double longest = charWidth * labels.Max(l => l.Length);
        return longest <= cellWidth - 4 ? (false, 0, labels) : (true, longest * Math.Sqrt(0.5) + 8, labels);
    }

    /// <summary>The text cut to <paramref name="chars"/> characters, the last one an ellipsis.</summary>
    public static string Shorten(string text, int chars) => text.Length <= chars ? text : text[..Math.Max(1, chars - 1)] + "…";
}

/// <summary>Round tick positions for an axis (1, 2, 2.5 or 5 times a power of ten).</summary>
public static class AxisTicks
{
    /// <summary>The axis range widened to round ticks, and the ticks, about <paramref name="count"/> of them.</summary>
    public static (double Minimum, double Maximum, double[] Ticks) Nice(double minimum, double maximum, int count = 5, bool integers = false)
    {
        if (!double.IsFinite(minimum) || !double.IsFinite(maximum)) { minimum = 0; maximum = 1; }
        if (maximum < minimum) (minimum, maximum) = (maximum, minimum);
        if (maximum - minimum < 1e-12)
        {
            double pad = Math.Abs(minimum) > 1e-12 ? Math.Abs(minimum) * 0.1 : 1;
            minimum -= pad;
            maximum += pad;
        }
        double raw = (maximum - minimum) / Math.Max(1, count);
        double power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 2.5, 5, 10 }.Select(f => f * power).First(s => s >= raw);
        if (integers) step = step < 1 ? 1 : Math.Round(step) == step ? step : Math.Ceiling(step);
        double low = Math.Floor(minimum / step) * step, high = Math.Ceiling(maximum / step) * step;
        int n = (int)Math.Round((high - low) / step);
        double[] ticks = Enumerable.Range(0, n + 1).Select(i => Math.Round(low + i * step, 12)).ToArray();
        return (low, high, ticks);
    }

    /// <summary>A tick label: as few digits as tell the ticks apart.</summary>
    public static string Format(double value, double step)
    {
        int decimals = step >= 1 ? 0 : Math.Min(6, (int)Math.Ceiling(-Math.Log10(step) - 1e-9));
        if (step < 1 && Math.Abs(step * Math.Pow(10, decimals) - Math.Round(step * Math.Pow(10, decimals))) > 1e-9) decimals++;
        return value.ToString("F" + decimals, System.Globalization.CultureInfo.InvariantCulture);
    }
}

using NeuralPS.Core.Data;

namespace NeuralPS.Core.Training;

/// <summary>
/// Continues a series with a network trained on windows over it (<see cref="SeriesEncoding"/>, -Horizon 1): from a
/// window of the last T records it predicts the next record's label, appends that record to the window (dropping the
/// oldest) and predicts again, <c>steps</c> times.
/// <para>What the appended record holds: the label's own column (when the label is one of the window's features) takes
/// the prediction — the value, or the class for a classifier; every other column must come from the caller, one
/// record a step (<c>future</c>), since nothing else knows its future. With several features and no future records
/// the forecast is refused (<see cref="ErrorIds.FutureValuesUnknown"/>) rather than guessed.</para>
/// </summary>
public sealed class Forecaster
{
    private readonly Network _network;

    /// <summary>A forecaster for <paramref name="network"/>, which must have been trained on windows labelled one step on.</summary>
    public Forecaster(Network network)
    {
        network.EnsureReady();
        _network = network;
        Series = network.Series ?? throw new NeuralPSException(ErrorIds.NotASeriesNetwork, ErrorKind.InvalidOperation,
            $"The network '{network.Name}' was not trained on windows over a series, so it has no series to continue. " +
            "Train it on windows (Import-Csv series.csv | ConvertTo-Dataset -Label Value -Window 12), or predict without -Steps.", network);
        if (Series.Horizon != 1)
            throw new NeuralPSException(ErrorIds.ForecastHorizon, ErrorKind.InvalidOperation,
                $"The network '{network.Name}' predicts the label {Series.Horizon} step{(Series.Horizon == 1 ? "" : "s")} after a window's end (-Horizon {Series.Horizon}), " +
                "so its predictions are not the next record and cannot be fed back as one. Train it on windows made with -Horizon 1 to forecast " +
                "step by step, or predict its windows directly (Invoke-Prediction -Data $windows).", network);
        if (Series.FeatureCount != network.InputSize)
            throw new NeuralPSException(ErrorIds.WindowMismatch, ErrorKind.InvalidOperation,
                $"The network '{network.Name}' keeps windows of {Series.Describe()} ({Series.FeatureCount} values) but takes {network.InputSize} inputs.", network);
    }

    /// <summary>How the network's windows are made.</summary>
    public SeriesEncoding Series { get; }

    /// <summary>
    /// The window a forecast starts from: the last <see cref="SeriesEncoding.Window"/> of <paramref name="records"/>
    /// (the series in order; each a lookup of a column's value), encoded. Errors name the record (1-based, of all given).
    /// </summary>
    public float[] StartFrom(IReadOnlyList<Func<string, (bool Found, object? Value)>> records)
    {
        int window = Series.Window, width = Series.RecordWidth;
        if (records.Count < window)
            throw new NeuralPSException(ErrorIds.SeriesTooShort, ErrorKind.InvalidData,
                $"The series given has {records.Count} record{(records.Count == 1 ? "" : "s")}, but a forecast starts from one window of {window}: " +
                $"give at least its last {window} records, or no records to start from the end of the series the network was trained on.", records.Count);
        int first = records.Count - window;
        var start = new float[window * width];
        for (int t = 0; t < window; t++)
        {
            int record = first + t;
            string where = $"It is in the last window (records {first + 1} to {records.Count}), which the forecast starts from.";
            Encode(records[record], start.AsSpan(t * width, width), $"Record {record + 1}", -1, where);
        }
        return start;
    }

    /// <summary>The window a forecast starts from for a dataset of windows: the end of the series it was made from.</summary>
    public float[] StartFrom(Dataset data)
    {
        SeriesEncoding given = data.Series ?? throw new NeuralPSException(ErrorIds.WindowMismatch, ErrorKind.InvalidData,
            $"The dataset '{data.Name}' is not windows over a series, so it has no last window to forecast from. " +
            $"Give the series' records instead, or windows made as the network's were (ConvertTo-Dataset -Window {Series.Window}).", data);
        if (given.Window != Series.Window || given.RecordWidth != Series.RecordWidth ||
            !given.Record.FeatureNames.SequenceEqual(Series.Record.FeatureNames, StringComparer.OrdinalIgnoreCase))
            throw new NeuralPSException(ErrorIds.WindowMismatch, ErrorKind.InvalidData,
                $"The dataset '{data.Name}' is windows of {given.Describe()} ({string.Join(", ", given.Record.FeatureNames.Take(8))}), " +
                $"but the network reads windows of {Series.Describe()} ({string.Join(", ", Series.Record.FeatureNames.Take(8))}). {Remake(Series)}", data);
        return given.LastWindow.ToArray();
    }

    /// <summary>
    /// Forecasts <paramref name="steps"/> steps on from <paramref name="start"/> (a window, not changed); one output
    /// row a step. <paramref name="future"/>: the columns other than the label for each step, in order (null: none given).
    /// </summary>
    public IEnumerable<float[]> Run(float[] start, int steps, IReadOnlyList<Func<string, (bool Found, object? Value)>>? future)
    {
        if (start.Length != Series.FeatureCount)
            throw new NeuralPSException(ErrorIds.WindowMismatch, ErrorKind.InvalidData,
                $"A forecast starts from a window of {Series.Describe()} ({Series.FeatureCount} values); {start.Length} were given.", start);
        CheckFuture(steps, future);
        return Steps(start.ToArray(), steps, future);
    }

    private IEnumerable<float[]> Steps(float[] window, int steps, IReadOnlyList<Func<string, (bool Found, object? Value)>>? future)
    {
        int width = Series.RecordWidth, label = Series.LabelColumn;
        var record = new float[width];
        for (int step = 1; step <= steps; step++)
        {
            float[] output = _network.Predict(window, 1);
            // the next record: the prediction in the label's own column, the caller's values in the others
            if (future is not null)
                Encode(future[step - 1], record, $"Future record {step}", label, $"It is the record of forecast step {step}.");
            if (label >= 0)
                Series.Record.EncodeValue(label, LabelValue(output), record.AsSpan(Series.ColumnOffset(label)), $"Forecast step {step}");
            window.AsSpan(width).CopyTo(window);
            record.CopyTo(window.AsSpan(window.Length - width));
            yield return output;
        }
    }

    /// <summary>Refuses a forecast whose future records are unknown or too few, before any step is taken.</summary>
    private void CheckFuture(int steps, IReadOnlyList<Func<string, (bool Found, object? Value)>>? future)
    {
        int label = Series.LabelColumn;
        string[] others = Series.Record.Columns.Where((_, c) => c != label).Select(c => c.Name).ToArray();
        if (future is null && others.Length > 0)
            throw new NeuralPSException(ErrorIds.FutureValuesUnknown, ErrorKind.InvalidArgument, label >= 0
                ? $"The windows hold {Join(others)} besides the label '{Series.LabelName}': a forecast feeds back only its own predictions " +
                  $"of '{Series.LabelName}', and the future values of {Join(others)} are unknown. Give them, one record a step: " +
                  $"-Future $records (each with {Join(others)}), or train on windows of the label alone (ConvertTo-Dataset -Label {Series.LabelName} -Feature {Series.LabelName} -Window {Series.Window})."
                : $"The label '{Series.LabelName}' is not one of the windows' features ({Join(others)}), so a forecast has none of its own values to feed back. " +
                  $"Give the features of each future step: -Future $records (each with {Join(others)}), or make the windows with the label among their features.",
                Series);
        if (future is not null && future.Count < steps)
            throw new NeuralPSException(ErrorIds.FutureValuesUnknown, ErrorKind.InvalidArgument,
                $"-Future gives {future.Count} record{(future.Count == 1 ? "" : "s")} for {steps} steps: give one a step (with {Join(others)}), or forecast {future.Count} steps.", future.Count);
    }

    /// <summary>
    /// Encodes one record into <paramref name="row"/> (every column but <paramref name="skip"/>), refusing a missing
    /// column (<see cref="ErrorIds.MissingFeature"/>) or an empty or non-finite value (<see cref="ErrorIds.NaNInWindow"/>).
    /// </summary>
    private void Encode(Func<string, (bool Found, object? Value)> lookup, Span<float> row, string record, int skip, string where)
    {
        FeatureEncoding encoding = Series.Record;
        int offset = 0;
        for (int c = 0; c < encoding.Columns.Length; c++)
        {
            FeatureColumn column = encoding.Columns[c];
            if (c != skip)
            {
                (bool found, object? value) = lookup(column.Name);
                if (!found)
                    throw new NeuralPSException(ErrorIds.MissingFeature, ErrorKind.InvalidData,
                        $"{record} has no property '{column.Name}', one of the windows' features ({Join(encoding.Columns.Select(x => x.Name))}). {where}", record);
                bool missing = FeatureValues.IsMissing(value);
                double number = 0;
                if (missing || (column.Kind != ColumnKind.Categorical && FeatureValues.TryNumber(value, out number) && !float.IsFinite((float)number)))
                    throw new NeuralPSException(ErrorIds.NaNInWindow, ErrorKind.InvalidData,
                        $"{record}, column '{column.Name}' is {(missing ? "empty" : double.IsNaN(number) ? "NaN" : "infinite (or too large for float32)")}. {where} " +
                        "Fill the value (the previous one, or the mean of its neighbours).", record);
                encoding.EncodeValue(c, value, row[offset..], record);
            }
            offset += column.Width;
        }
    }

    /// <summary>A prediction as the label's raw value: the class name for a classifier, the number otherwise.</summary>
    private object LabelValue(float[] output)
    {
        if (Series.Record.ClassNames is not string[] classes) return (double)output[0];
        if (output.Length == 1) return classes[output[0] >= 0.5f ? Math.Min(1, classes.Length - 1) : 0];
        return classes[Evaluator.ArgMax(output)];
    }

    /// <summary>
    /// Refuses windows of another length or width than the network's (<see cref="ErrorIds.WindowMismatch"/>): a dataset
    /// shaped (T, F), or rows of another width. Networks not trained on windows are not checked here.
    /// </summary>
    public static void EnsureWindows(Network network, int[]? shape, int features, string what, object? target = null)
    {
        if (network.Series is not SeriesEncoding series) return;
        if (shape is [int window, int width] && (window != series.Window || width != series.RecordWidth))
            throw new NeuralPSException(ErrorIds.WindowMismatch, ErrorKind.InvalidData,
                $"The network reads windows of {series.Describe()}, but the {what} holds windows of {SeriesEncoding.Describe(window, width)}. {Remake(series)}", target);
        if (features != network.InputSize)
            throw new NeuralPSException(ErrorIds.WindowMismatch, ErrorKind.InvalidData,
                $"The network reads windows of {series.Describe()} ({network.InputSize} values), but the {what} has {features} a row. {Remake(series)}", target);
    }

    private static string Remake(SeriesEncoding series) =>
        $"Make the windows as the training windows were: ConvertTo-Dataset -Label {series.LabelName} -Feature {string.Join(", ", series.Record.Columns.Select(c => c.Name))} " +
        $"-Window {series.Window}{(series.Horizon == 1 ? "" : $" -Horizon {series.Horizon}")}.";

    private static string Join(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
}

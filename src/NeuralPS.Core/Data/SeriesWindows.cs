namespace NeuralPS.Core.Data;

/// <summary>
/// Windows over a series: one sample per run of <see cref="Window"/> consecutive records, in the order given. Window k
/// (1-based) holds records k … k+T−1 as its features, laid out time-major (T rows of F features: t·F + f, so the
/// dataset's <see cref="Dataset.Shape"/> is (T, F)), and takes its label from record k+T−1+h, <see cref="Horizon"/>
/// steps after its end (h = 0: the window's last record, for labelling the window itself). A series of R records
/// makes R − T − h + 1 windows. Neighbouring windows share records by nature; a chronological split
/// (<see cref="DatasetSplitter.SplitChronologically"/>) cuts by window order, and then no test label is ever a
/// training window's feature or label.
/// </summary>
public sealed class SeriesWindows
{
    private readonly string _source;

    /// <summary>Windows of <paramref name="window"/> records labelled <paramref name="horizon"/> steps on, over <paramref name="records"/> records.</summary>
    public SeriesWindows(int window, int horizon, int records, string source = "")
    {
        _source = source;
        if (window < 1)
            throw new NeuralPSException(ErrorIds.InvalidWindow, ErrorKind.InvalidArgument,
                $"{source}a window of {window} records holds nothing; give -Window 1 or more (24 for a day of hourly readings, 12 for a year of months).", window);
        if (horizon < 0)
            throw new NeuralPSException(ErrorIds.InvalidHorizon, ErrorKind.InvalidArgument,
                $"{source}-Horizon {horizon} would take the label from inside the window; give 1 (the next record, the default) or more, or 0 for the window's last record.", horizon);
        Window = window;
        Horizon = horizon;
        Records = records;
        if (Count < 1)
            throw new NeuralPSException(ErrorIds.SeriesTooShort, ErrorKind.InvalidData,
                $"{source}the series has {records} record{(records == 1 ? "" : "s")}, but one window of {window} with its label {horizon} " +
                $"step{(horizon == 1 ? "" : "s")} after it needs {window + horizon}. Give more records, or a smaller -Window or -Horizon.", records);
    }

    /// <summary>Records a window: T.</summary>
    public int Window { get; }

    /// <summary>How many records after a window's last one its label lies: h.</summary>
    public int Horizon { get; }

    /// <summary>Records in the series: R.</summary>
    public int Records { get; }

    /// <summary>Windows the series makes: R − T − h + 1.</summary>
    public int Count => Records - Window - Horizon + 1;

    /// <summary>
    /// Refuses a missing or non-finite value before it is encoded: a gap inside a series spoils every window that
    /// holds it, and the fix is to fill it, not to drop the record (which would join its neighbours into windows that
    /// never happened). <paramref name="record"/> is 0-based; <paramref name="text"/>: the column keeps text (a
    /// category), where "NaN" is a name like any other.
    /// </summary>
    public void Check(object? value, int record, string column, bool isLabel, bool text)
    {
        bool missing = FeatureValues.IsMissing(value);
        double number = 0;
        if (!missing && (text || !FeatureValues.TryNumber(value, out number) || float.IsFinite((float)number))) return;
        string what = missing ? "empty" : double.IsNaN(number) ? "NaN" : "infinite (or too large for float32)";
        throw new NeuralPSException(ErrorIds.NaNInWindow, ErrorKind.InvalidData,
            $"{_source}Record {record + 1}, {(isLabel ? "label" : "column")} '{column}' is {what}. {Where(record, isLabel)} " +
            "A series must have no gaps: fill this value (the previous one, or the mean of its neighbours) rather than " +
            "dropping the record, which would join the records around it into windows that never happened.", record + 1);
    }

    /// <summary>Which windows (1-based, as messages count) use record <paramref name="record"/> (0-based).</summary>
    private string Where(int record, bool isLabel)
    {
        if (isLabel)
        {
            int window = record - Window - Horizon + 1;
            if (window >= 0 && window < Count)
                return $"It is the label of window {window + 1} (records {window + 1} to {window + Window}).";
            return "No window takes its label from it, but every record of the series is read.";
        }
        int first = Math.Max(0, record - Window + 1), last = Math.Min(record, Count - 1);
        if (first > last) return "No window holds it, but every record of the series is read.";
        return first == last
            ? $"Window {first + 1} (records {first + 1} to {first + Window}) holds it."
            : $"Windows {first + 1} to {last + 1} hold it (window {first + 1} is records {first + 1} to {first + Window}).";
    }

    /// <summary>
    /// The windows of <paramref name="records"/> (one row per record, in series order) as a dataset: rows
    /// [Count, T·F], features named "Column(t-2)", "Column(t-1)", "Column(t)" (t the window's last record), the label
    /// of each window from its record h steps on, Shape (T, F). Classes, task and label name are the records'.
    /// </summary>
    public Dataset Make(Dataset records, string? name = null)
    {
        if (records.Rows != Records)
            throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidData,
                $"{_source}the windows were planned for {Records} records, but the data has {records.Rows}.", records);
        int f = records.FeatureCount, width = Window * f, labels = records.TargetWidth;
        var features = new float[(long)Count * width > int.MaxValue
            ? throw new NeuralPSException(ErrorIds.DatasetTooLarge, ErrorKind.InvalidData,
                $"{_source}{Count} windows × {Window} records × {f} features is more than one array can hold (2³¹ values); use a smaller -Window.")
            : Count * width];
        var targets = new float[Count * labels];
        for (int k = 0; k < Count; k++)
        {
            // records k … k+T−1 are contiguous rows of F: the window is one block, already time-major
            Array.Copy(records.Features, (long)k * f, features, (long)k * width, width);
            Array.Copy(records.Targets, (long)(k + Window - 1 + Horizon) * labels, targets, (long)k * labels, labels);
        }
        var names = new string[width];
        for (int t = 0; t < Window; t++)
        {
            int lag = Window - 1 - t;
            for (int j = 0; j < f; j++) names[t * f + j] = lag == 0 ? $"{records.FeatureNames[j]}(t)" : $"{records.FeatureNames[j]}(t-{lag})";
        }
        // the network trained on these windows keeps how they were made, and where the series ends, to continue it
        var series = new SeriesEncoding
        {
            Record = records.Encoding ?? FeatureEncoding.Numeric(records.FeatureNames, records.LabelName, records.Task, records.ClassNames),
            Window = Window,
            Horizon = Horizon,
            LastWindow = records.Features.AsSpan((Records - Window) * f, width).ToArray(),
        };
        return new Dataset(features, width, targets, labels, records.Task, names, records.ClassNames, name ?? records.Name, records.LabelName)
        {
            Shape = new[] { Window, f },
            Series = series,
        };
    }
}

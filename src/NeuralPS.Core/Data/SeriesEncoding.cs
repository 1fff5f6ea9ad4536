using System.Text.Json.Serialization;

namespace NeuralPS.Core.Data;

/// <summary>
/// What a dataset of windows over a series (ConvertTo-Dataset -Window) means, kept by a network trained on it and
/// saved in its model file, so that the network can continue the series (Invoke-Prediction -Steps): how one record
/// becomes features (<see cref="Record"/>: its columns in feature order, the label and its classes), how many records
/// a window holds and where its label lies, and the series' last window. A window is <see cref="Window"/> records of
/// <see cref="RecordWidth"/> features, time-major (record t's features at t·F … t·F + F − 1).
/// </summary>
public sealed class SeriesEncoding
{
    /// <summary>How one record becomes features: the columns in feature order, the label's name, task and classes.</summary>
    public FeatureEncoding Record { get; init; } = new();

    /// <summary>Records a window: T.</summary>
    public int Window { get; init; }

    /// <summary>How many records after a window's last one its label lies (1: the next record).</summary>
    public int Horizon { get; init; }

    /// <summary>
    /// The series' last <see cref="Window"/> records, encoded (T × F values, time-major): where a forecast starts when
    /// it is given no records. For windows made after a chronological split it is still the end of the whole series
    /// the windows were made from.
    /// </summary>
    public float[] LastWindow { get; init; } = Array.Empty<float>();

    /// <summary>Features a record: F.</summary>
    [JsonIgnore]
    public int RecordWidth => Record.FeatureCount;

    /// <summary>Features a window: T·F, the network's inputs.</summary>
    [JsonIgnore]
    public int FeatureCount => Window * RecordWidth;

    /// <summary>The label's name (the record encoding's).</summary>
    [JsonIgnore]
    public string LabelName => Record.LabelName ?? "label";

    /// <summary>
    /// The index of the label's column among a record's columns, or −1 when the label is not one of the window's
    /// features (the series is predicted from other columns only): then a forecast has nothing of its own to feed back.
    /// </summary>
    [JsonIgnore]
    public int LabelColumn => Record.LabelName is string label
        ? Array.FindIndex(Record.Columns, c => string.Equals(c.Name, label, StringComparison.OrdinalIgnoreCase))
        : -1;

    /// <summary>The window's shape, "12 records × 1 feature", for messages.</summary>
    public string Describe() => Describe(Window, RecordWidth);

    /// <summary>"<paramref name="window"/> records × <paramref name="features"/> features", for messages.</summary>
    public static string Describe(int window, int features) =>
        $"{window} record{(window == 1 ? "" : "s")} × {features} feature{(features == 1 ? "" : "s")}";

    /// <summary>The offset of column <paramref name="c"/>'s features within a record.</summary>
    public int ColumnOffset(int c)
    {
        int offset = 0;
        for (int i = 0; i < c; i++) offset += Record.Columns[i].Width;
        return offset;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"windows of {Describe()} ({string.Join(", ", Record.Columns.Select(c => c.Name))}), label '{LabelName}' {Horizon} step{(Horizon == 1 ? "" : "s")} on";
}

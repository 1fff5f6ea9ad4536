using System.Globalization;
using System.Text.Json.Serialization;

namespace NeuralPS.Core.Data;

/// <summary>How one raw column (a property of a record, a column of a CSV file) becomes features.</summary>
public enum ColumnKind
{
    /// <summary>A number (or text that parses as one, as Import-Csv gives): one feature, the value.</summary>
    Numeric,
    /// <summary>True/false (or the text "True"/"False"): one feature, 1 or 0.</summary>
    Boolean,
    /// <summary>Text: one feature per category seen in training (one-hot), named "Column=category".</summary>
    Categorical,
    /// <summary>
    /// Text for an embedding layer: ONE feature, the category's index, 1 to N in <see cref="FeatureColumn.Categories"/>
    /// order, and 0 for a category never seen in training (the embedding's reserved row, as Keras's StringLookup puts
    /// its out-of-vocabulary index first). An unseen category is noted (<see cref="UnseenCategories"/>), not an error.
    /// </summary>
    CategoryIndex,
}

/// <summary>One raw column of an encoding and the features it becomes.</summary>
public sealed class FeatureColumn
{
    /// <summary>The property or column name, as in the raw data.</summary>
    public string Name { get; init; } = "";

    /// <summary>How its values are encoded.</summary>
    public ColumnKind Kind { get; init; }

    /// <summary>
    /// The categories of a categorical or category-index column, in feature (index) order (sorted; see
    /// <see cref="FeatureValues.Sort"/>).
    /// </summary>
    public string[] Categories { get; init; } = Array.Empty<string>();

    /// <summary>Number of features this column becomes.</summary>
    [JsonIgnore]
    public int Width => Kind == ColumnKind.Categorical ? Categories.Length : 1;

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        ColumnKind.Categorical => $"{Name} (categorical: {string.Join(", ", Categories.Take(8))}{(Categories.Length > 8 ? ", …" : "")})",
        ColumnKind.CategoryIndex => $"{Name} (category index: {Categories.Length} categories, 0 for an unseen one)",
        _ => $"{Name} ({Kind.ToString().ToLowerInvariant()})",
    };

    /// <summary>True for the columns whose raw values are text (one-hot or index).</summary>
    [JsonIgnore]
    public bool IsText => Kind is ColumnKind.Categorical or ColumnKind.CategoryIndex;
}

/// <summary>
/// How raw records (pipeline objects, CSV rows) map to a row of features, and what the label means. A dataset made
/// from records keeps it (<see cref="Dataset.Encoding"/>) and a network trained on that dataset takes it over, so that
/// the network can take the same raw records to predict. Plain data that serializes into the model file.
/// </summary>
public sealed class FeatureEncoding
{
    private Dictionary<string, int>[]? _categoryIndex;

    /// <summary>The raw columns, in feature order.</summary>
    public FeatureColumn[] Columns { get; init; } = Array.Empty<FeatureColumn>();

    /// <summary>The name of the label column (null when the encoding describes features only).</summary>
    public string? LabelName { get; init; }

    /// <summary>What the label means: Classification (with <see cref="ClassNames"/>) or Regression.</summary>
    public DatasetTask Task { get; init; } = DatasetTask.Regression;

    /// <summary>The class names in class-index order (classification only).</summary>
    public string[]? ClassNames { get; init; }

    /// <summary>
    /// The feature names: the column name for numeric, boolean and category-index columns, "Column=category" for each
    /// category of a one-hot column.
    /// </summary>
    [JsonIgnore]
    public string[] FeatureNames => Columns.SelectMany(c => c.Kind == ColumnKind.Categorical
        ? c.Categories.Select(v => $"{c.Name}={v}")
        : new[] { c.Name }).ToArray();

    /// <summary>Number of features a record becomes.</summary>
    [JsonIgnore]
    public int FeatureCount => Columns.Sum(c => c.Width);

    /// <summary>An encoding of plain numeric columns (for networks trained on data that did not come from records).</summary>
    public static FeatureEncoding Numeric(IEnumerable<string> featureNames, string? labelName = null,
        DatasetTask task = DatasetTask.Regression, string[]? classNames = null) => new()
        {
            Columns = featureNames.Select(n => new FeatureColumn { Name = n, Kind = ColumnKind.Numeric }).ToArray(),
            LabelName = labelName,
            Task = task,
            ClassNames = classNames,
        };

    /// <summary>
    /// Encodes one record into <paramref name="row"/> (<see cref="FeatureCount"/> values). <paramref name="lookup"/>
    /// gives a column's value, or false when the record has no such property. Errors name the record and the property.
    /// </summary>
    public void Encode(Func<string, (bool Found, object? Value)> lookup, Span<float> row, string record) => Encode(lookup, row, record, null);

    /// <summary>
    /// Encodes one record as <see cref="Encode(Func{string, ValueTuple{bool, object}}, Span{float}, string)"/> does,
    /// noting in <paramref name="unseen"/> each value of a category-index column that training never saw (it becomes
    /// index 0). Without <paramref name="unseen"/> such a value still becomes 0, silently.
    /// </summary>
    public void Encode(Func<string, (bool Found, object? Value)> lookup, Span<float> row, string record, UnseenCategories? unseen)
    {
        if (row.Length < FeatureCount)
            throw new ArgumentException($"The row has room for {row.Length} features; {FeatureCount} are needed.", nameof(row));
        int offset = 0;
        for (int c = 0; c < Columns.Length; c++)
        {
            FeatureColumn column = Columns[c];
            (bool found, object? value) = lookup(column.Name);
            if (!found)
                throw new NeuralPSException(ErrorIds.MissingFeature, ErrorKind.InvalidData,
                    $"{record} has no property '{column.Name}', which the network was trained on. Add it, or predict from records that have every feature ({string.Join(", ", Columns.Select(x => x.Name))}).",
                    record);
            offset += EncodeValue(c, value, row[offset..], record, unseen);
        }
    }

    /// <summary>Encodes one value of column <paramref name="c"/> at the start of <paramref name="destination"/>; returns the features written.</summary>
    internal int EncodeValue(int c, object? value, Span<float> destination, string record, UnseenCategories? unseen = null)
    {
        FeatureColumn column = Columns[c];
        if (FeatureValues.IsMissing(value))
            throw FeatureValues.Empty(record, column.Name);
        switch (column.Kind)
        {
            case ColumnKind.Numeric:
                if (FeatureValues.TryNumber(value, out double number))
                {
                    destination[0] = FeatureValues.Finite(number, record, column.Name);
                    return 1;
                }
                if (FeatureValues.TryBoolean(value, out bool flag)) { destination[0] = flag ? 1f : 0f; return 1; }
                throw new NeuralPSException(ErrorIds.InvalidData, ErrorKind.InvalidData,
                    $"{record}, property '{column.Name}': '{FeatureValues.Text(value)}' is not a number, and the column was numeric in training.", record);
            case ColumnKind.Boolean:
                if (FeatureValues.TryBoolean(value, out bool b)) { destination[0] = b ? 1f : 0f; return 1; }
                if (FeatureValues.TryNumber(value, out double n) && n is 0 or 1) { destination[0] = (float)n; return 1; }
                throw new NeuralPSException(ErrorIds.InvalidData, ErrorKind.InvalidData,
                    $"{record}, property '{column.Name}': '{FeatureValues.Text(value)}' is not True or False, and the column was boolean in training.", record);
            case ColumnKind.CategoryIndex:
            {
                string text = FeatureValues.Text(value);
                int position = CategoryIndex(c, text);
                if (position < 0) unseen?.Note(column.Name, text, record);
                destination[0] = position + 1; // 0, the reserved row, for an unseen category
                return 1;
            }
            default:
                int index = CategoryIndex(c, FeatureValues.Text(value));
                if (index < 0)
                    throw new NeuralPSException(ErrorIds.UnknownCategory, ErrorKind.InvalidData,
                        $"{record}, property '{column.Name}': '{FeatureValues.Text(value)}' is a category never seen in training " +
                        $"(known: {string.Join(", ", column.Categories.Take(20))}{(column.Categories.Length > 20 ? ", …" : "")}).", record);
                destination[..column.Categories.Length].Clear();
                destination[index] = 1f;
                return column.Categories.Length;
        }
    }

    /// <summary>The class index of a label value, or the value itself for regression.</summary>
    public float EncodeLabel(object? value, string record)
    {
        string name = LabelName ?? "label";
        if (FeatureValues.IsMissing(value)) throw FeatureValues.Empty(record, name);
        if (Task != DatasetTask.Classification)
        {
            if (FeatureValues.TryNumber(value, out double number)) return FeatureValues.Finite(number, record, name);
            throw new NeuralPSException(ErrorIds.InvalidData, ErrorKind.InvalidData,
                $"{record}, label '{name}': '{FeatureValues.Text(value)}' is not a number, and the label is a regression target.", record);
        }
        string text = FeatureValues.Text(value);
        int index = Array.IndexOf(ClassNames!, text);
        if (index < 0)
            throw new NeuralPSException(ErrorIds.UnknownClass, ErrorKind.InvalidData,
                $"{record}, label '{name}': '{text}' is not one of the classes ({string.Join(", ", ClassNames!.Take(20))}).", record);
        return index;
    }

    /// <summary>The raw value a feature row holds for column <paramref name="c"/> (a number, a boolean, a category).</summary>
    internal object Decode(int c, ReadOnlySpan<float> features)
    {
        FeatureColumn column = Columns[c];
        return column.Kind switch
        {
            ColumnKind.Numeric => features[0],
            ColumnKind.Boolean => features[0] >= 0.5f,
            ColumnKind.CategoryIndex => features[0] >= 1 && features[0] <= column.Categories.Length
                ? column.Categories[(int)features[0] - 1] : UnseenCategories.Placeholder,
            _ => column.Categories[Training.Evaluator.ArgMax(features[..column.Categories.Length])],
        };
    }

    /// <summary>The position of <paramref name="text"/> among column <paramref name="c"/>'s categories, or -1.</summary>
    internal int CategoryIndex(int c, string text)
    {
        // One encoding is shared by the networks trained on one dataset, which may predict on several threads at once
        // (parallel runspaces of a sweep): the index is built once and published whole.
        Dictionary<string, int>[] index = LazyInitializer.EnsureInitialized(ref _categoryIndex, () => Columns.Select(col => col.Categories
            .Select((v, i) => (v, i)).ToDictionary(p => p.v, p => p.i, StringComparer.Ordinal)).ToArray());
        return index[c].TryGetValue(text, out int i) ? i : -1;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Columns.Length} columns → {FeatureCount} features" + (LabelName is null ? "" : $"; label '{LabelName}' ({Task})");
}

/// <summary>The rules that turn raw values (numbers, text, booleans) into features, shared by every way data comes in.</summary>
public static class FeatureValues
{
    /// <summary>Null, DBNull, or empty/blank text: a missing value.</summary>
    public static bool IsMissing(object? value) =>
        value is null or DBNull || (value is string s && string.IsNullOrWhiteSpace(s));

    /// <summary>A number, or text that parses as one in the invariant culture ("5.1", "-3e2"). Booleans are not numbers.</summary>
    public static bool TryNumber(object? value, out double number)
    {
        switch (value)
        {
            case double d: number = d; return true;
            case float f: number = f; return true;
            case int or long or short or sbyte or byte or ushort or uint or ulong or decimal:
                number = Convert.ToDouble(value, CultureInfo.InvariantCulture); return true;
            case string s:
                // straight to float32 (correctly rounded), as CSV fields are parsed: the same text gives the same bits
                bool parsed = float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float single);
                number = single;
                return parsed;
            default: number = 0; return false;
        }
    }

    /// <summary>A boolean, or the text "true"/"false" in any case (as Export-Csv writes booleans).</summary>
    public static bool TryBoolean(object? value, out bool flag)
    {
        switch (value)
        {
            case bool b: flag = b; return true;
            case string s when bool.TryParse(s.Trim(), out bool parsed): flag = parsed; return true;
            default: flag = false; return false;
        }
    }

    /// <summary>A value as text the same way on every machine (numbers in the invariant culture).</summary>
    public static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>
    /// The order of categories and class names: by numeric value when every one is a number ("2" before "10"),
    /// otherwise ordinal (culture-independent, so a model means the same everywhere).
    /// </summary>
    public static string[] Sort(IEnumerable<string> values)
    {
        string[] distinct = values.Distinct(StringComparer.Ordinal).ToArray();
        bool numeric = distinct.All(v => TryNumber(v, out _));
        return numeric
            ? distinct.OrderBy(v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture)).ThenBy(v => v, StringComparer.Ordinal).ToArray()
            : distinct.OrderBy(v => v, StringComparer.Ordinal).ToArray();
    }

    internal static float Finite(double number, string record, string column)
    {
        float value = (float)number;
        if (!float.IsFinite(value))
            throw new NeuralPSException(ErrorIds.InvalidData, ErrorKind.InvalidData,
                $"{record}, column '{column}' is {(double.IsNaN(number) ? "NaN" : "infinite or too large for float32")}. Remove or fill such values.", record);
        return value;
    }

    internal static NeuralPSException Empty(string record, string column) =>
        new(ErrorIds.InvalidData, ErrorKind.InvalidData, $"{record}, column '{column}' is empty. Remove the row or fill the missing value.", record);
}

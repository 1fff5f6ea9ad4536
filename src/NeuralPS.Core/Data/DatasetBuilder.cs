using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace NeuralPS.Core.Data;

/// <summary>What <see cref="DatasetBuilder"/> needs to know beyond the values.</summary>
public sealed class DatasetBuildOptions
{
    /// <summary>Columns to one-hot encode even when their values are numbers (codes, ZIP codes, digits as classes).</summary>
    public IReadOnlyCollection<string> Categorical { get; init; } = Array.Empty<string>();

    /// <summary>
    /// Columns to encode as ONE category index each (<see cref="ColumnKind.CategoryIndex"/>), for an embedding layer,
    /// instead of one-hot: 1 to N for the categories seen, 0 kept for one never seen in training.
    /// </summary>
    public IReadOnlyCollection<string> CategoryIndex { get; init; } = Array.Empty<string>();

    /// <summary>
    /// Where a category-index column's unseen values (with <see cref="Encoding"/>: categories training never saw) are
    /// noted; they become index 0 either way.
    /// </summary>
    public UnseenCategories? Unseen { get; init; }

    /// <summary>Make a classification dataset even when the label is numeric.</summary>
    public bool Classification { get; init; }

    /// <summary>
    /// Encode with this encoding (its columns, categories and classes) instead of inferring one: for test data that
    /// must mean what the training data meant. A category or class it does not know is an error.
    /// </summary>
    public FeatureEncoding? Encoding { get; init; }

    /// <summary>
    /// Let the label also be a feature: windows over a series (<see cref="SeriesWindows"/>), where a window's past
    /// values of the label are known when its label, later on, is predicted.
    /// </summary>
    public bool LabelMayBeFeature { get; init; }

    /// <summary>The dataset's name.</summary>
    public string? Name { get; init; }

    /// <summary>How messages name a row ("Row", "Record"), followed by its 1-based number.</summary>
    public string RowNoun { get; init; } = "Row";

    /// <summary>Prefixed to messages, e.g. "'iris.csv': ".</summary>
    public string Source { get; init; } = "";
}

/// <summary>
/// Collects raw values column by column (from records or CSV fields), infers each column's kind, and builds a
/// <see cref="Dataset"/> with its <see cref="FeatureEncoding"/>. Column kinds follow <see cref="FeatureValues"/>:
/// numbers (and numeric text) are numeric, true/false is boolean, other text is categorical; a column mixing
/// numbers and text is an error that names the row and the column.
/// </summary>
public sealed partial class DatasetBuilder
{
    private readonly string[] _features;
    private readonly string _label;
    private readonly DatasetBuildOptions _options;
    private readonly ColumnStore[] _columns; // features in order, then the label
    private int _rows;

    /// <summary>A builder for the given feature columns and label column. Column indices in Add are the features in order, then the label.</summary>
    public DatasetBuilder(IReadOnlyList<string> features, string label, DatasetBuildOptions? options = null)
    {
        _options = options ?? new DatasetBuildOptions();
        if (features.Count == 0)
            throw new NeuralPSException(ErrorIds.NoFeatures, ErrorKind.InvalidData,
                $"{_options.Source}there are no feature columns besides the label '{label}'. Name them with -Feature.", label);
        string? duplicate = features.GroupBy(f => f, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (duplicate is not null)
            throw new NeuralPSException(ErrorIds.DuplicateFeature, ErrorKind.InvalidArgument, $"{_options.Source}the column '{duplicate}' is named twice.", duplicate);
        if (!_options.LabelMayBeFeature && features.Contains(label, StringComparer.OrdinalIgnoreCase))
            throw new NeuralPSException(ErrorIds.LabelIsFeature, ErrorKind.InvalidArgument,
                $"{_options.Source}'{label}' is the label, so it cannot also be a feature. Leave it out of -Feature.", label);
        _features = features.ToArray();
        _label = label;
        var categorical = new HashSet<string>(_options.Categorical, StringComparer.OrdinalIgnoreCase);
        var indexed = new HashSet<string>(_options.CategoryIndex, StringComparer.OrdinalIgnoreCase);
        foreach (string name in indexed)
            if (!_features.Contains(name, StringComparer.OrdinalIgnoreCase))
                throw new NeuralPSException(ErrorIds.IndexColumnNotFound, ErrorKind.InvalidArgument,
                    $"{_options.Source}-CategoryIndex names '{name}', which is not one of the feature columns ({string.Join(", ", _features.Take(30))}).", name);
        FeatureEncoding? fixedEncoding = _options.Encoding;
        if (fixedEncoding is not null)
        {
            string[] expected = fixedEncoding.Columns.Select(c => c.Name).ToArray();
            if (!expected.SequenceEqual(_features, StringComparer.OrdinalIgnoreCase))
                throw new NeuralPSException(ErrorIds.EncodingMismatch, ErrorKind.InvalidData,
                    $"{_options.Source}the encoding expects the columns {string.Join(", ", expected)} but the data gives {string.Join(", ", _features)}.", features);
        }
        _columns = new ColumnStore[_features.Length + 1];
        for (int c = 0; c < _features.Length; c++)
        {
            bool asIndex = fixedEncoding is not null
                ? fixedEncoding.Columns[c].Kind == ColumnKind.CategoryIndex
                : indexed.Contains(_features[c]);
            bool text = asIndex || (fixedEncoding is not null
                ? fixedEncoding.Columns[c].Kind == ColumnKind.Categorical
                : categorical.Contains(_features[c]));
            _columns[c] = new ColumnStore(_features[c], text, $"-Categorical {_features[c]}") { AsIndex = asIndex };
        }
        bool labelText = fixedEncoding is not null ? fixedEncoding.Task == DatasetTask.Classification : _options.Classification;
        _columns[^1] = new ColumnStore(label, labelText, "-Classification");
    }

    /// <summary>Rows added so far.</summary>
    public int Rows => _rows;

    private string Row => $"{_options.Source}{_options.RowNoun} {_rows + 1}";

    /// <summary>Adds a value (number, bool, text, or null for missing) for column <paramref name="column"/> of the current row.</summary>
    public void Add(int column, object? value)
    {
        ColumnStore store = _columns[column];
        if (FeatureValues.IsMissing(value)) throw FeatureValues.Empty(Row, store.Name);
        if (store.ForceText) { store.AddText(_rows, FeatureValues.Text(value)); return; }
        if (FeatureValues.TryNumber(value, out double number)) store.AddNumber(_rows, FeatureValues.Finite(number, Row, store.Name), isBool: false);
        else if (FeatureValues.TryBoolean(value, out bool flag)) store.AddNumber(_rows, flag ? 1f : 0f, isBool: true);
        else store.AddText(_rows, FeatureValues.Text(value));
    }

    /// <summary>Adds a CSV field, as UTF-8 bytes, for column <paramref name="column"/> of the current row (no string for numbers).</summary>
    public void AddUtf8(int column, ReadOnlySpan<byte> field)
    {
        ColumnStore store = _columns[column];
        field = Trim(field);
        if (field.IsEmpty) throw FeatureValues.Empty(Row, store.Name);
        if (!store.ForceText)
        {
            if (float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float number))
            {
                AddNumber(column, number);
                return;
            }
            if (Ascii.EqualsIgnoreCase(field, "true"u8) || Ascii.EqualsIgnoreCase(field, "false"u8))
            {
                store.AddNumber(_rows, field.Length == 4 ? 1f : 0f, isBool: true);
                return;
            }
        }
        store.AddText(_rows, Encoding.UTF8.GetString(field));
    }

    /// <summary>Whether column <paramref name="column"/> keeps text whatever its values (categorical by request, or by the encoding).</summary>
    public bool IsText(int column) => _columns[column].ForceText;

    /// <summary>Adds a number already parsed (the fast path for CSV fields) for column <paramref name="column"/> of the current row.</summary>
    public void AddNumber(int column, float value)
    {
        ColumnStore store = _columns[column];
        if (store.ForceText) { store.AddText(_rows, value.ToString(CultureInfo.InvariantCulture)); return; }
        store.AddNumber(_rows, float.IsFinite(value) ? value : FeatureValues.Finite(value, Row, store.Name), isBool: false);
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> field)
    {
        while (field.Length > 0 && field[0] is (byte)' ' or (byte)'\t') field = field[1..];
        while (field.Length > 0 && field[^1] is (byte)' ' or (byte)'\t' or (byte)'\r') field = field[..^1];
        return field;
    }

    /// <summary>Ends the current row (every column must have been given a value).</summary>
    public void EndRow() => _rows++;

    /// <summary>The error for a record that lacks a column.</summary>
    public NeuralPSException MissingColumn(string column) =>
        new(ErrorIds.MissingFeature, ErrorKind.InvalidData, $"{Row} has no property '{column}'. Give every record the same properties, or choose columns with -Feature.", column);

    /// <summary>
    /// <paramref name="features"/> without the <paramref name="exclude"/>d columns (names matched ignoring case). Every
    /// excluded name must be one of <paramref name="columns"/> and not the label: a misspelt -Exclude would otherwise
    /// leave the Id column in, silently.
    /// </summary>
    public static string[] Exclude(IEnumerable<string> features, IReadOnlyList<string> columns, string label,
        IReadOnlyCollection<string> exclude, string source = "", string noun = "property")
    {
        foreach (string name in exclude)
        {
            if (!columns.Contains(name, StringComparer.OrdinalIgnoreCase))
                throw new NeuralPSException(ErrorIds.ExcludedColumnNotFound, ErrorKind.InvalidArgument,
                    $"{source}there is no {noun} '{name}' to exclude. The {(noun == "column" ? "columns" : "properties")} are: " +
                    $"{string.Join(", ", columns.Take(30))}{(columns.Count > 30 ? ", …" : "")}.", name);
            if (string.Equals(name, label, StringComparison.OrdinalIgnoreCase))
                throw new NeuralPSException(ErrorIds.ExcludedLabel, ErrorKind.InvalidArgument,
                    $"{source}'{name}' is the label, so it cannot be excluded. Leave it out of -Exclude, or choose another -Label.", name);
        }
        return features.Where(f => !exclude.Contains(f, StringComparer.OrdinalIgnoreCase)).ToArray();
    }

    /// <summary>Infers (or checks) the encoding and builds the dataset.</summary>
    public Dataset Build()
    {
        if (_rows == 0)
            throw new NeuralPSException(ErrorIds.EmptyDataset, ErrorKind.InvalidData, $"{_options.Source}there are no rows of data.");
        FeatureEncoding encoding = _options.Encoding is FeatureEncoding given ? Check(given) : Infer();
        int width = encoding.FeatureCount;
        var features = new float[(long)_rows * width > int.MaxValue ? throw TooLarge(width) : _rows * width];
        int offset = 0;
        for (int c = 0; c < _features.Length; c++)
        {
            FeatureColumn column = encoding.Columns[c];
            ColumnStore store = _columns[c];
            if (column.Kind == ColumnKind.CategoryIndex)
            {
                for (int r = 0; r < _rows; r++)
                {
                    string text = store.TextAt(r);
                    int k = encoding.CategoryIndex(c, text);
                    if (k < 0) _options.Unseen?.Note(column.Name, text, $"{_options.Source}{_options.RowNoun} {r + 1}");
                    features[r * width + offset] = k + 1; // 0, the reserved row, for a category training never saw
                }
            }
            else if (column.Kind != ColumnKind.Categorical)
            {
                ReadOnlySpan<float> values = store.Numbers;
                for (int r = 0; r < _rows; r++) features[r * width + offset] = values[r];
            }
            else
            {
                var index = column.Categories.Select((v, i) => (v, i)).ToDictionary(p => p.v, p => p.i, StringComparer.Ordinal);
                for (int r = 0; r < _rows; r++)
                {
                    string text = store.TextAt(r);
                    if (!index.TryGetValue(text, out int k))
                        throw new NeuralPSException(ErrorIds.UnknownCategory, ErrorKind.InvalidData,
                            $"{_options.Source}{_options.RowNoun} {r + 1}, column '{column.Name}': '{text}' is not one of the encoding's categories ({string.Join(", ", column.Categories.Take(20))}).", text);
                    features[r * width + offset + k] = 1f;
                }
            }
            offset += column.Width;
        }

        var targets = new float[_rows];
        ColumnStore label = _columns[^1];
        if (encoding.Task == DatasetTask.Classification)
            for (int r = 0; r < _rows; r++) targets[r] = encoding.EncodeLabel(label.TextAt(r), $"{_options.Source}{_options.RowNoun} {r + 1}");
        else
            label.Numbers.CopyTo(targets);
        return new Dataset(features, width, targets, 1, encoding.Task, encoding.FeatureNames, encoding.ClassNames, _options.Name, _label)
        {
            Encoding = encoding,
        };
    }

    private NeuralPSException TooLarge(int width) =>
        new(ErrorIds.DatasetTooLarge, ErrorKind.InvalidData, $"{_options.Source}{_rows} rows × {width} features is more than one array can hold (2³¹ values).");

    private FeatureEncoding Infer()
    {
        var columns = new FeatureColumn[_features.Length];
        for (int c = 0; c < _features.Length; c++)
        {
            ColumnStore store = _columns[c];
            ColumnKind kind = store.Kind(_options);
            columns[c] = new FeatureColumn
            {
                Name = store.Name,
                Kind = kind,
                Categories = kind is ColumnKind.Categorical or ColumnKind.CategoryIndex ? FeatureValues.Sort(store.DistinctTexts()) : Array.Empty<string>(),
            };
        }
        ColumnStore label = _columns[^1];
        ColumnKind labelKind = label.Kind(_options);
        bool classification = labelKind != ColumnKind.Numeric;
        return new FeatureEncoding
        {
            Columns = columns,
            LabelName = _label,
            Task = classification ? DatasetTask.Classification : DatasetTask.Regression,
            ClassNames = classification ? FeatureValues.Sort(label.DistinctTexts()) : null,
        };
    }

    private FeatureEncoding Check(FeatureEncoding encoding)
    {
        for (int c = 0; c < _features.Length; c++)
        {
            ColumnStore store = _columns[c];
            if (!encoding.Columns[c].IsText && store.FirstTextRow >= 0)
                throw new NeuralPSException(ErrorIds.InvalidData, ErrorKind.InvalidData,
                    $"{_options.Source}{_options.RowNoun} {store.FirstTextRow + 1}, column '{store.Name}': '{store.TextAt(store.FirstTextRow)}' is not a number, and the encoding says the column is {encoding.Columns[c].Kind.ToString().ToLowerInvariant()}.", store.Name);
        }
        if (encoding.Task != DatasetTask.Classification && _columns[^1].FirstTextRow is int row and >= 0)
            throw new NeuralPSException(ErrorIds.InvalidData, ErrorKind.InvalidData,
                $"{_options.Source}{_options.RowNoun} {row + 1}, label '{_label}': '{_columns[^1].TextAt(row)}' is not a number, and the encoding's label is a regression target.", _label);
        return encoding;
    }

    /// <summary>
    /// One column's values as they arrive: numbers (and booleans as 0/1) in a float list, text where a value is not
    /// a number. Text columns keep every value as text, so categories keep their exact spelling.
    /// </summary>
    private sealed partial class ColumnStore
    {
        [GeneratedRegex(@"^[+-]?[0-9][0-9,]*,[0-9]+(\.[0-9]+)?$")]
        private static partial Regex NumberWithComma();

        private readonly List<float> _numbers = new();
        private List<string>? _texts;          // text columns: every row; otherwise the rows that were not numbers
        private List<int>? _textRows;           // for non-text columns: which rows _texts holds
        private bool _sawNumber, _sawBool;
        private int _firstNumberRow = -1;

        public ColumnStore(string name, bool forceText, string fix)
        {
            Name = name;
            Fix = fix;
            ForceText = forceText;
            if (forceText) _texts = new List<string>();
        }

        public string Name { get; }
        /// <summary>The parameter that makes this column categorical, for messages.</summary>
        public string Fix { get; }
        public bool ForceText { get; }
        /// <summary>Encoded as one category index (for an embedding) rather than one-hot.</summary>
        public bool AsIndex { get; init; }
        public int FirstTextRow { get; private set; } = -1;

        public ReadOnlySpan<float> Numbers => CollectionsMarshal.AsSpan(_numbers);

        public void AddNumber(int row, float value, bool isBool)
        {
            if (isBool) _sawBool = true;
            else if (!_sawNumber) { _sawNumber = true; _firstNumberRow = row; }
            _numbers.Add(value);
        }

        public void AddText(int row, string text)
        {
            if (!ForceText)
            {
                if (FirstTextRow < 0) FirstTextRow = row;
                (_textRows ??= new List<int>()).Add(row);
                _numbers.Add(float.NaN);
            }
            (_texts ??= new List<string>()).Add(text);
        }

        public string TextAt(int row)
        {
            if (ForceText) return _texts![row];
            if (_textRows is not null)
            {
                if (_textRows.Count == _numbers.Count) return _texts![row];
                int i = _textRows.BinarySearch(row);
                if (i >= 0) return _texts![i];
            }
            float v = _numbers[row];
            return _sawBool && !_sawNumber ? (v != 0 ? "True" : "False") : v.ToString(CultureInfo.InvariantCulture);
        }

        public IEnumerable<string> DistinctTexts()
        {
            if (_texts is not null && (ForceText || _textRows!.Count == _numbers.Count)) return _texts;
            return Enumerable.Range(0, _numbers.Count).Select(TextAt);
        }

        public ColumnKind Kind(DatasetBuildOptions options)
        {
            if (ForceText) return AsIndex ? ColumnKind.CategoryIndex : ColumnKind.Categorical;
            bool sawText = FirstTextRow >= 0;
            if (sawText) RefuseNumbersWithCommas(options);
            if (sawText && (_sawNumber || _sawBool))
            {
                // The minority spelling is the likely mistake: name the row where the second kind first appears.
                int row = _firstNumberRow >= 0 && _firstNumberRow < FirstTextRow ? FirstTextRow : Math.Max(_firstNumberRow, 0);
                string value = TextAt(row);
                throw new NeuralPSException(ErrorIds.MixedColumn, ErrorKind.InvalidData,
                    $"{options.Source}{options.RowNoun} {row + 1}, column '{Name}': '{value}' is " +
                    (row == FirstTextRow ? "not a number, but other rows of the column are numbers" : "a number, but other rows of the column are text") +
                    $". Fix the value, or pass {Fix} to treat the column as categories.", Name);
            }
            if (sawText) return ColumnKind.Categorical;
            return _sawBool && !_sawNumber ? ColumnKind.Boolean : ColumnKind.Numeric;
        }

        /// <summary>
        /// "1,000" or "2,5" (a thousands separator, a decimal comma) is not a number in the invariant culture, so the
        /// column would silently become categories, one per value: refuse it, naming the first such row.
        /// </summary>
        private void RefuseNumbersWithCommas(DatasetBuildOptions options)
        {
            for (int i = 0; i < _texts!.Count; i++)
            {
                string text = _texts[i];
                if (!NumberWithComma().IsMatch(text)) continue;
                int row = _textRows![i];
                throw new NeuralPSException(ErrorIds.NumberWithComma, ErrorKind.InvalidData,
                    $"{options.Source}{options.RowNoun} {row + 1}, column '{Name}': '{text}' is a number written with a comma, which does not read as a " +
                    "number (NeuralPS reads numbers written as 1000.5). Remove the thousands separators " +
                    $"(or write the decimal comma as a point), or pass {Fix} if the values are categories.", Name);
            }
        }
    }
}

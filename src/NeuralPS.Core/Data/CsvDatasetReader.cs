using System.Globalization;
using CsvHelper;

namespace NeuralPS.Core.Data;

/// <summary>
/// Reads a CSV file with a header into a dataset, with the encoding rules of <see cref="DatasetBuilder"/>.
/// CsvHelper exposes each field as UTF-8 bytes, which are parsed straight into floats: a number never becomes a
/// string, so a 60,000 × 785 file loads in seconds.
/// </summary>
public static class CsvDatasetReader
{
    /// <summary>
    /// Reads <paramref name="path"/>. <paramref name="features"/> picks and orders columns (default: every column but
    /// the label); <paramref name="delimiter"/> null detects , ; tab or |; <paramref name="exclude"/> names columns to
    /// leave out of the features.
    /// </summary>
    public static Dataset Read(string path, string label, IReadOnlyList<string>? features = null, char? delimiter = null,
        DatasetBuildOptions? options = null, IReadOnlyCollection<string>? exclude = null)
    {
        if (!File.Exists(path))
            throw new NeuralPSException(ErrorIds.FileNotFound, ErrorKind.NotFound, $"Cannot find the CSV file '{path}'.", path);
        string source = $"'{Path.GetFileName(path)}': ";
        long? unterminated = null; // the data row (1-based) where a quoted field opens and never closes
        options ??= new DatasetBuildOptions();
        var csvOptions = CsvReaderOptions.Default with
        {
            HasHeader = true,
            FormatProvider = CultureInfo.InvariantCulture,
            TrimWhitespace = true,
            // A quote that is never closed swallows the rest of the file into one field: refuse it, naming the row.
            OnMalformedRecord = record =>
            {
                if (record.Reason == CsvMalformedReason.UnterminatedQuote) unterminated ??= record.RecordNumber - 1;
            },
        };
        if (delimiter is char separator) csvOptions = csvOptions with { Separator = separator };
        try
        {
            using CsvReader reader = CsvReader.FromFile(path, csvOptions);
            string[] headers = reader.Headers.ToArray();
            if (headers.Length == 0 || headers.All(string.IsNullOrWhiteSpace))
                throw new NeuralPSException(ErrorIds.EmptyFile, ErrorKind.InvalidData, $"{source}the file is empty: it has no header row with column names.", path);
            var columns = new ColumnIndex(headers);
            int labelIndex = columns.IndexOf(label, source, "label");
            IReadOnlyList<string> featureNames = features ?? options.Encoding?.Columns.Select(c => c.Name).ToArray()
                ?? headers.Where((_, i) => i != labelIndex).ToArray();
            if (exclude is { Count: > 0 })
                featureNames = DatasetBuilder.Exclude(featureNames, headers.Select(h => h.Trim()).ToArray(), headers[labelIndex].Trim(), exclude, source, "column");
            int[] indices = featureNames.Select(f => columns.IndexOf(f, source, "feature")).Append(labelIndex).ToArray();
            var builder = new DatasetBuilder(indices[..^1].Select(i => headers[i].Trim()).ToArray(), headers[labelIndex].Trim(),
                new DatasetBuildOptions
                {
                    Categorical = options.Categorical,
                    CategoryIndex = options.CategoryIndex,
                    Unseen = options.Unseen,
                    Classification = options.Classification,
                    Encoding = options.Encoding,
                    Name = options.Name ?? Path.GetFileNameWithoutExtension(path),
                    RowNoun = "row",
                    Source = source,
                });
            while (reader.Read())
            {
                if (unterminated is long row) throw UnterminatedQuote(source, row, path);
                if (reader.FieldCount != headers.Length) throw FieldCountMismatch(source, builder.Rows + 1, reader.FieldCount, headers, path);
                for (int c = 0; c < indices.Length; c++)
                {
                    int field = indices[c];
                    // CsvHelper's float parser is an order of magnitude faster than float.TryParse; it also takes
                    // thousands separators, so a field with a comma ("1,5" in a ;-separated file) goes the strict way.
                    if (!builder.IsText(c) && reader.TryParse(field, out float number) && !reader.GetSpan(field).Contains((byte)','))
                        builder.AddNumber(c, number);
                    else
                        builder.AddUtf8(c, reader.GetSpan(field));
                }
                builder.EndRow();
            }
            if (unterminated is long last) throw UnterminatedQuote(source, last, path);
            return builder.Build();
        }
        catch (Exception e) when (e is CsvFormatException or InvalidDataException or FormatException)
        {
            throw new NeuralPSException(ErrorIds.InvalidCsv, ErrorKind.InvalidData, $"{source}{e.Message}", path, e);
        }
    }

    private static NeuralPSException FieldCountMismatch(string source, int row, int fields, string[] headers, string path) =>
        new(ErrorIds.FieldCountMismatch, ErrorKind.InvalidData,
            $"{source}row {row} has {fields} field{(fields == 1 ? "" : "s")} but the header has {headers.Length} columns " +
            $"({MessageText.List(headers, 10)}). Give every row one value per column (quote values that contain the separator).", path);

    private static NeuralPSException UnterminatedQuote(string source, long row, string path) =>
        new(ErrorIds.UnterminatedQuote, ErrorKind.InvalidData,
            $"{source}row {row} opens a quoted field (\") that is never closed, so the rest of the file would be read as one value. " +
            "Close the quote, or double a quote that is part of a value (\"\").", path);

    /// <summary>The header's columns by name, exact spelling first, then ignoring case: each lookup takes constant time.</summary>
    private sealed class ColumnIndex
    {
        private readonly string[] _headers;
        private readonly Dictionary<string, int> _exact = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _anyCase = new(StringComparer.OrdinalIgnoreCase);

        public ColumnIndex(string[] headers)
        {
            _headers = headers;
            for (int i = 0; i < headers.Length; i++)
            {
                _exact.TryAdd(headers[i].Trim(), i); // the first of equal names, as a scan from the left finds
                _anyCase.TryAdd(headers[i].Trim(), i);
            }
        }

        public int IndexOf(string name, string source, string role)
        {
            if (_exact.TryGetValue(name, out int index) || _anyCase.TryGetValue(name, out index)) return index;
            throw new NeuralPSException(role == "label" ? ErrorIds.MissingLabel : ErrorIds.MissingFeature, ErrorKind.InvalidData,
                $"{source}there is no column {MessageText.Quote(name)} for the {role}. The columns are: {MessageText.List(_headers, 30)}.", name);
        }
    }
}

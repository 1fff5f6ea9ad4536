namespace NeuralPS.Core.Data;

/// <summary>What the targets of a dataset mean.</summary>
public enum DatasetTask
{
    /// <summary>One class index per row (targets of width 1), with class names.</summary>
    Classification,
    /// <summary>One or more real values per row.</summary>
    Regression,
    /// <summary>Several independent 0/1 labels per row.</summary>
    MultiLabel,
}

/// <summary>
/// Rows of features [Rows, FeatureCount] and targets [Rows, TargetWidth], float32, row-major.
/// A classification dataset keeps the class index of each row as its single target.
/// </summary>
public sealed class Dataset
{
    /// <summary>Makes a dataset and checks it: shapes agree, every value is finite, labels are known classes.</summary>
    public Dataset(float[] features, int featureCount, float[] targets, int targetWidth, DatasetTask task,
        string[]? featureNames = null, string[]? classNames = null, string? name = null, string? labelName = null)
    {
        if (featureCount < 1)
            throw new NeuralPSException(ErrorIds.InvalidData, ErrorKind.InvalidData, "A dataset needs at least one feature.");
        if (features.Length % featureCount != 0)
            throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidData,
                $"{features.Length} feature values do not make whole rows of {featureCount}.");
        Rows = features.Length / featureCount;
        if (Rows == 0)
            throw new NeuralPSException(ErrorIds.EmptyDataset, ErrorKind.InvalidData, "The dataset has no rows.");
        if (targetWidth < 1 || targets.Length != Rows * targetWidth)
            throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidData,
                $"The dataset has {Rows} rows but {targets.Length} target values (expected {Rows} × {targetWidth}).");
        Features = features;
        FeatureCount = featureCount;
        Targets = targets;
        TargetWidth = targetWidth;
        Task = task;
        FeatureNames = featureNames ?? Enumerable.Range(1, featureCount).Select(i => $"x{i}").ToArray();
        if (FeatureNames.Length != featureCount)
            throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidData,
                $"{FeatureNames.Length} feature names were given for {featureCount} features.");
        if (task == DatasetTask.Classification)
        {
            if (targetWidth != 1)
                throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidData, "A classification dataset has one class index per row.");
            int classes = classNames?.Length ?? (int)targets.Max() + 1;
            ClassNames = classNames ?? Enumerable.Range(0, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }
        Name = name ?? "dataset";
        LabelName = labelName;
        Validate();
    }

    /// <summary>A name for views and messages.</summary>
    public string Name { get; set; }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of features a row.</summary>
    public int FeatureCount { get; }

    /// <summary>Features, [Rows, FeatureCount] row-major.</summary>
    public float[] Features { get; }

    /// <summary>Targets, [Rows, TargetWidth] row-major (class indices for classification).</summary>
    public float[] Targets { get; }

    /// <summary>Width of a row of targets.</summary>
    public int TargetWidth { get; }

    /// <summary>What the targets mean.</summary>
    public DatasetTask Task { get; }

    /// <summary>The name of each feature.</summary>
    public string[] FeatureNames { get; }

    /// <summary>Class names in index order (classification only).</summary>
    public string[]? ClassNames { get; }

    /// <summary>The name of the label column, if the data came from records.</summary>
    public string? LabelName { get; }

    /// <summary>How raw records were turned into these features (kept by a network trained on it); null for plain numeric data.</summary>
    public FeatureEncoding? Encoding { get; set; }

    /// <summary>
    /// For windows over a series (ConvertTo-Dataset -Window): how a record becomes features, the window and horizon,
    /// and the series' last window; null for any other data. A network trained on the dataset keeps it.
    /// </summary>
    public SeriesEncoding? Series { get; init; }

    /// <summary>
    /// The shape of a row, outermost first — C, H, W for pictures — or null for a plain row of features. The buffers
    /// stay flat: a row is the shape's values in row-major order, so the product of the shape is <see cref="FeatureCount"/>.
    /// </summary>
    public int[]? Shape
    {
        get => _shape?.ToArray();
        init
        {
            if (value is not null && (value.Length == 0 || value.Any(d => d < 1) || value.Aggregate(1L, (p, d) => p * d) != FeatureCount))
                throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidData,
                    $"A row shaped {string.Join('×', value)} does not hold the dataset's {FeatureCount} features; give a shape whose sizes multiply to {FeatureCount}.", value);
            _shape = value?.ToArray();
        }
    }
    private readonly int[]? _shape;

    /// <summary>
    /// A weight for each row (sample weights, scikit-learn's <c>sample_weight</c>, ML.NET's weight column), or null:
    /// every row counts once. Every loss and metric computed on this data is a weighted mean, Σ w·value / Σ w, so only
    /// the weights' ratios matter. Each is finite and at least 0, and they do not all vanish.
    /// </summary>
    public float[]? Weights
    {
        get => _weights;
        init
        {
            if (value is not null)
            {
                if (value.Length != Rows)
                    throw new NeuralPSException(ErrorIds.InvalidWeight, ErrorKind.InvalidData,
                        $"{value.Length} weights were given for the dataset's {Rows} rows; give one weight a row.", value);
                double sum = 0;
                for (int r = 0; r < value.Length; r++)
                {
                    if (!float.IsFinite(value[r]) || value[r] < 0)
                        throw new NeuralPSException(ErrorIds.InvalidWeight, ErrorKind.InvalidData,
                            $"Row {r + 1} has a weight of {value[r]}; a weight is a finite number of at least 0 (0 leaves the row out).", value[r]);
                    sum += value[r];
                }
                if (sum == 0)
                    throw new NeuralPSException(ErrorIds.InvalidWeight, ErrorKind.InvalidData,
                        "Every row has a weight of 0, so nothing would count. Give some rows a positive weight.", value);
            }
            _weights = value;
        }
    }
    private readonly float[]? _weights;

    /// <summary>The column the <see cref="Weights"/> came from (not a feature), if any.</summary>
    public string? WeightName { get; init; }

    /// <summary>
    /// This dataset with <paramref name="weights"/> as its row weights (taken from the column <paramref name="name"/>);
    /// the features and targets are shared, not copied.
    /// </summary>
    public Dataset WithWeights(float[]? weights, string? name) =>
        new(Features, FeatureCount, Targets, TargetWidth, Task, FeatureNames, ClassNames, Name, LabelName)
        {
            Encoding = Encoding,
            Shape = _shape,
            Weights = weights,
            WeightName = weights is null ? null : name,
        };

    /// <summary>Number of classes (0 unless classification).</summary>
    public int ClassCount => ClassNames?.Length ?? 0;

    /// <summary>The class index of a row.</summary>
    public int LabelOf(int row) => (int)Targets[row];

    /// <summary>Number of rows of each class.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassCount];
        if (Task == DatasetTask.Classification)
            for (int r = 0; r < Rows; r++) counts[LabelOf(r)]++;
        return counts;
    }

    /// <summary>The mean of each feature over the rows (summed in double precision).</summary>
    public float[] FeatureMeans()
    {
        var sums = new double[FeatureCount];
        for (int r = 0; r < Rows; r++)
            for (int j = 0; j < FeatureCount; j++) sums[j] += Features[r * FeatureCount + j];
        return sums.Select(s => (float)(s / Math.Max(Rows, 1))).ToArray();
    }

    /// <summary>A dataset of the given rows, in the given order.</summary>
    public Dataset Subset(IReadOnlyList<int> rows, string? name = null)
    {
        var features = new float[rows.Count * FeatureCount];
        var targets = new float[rows.Count * TargetWidth];
        for (int i = 0; i < rows.Count; i++)
        {
            Array.Copy(Features, (long)rows[i] * FeatureCount, features, (long)i * FeatureCount, FeatureCount);
            Array.Copy(Targets, (long)rows[i] * TargetWidth, targets, (long)i * TargetWidth, TargetWidth);
        }
        return new Dataset(features, FeatureCount, targets, TargetWidth, Task, FeatureNames, ClassNames, name ?? Name, LabelName)
        {
            Encoding = Encoding,
            Shape = _shape,
            Weights = _weights is null ? null : SubsetWeights(rows),
            WeightName = WeightName,
            Series = Series,
        };
    }

    /// <summary>The weights of the given rows (a part whose rows all weigh 0 is refused: nothing in it would count).</summary>
    private float[] SubsetWeights(IReadOnlyList<int> rows)
    {
        var weights = new float[rows.Count];
        for (int i = 0; i < rows.Count; i++) weights[i] = _weights![rows[i]];
        return weights;
    }

    /// <summary>
    /// A row as the user's columns: with an encoding, each raw column decoded (the number, True/False, the category),
    /// otherwise one value per feature; then the label (the class name, or the target value).
    /// </summary>
    public IEnumerable<KeyValuePair<string, object>> RowValues(int row)
    {
        if (row < 0 || row >= Rows)
            throw new NeuralPSException(ErrorIds.InvalidArgument, ErrorKind.InvalidArgument, $"Row {row + 1} is outside the dataset's {Rows} rows.", row);
        ReadOnlySpan<float> features = Features.AsSpan(row * FeatureCount, FeatureCount);
        var values = new List<KeyValuePair<string, object>>();
        if (Encoding is FeatureEncoding encoding && encoding.FeatureCount == FeatureCount)
        {
            int offset = 0;
            for (int c = 0; c < encoding.Columns.Length; c++)
            {
                values.Add(new(encoding.Columns[c].Name, encoding.Decode(c, features[offset..])));
                offset += encoding.Columns[c].Width;
            }
        }
        else
            for (int j = 0; j < FeatureCount; j++) values.Add(new(FeatureNames[j], features[j]));
        if (_weights is not null) values.Add(new(WeightName ?? "Weight", _weights[row]));
        string label = LabelName ?? "Label";
        if (Task == DatasetTask.Classification) values.Add(new(label, ClassNames![LabelOf(row)]));
        else if (TargetWidth == 1) values.Add(new(label, Targets[row]));
        else values.Add(new(label, Targets.AsSpan(row * TargetWidth, TargetWidth).ToArray()));
        return values;
    }

    private void Validate()
    {
        for (int i = 0; i < Features.Length; i++)
            if (!float.IsFinite(Features[i]))
                throw new NeuralPSException(ErrorIds.InvalidData, ErrorKind.InvalidData,
                    $"Row {i / FeatureCount + 1}, feature '{FeatureNames[i % FeatureCount]}' is {Features[i]}. Remove or fill such values before training.",
                    Features[i]);
        for (int i = 0; i < Targets.Length; i++)
        {
            float t = Targets[i];
            if (!float.IsFinite(t))
                throw new NeuralPSException(ErrorIds.InvalidData, ErrorKind.InvalidData,
                    $"Row {i / TargetWidth + 1} has a target of {t}. Remove or fill such values before training.", t);
            if (Task == DatasetTask.Classification && (t < 0 || t >= ClassCount || t != MathF.Floor(t)))
                throw new NeuralPSException(ErrorIds.InvalidData, ErrorKind.InvalidData,
                    $"Row {i + 1} has class index {t}, but the dataset has {ClassCount} classes (0 to {ClassCount - 1}).", t);
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name}: {Rows} rows × {FeatureCount} features{(_shape is null ? "" : $" ({string.Join('×', _shape)})")}, {Task}" + (ClassNames is null ? "" : $", {ClassCount} classes") +
        (_weights is null ? "" : $", weighted by {WeightName ?? "row weights"}");
}

using NeuralPS.Core.Data;

namespace NeuralPS.Core.Training;

/// <summary>
/// Metrics Invoke-Training can compute every epoch, on the training and the validation data (-Metric), beside the loss
/// and the accuracy. Each is weighted by the data's row weights as scikit-learn's <c>sample_weight</c> does.
/// </summary>
public enum TrainingMetric
{
    /// <summary>F1, the harmonic mean of precision and recall: of the second class for two classes, the macro average (the mean over the classes) for more.</summary>
    F1,
    /// <summary>Precision, TP / (TP + FP): of the second class for two classes, macro averaged for more.</summary>
    Precision,
    /// <summary>Recall, TP / (TP + FN): of the second class for two classes, macro averaged for more.</summary>
    Recall,
    /// <summary>Area under the ROC curve: of the second class's probability for two classes, one-vs-rest macro averaged for more.</summary>
    AUC,
    /// <summary>Mean absolute error (regression).</summary>
    MAE,
    /// <summary>Coefficient of determination R² (regression; the mean over the outputs).</summary>
    R2,
}

/// <summary>
/// The metric functions, over whole passes: outputs [rows, width] as the network gives them (a sigmoid unit's
/// probability, or a softmax row), class indices or target values, and optional row weights. They follow
/// scikit-learn's definitions (precision_score, recall_score, f1_score with average='binary' or 'macro' and
/// zero_division=0; roc_auc_score, multi_class='ovr' with average='macro'; mean_absolute_error; r2_score), which the
/// tests check on fixed vectors.
/// </summary>
public static class MetricFunctions
{
    /// <summary>Whether a higher value is better (F1, Precision, Recall, AUC, R2), or a lower (MAE).</summary>
    public static bool IsMaximized(TrainingMetric metric) => metric != TrainingMetric.MAE;

    /// <summary>Whether the metric measures classes (F1, Precision, Recall, AUC) rather than values (MAE, R2).</summary>
    public static bool IsForClasses(TrainingMetric metric) => metric is not (TrainingMetric.MAE or TrainingMetric.R2);

    /// <summary>Throws <c>MetricMismatch</c> for a metric that does not fit the data's task (R2 on classes, F1 on values).</summary>
    public static void EnsureFits(IEnumerable<TrainingMetric> metrics, Dataset data)
    {
        foreach (TrainingMetric metric in metrics)
        {
            bool fits = data.Task switch
            {
                DatasetTask.Classification => IsForClasses(metric),
                DatasetTask.Regression => !IsForClasses(metric),
                _ => false,
            };
            if (fits) continue;
            string what = IsForClasses(metric) ? "classes" : "values";
            string instead = data.Task switch
            {
                DatasetTask.Classification => "For classes choose F1, Precision, Recall or AUC",
                DatasetTask.Regression => "For values choose MAE or R2",
                _ => "Multi-label data has no training metrics yet; Test-Network reports its accuracy",
            };
            throw new NeuralPSException(ErrorIds.MetricMismatch, ErrorKind.InvalidArgument,
                $"{metric} measures {what}, but '{data.Name}' is a {data.Task.ToString().ToLowerInvariant()} dataset. {instead}.", metric);
        }
    }

    /// <summary>The predicted class of an output row: a single unit's probability at 0.5, else the largest output.</summary>
    public static int PredictedClass(ReadOnlySpan<float> output) =>
        output.Length == 1 ? (output[0] >= 0.5f ? 1 : 0) : Evaluator.ArgMax(output);

    /// <summary>
    /// Precision, recall and F1 of predicted against actual classes: of class 1 (scikit-learn's pos_label=1) when there
    /// are two classes, else the unweighted mean of each class's (macro). A class never predicted has precision 0, one
    /// never present recall 0 (zero_division=0).
    /// </summary>
    public static (double Precision, double Recall, double F1) PrecisionRecallF1(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted,
        int classes, ReadOnlySpan<float> weights = default)
    {
        var truePositive = new double[classes];
        var predictedTotal = new double[classes];
        var actualTotal = new double[classes];
        for (int i = 0; i < actual.Length; i++)
        {
            double w = weights.IsEmpty ? 1 : weights[i];
            actualTotal[actual[i]] += w;
            predictedTotal[predicted[i]] += w;
            if (actual[i] == predicted[i]) truePositive[actual[i]] += w;
        }
        (double P, double R, double F) Of(int c)
        {
            double p = predictedTotal[c] == 0 ? 0 : truePositive[c] / predictedTotal[c];
            double r = actualTotal[c] == 0 ? 0 : truePositive[c] / actualTotal[c];
            return (p, r, p + r == 0 ? 0 : 2 * p * r / (p + r));
        }
        if (classes == 2) return Of(1);
        double sp = 0, sr = 0, sf = 0;
        for (int c = 0; c < classes; c++)
        {
            (double p, double r, double f) = Of(c);
            sp += p; sr += r; sf += f;
        }
        return (sp / classes, sr / classes, sf / classes);
    }

    /// <summary>
    /// Area under the ROC curve. <paramref name="outputs"/> is [rows, width]: one unit (the probability of class 1), or
    /// one probability per class. Two classes: the AUC of class 1's probability; more: the mean over the classes of
    /// each class's AUC against the rest. Ties count half (the trapezoid through tied scores). Null when a class has no
    /// rows, or every row is of it (the curve is then undefined).
    /// </summary>
    public static double? Auc(ReadOnlySpan<float> outputs, int width, ReadOnlySpan<int> actual, int classes, ReadOnlySpan<float> weights = default)
    {
        int rows = actual.Length;
        var scores = new float[rows];
        var positive = new bool[rows];
        if (classes == 2)
        {
            for (int r = 0; r < rows; r++) { scores[r] = outputs[r * width + (width == 1 ? 0 : 1)]; positive[r] = actual[r] == 1; }
            return BinaryAuc(scores, positive, weights);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++)
        {
            for (int r = 0; r < rows; r++) { scores[r] = outputs[r * width + c]; positive[r] = actual[r] == c; }
            if (BinaryAuc(scores, positive, weights) is not double auc) return null;
            sum += auc;
        }
        return sum / classes;
    }

    private static double? BinaryAuc(float[] scores, bool[] positive, ReadOnlySpan<float> weights)
    {
        int[] order = Enumerable.Range(0, scores.Length).ToArray();
        Array.Sort(scores.ToArray(), order); // ascending by score; walked from the top
        double positives = 0, negatives = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            double w = weights.IsEmpty ? 1 : weights[i];
            if (positive[i]) positives += w; else negatives += w;
        }
        if (positives == 0 || negatives == 0) return null;
        double area = 0, tp = 0, fp = 0;
        for (int i = order.Length - 1; i >= 0;)
        {
            // One threshold per distinct score: the rows tied at it move the curve together (a diagonal step).
            float score = scores[order[i]];
            double dtp = 0, dfp = 0;
            for (; i >= 0 && scores[order[i]] == score; i--)
            {
                int row = order[i];
                double w = weights.IsEmpty ? 1 : weights[row];
                if (positive[row]) dtp += w; else dfp += w;
            }
            area += dfp * (tp + dtp / 2);
            tp += dtp;
            fp += dfp;
        }
        return area / (positives * negatives);
    }

    /// <summary>Mean absolute error over rows and outputs (weighted by row).</summary>
    public static double MeanAbsoluteError(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int width, ReadOnlySpan<float> weights = default)
    {
        double sum = 0, total = 0;
        int rows = targets.Length / width;
        for (int r = 0; r < rows; r++)
        {
            double w = weights.IsEmpty ? 1 : weights[r];
            for (int j = 0; j < width; j++) sum += w * Math.Abs(outputs[r * width + j] - (double)targets[r * width + j]);
            total += w * width;
        }
        return sum / total;
    }

    /// <summary>
    /// R² = 1 − Σw(y−ŷ)² / Σw(y−ȳ)² per output, averaged over the outputs. An output whose targets do not vary scores 1
    /// when predicted exactly and 0 otherwise (scikit-learn's force_finite).
    /// </summary>
    public static double RSquared(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int width, ReadOnlySpan<float> weights = default)
    {
        int rows = targets.Length / width;
        double result = 0;
        for (int j = 0; j < width; j++)
        {
            double weightSum = 0, mean = 0;
            for (int r = 0; r < rows; r++)
            {
                double w = weights.IsEmpty ? 1 : weights[r];
                weightSum += w;
                mean += w * targets[r * width + j];
            }
            mean /= weightSum;
            double residual = 0, spread = 0;
            for (int r = 0; r < rows; r++)
            {
                double w = weights.IsEmpty ? 1 : weights[r];
                double t = targets[r * width + j], d = t - outputs[r * width + j], s = t - mean;
                residual += w * d * d;
                spread += w * s * s;
            }
            result += spread == 0 ? (residual == 0 ? 1 : 0) : 1 - residual / spread;
        }
        return result / width;
    }
}

/// <summary>Values of the metrics asked for (null: not asked for, or undefined on this pass).</summary>
internal sealed record MetricValues(double? F1, double? Precision, double? Recall, double? AUC, double? MAE, double? R2)
{
    public static readonly MetricValues None = new(null, null, null, null, null, null);

    public double? this[TrainingMetric metric] => metric switch
    {
        TrainingMetric.F1 => F1,
        TrainingMetric.Precision => Precision,
        TrainingMetric.Recall => Recall,
        TrainingMetric.AUC => AUC,
        TrainingMetric.MAE => MAE,
        _ => R2,
    };

    /// <summary>A metric of an epoch, on the training or the validation data.</summary>
    public static double? Of(EpochResult result, TrainingMetric metric, bool validation) => (metric, validation) switch
    {
        (TrainingMetric.F1, false) => result.F1,
        (TrainingMetric.Precision, false) => result.Precision,
        (TrainingMetric.Recall, false) => result.Recall,
        (TrainingMetric.AUC, false) => result.AUC,
        (TrainingMetric.MAE, false) => result.MAE,
        (TrainingMetric.R2, false) => result.R2,
        (TrainingMetric.F1, true) => result.ValidationF1,
        (TrainingMetric.Precision, true) => result.ValidationPrecision,
        (TrainingMetric.Recall, true) => result.ValidationRecall,
        (TrainingMetric.AUC, true) => result.ValidationAUC,
        (TrainingMetric.MAE, true) => result.ValidationMAE,
        _ => result.ValidationR2,
    };

    /// <summary>Writes the training and validation metrics into an epoch's result.</summary>
    public static void Apply(EpochResult result, MetricValues training, MetricValues? validation)
    {
        (result.F1, result.Precision, result.Recall, result.AUC, result.MAE, result.R2) =
            (training.F1, training.Precision, training.Recall, training.AUC, training.MAE, training.R2);
        if (validation is null) return;
        (result.ValidationF1, result.ValidationPrecision, result.ValidationRecall, result.ValidationAUC, result.ValidationMAE, result.ValidationR2) =
            (validation.F1, validation.Precision, validation.Recall, validation.AUC, validation.MAE, validation.R2);
    }
}

/// <summary>
/// Collects the outputs of one pass over a dataset (an epoch's batches, in any order, or an evaluation) and computes
/// the metrics asked for at its end. Its buffers are made once, for the whole dataset.
/// </summary>
internal sealed class MetricPass
{
    private readonly TrainingMetric[] _metrics;
    private readonly Dataset _data;
    private readonly int _width;
    private readonly float[] _outputs;
    private readonly int[] _rows;
    private int _count;

    public MetricPass(IEnumerable<TrainingMetric> metrics, Dataset data, int width)
    {
        _metrics = metrics.Distinct().ToArray();
        _data = data;
        _width = width;
        _outputs = new float[(long)data.Rows * width];
        _rows = new int[data.Rows];
    }

    public void Reset() => _count = 0;

    /// <summary>The buffer for the outputs of every row in order, for an evaluation pass to write into; then <see cref="TookAll"/>.</summary>
    public Span<float> AllOutputs => _outputs;

    /// <summary>Says that <see cref="AllOutputs"/> holds the outputs of every row, in order.</summary>
    public void TookAll()
    {
        for (int i = 0; i < _rows.Length; i++) _rows[i] = i;
        _count = _rows.Length;
    }

    /// <summary>Outputs [rows.Length, width] of the dataset's rows <paramref name="rows"/>.</summary>
    public void Add(ReadOnlySpan<float> outputs, ReadOnlySpan<int> rows)
    {
        outputs[..(rows.Length * _width)].CopyTo(_outputs.AsSpan(_count * _width));
        rows.CopyTo(_rows.AsSpan(_count));
        _count += rows.Length;
    }

    /// <summary>Outputs [count, width] of the dataset's rows first .. first + count − 1.</summary>
    public void AddRange(ReadOnlySpan<float> outputs, int first, int count)
    {
        outputs[..(count * _width)].CopyTo(_outputs.AsSpan(_count * _width));
        for (int i = 0; i < count; i++) _rows[_count + i] = first + i;
        _count += count;
    }

    public MetricValues Compute()
    {
        int n = _count, width = _width;
        ReadOnlySpan<float> outputs = _outputs.AsSpan(0, n * width);
        float[]? weights = _data.Weights is float[] all ? _rows.Take(n).Select(r => all[r]).ToArray() : null;
        double? f1 = null, precision = null, recall = null, auc = null, mae = null, r2 = null;
        if (_data.Task == DatasetTask.Classification)
        {
            var actual = new int[n];
            var predicted = new int[n];
            for (int i = 0; i < n; i++)
            {
                actual[i] = _data.LabelOf(_rows[i]);
                predicted[i] = MetricFunctions.PredictedClass(outputs.Slice(i * width, width));
            }
            if (_metrics.Any(m => m is TrainingMetric.F1 or TrainingMetric.Precision or TrainingMetric.Recall))
            {
                (double p, double r, double f) = MetricFunctions.PrecisionRecallF1(actual, predicted, _data.ClassCount, weights);
                if (_metrics.Contains(TrainingMetric.F1)) f1 = f;
                if (_metrics.Contains(TrainingMetric.Precision)) precision = p;
                if (_metrics.Contains(TrainingMetric.Recall)) recall = r;
            }
            if (_metrics.Contains(TrainingMetric.AUC)) auc = MetricFunctions.Auc(outputs, width, actual, _data.ClassCount, weights);
        }
        else
        {
            int targetWidth = _data.TargetWidth;
            var targets = new float[n * targetWidth];
            for (int i = 0; i < n; i++) _data.Targets.AsSpan(_rows[i] * targetWidth, targetWidth).CopyTo(targets.AsSpan(i * targetWidth));
            if (_metrics.Contains(TrainingMetric.MAE)) mae = MetricFunctions.MeanAbsoluteError(outputs, targets, width, weights);
            if (_metrics.Contains(TrainingMetric.R2)) r2 = MetricFunctions.RSquared(outputs, targets, width, weights);
        }
        return new MetricValues(f1, precision, recall, auc, mae, r2);
    }
}

using System.Text;
using NeuralPS.Core.Data;

namespace NeuralPS.Core.Training;

/// <summary>How well a network does on one class.</summary>
public sealed record ClassMetrics(string Class, double Precision, double Recall, double F1, int Support);

/// <summary>Counts of actual (rows) against predicted (columns) classes.</summary>
public sealed class ConfusionMatrix
{
    internal ConfusionMatrix(string[] classes, int[,] counts)
    {
        Classes = classes;
        Counts = counts;
    }

    /// <summary>Class names, in row and column order.</summary>
    public string[] Classes { get; }

    /// <summary>Counts[actual, predicted].</summary>
    public int[,] Counts { get; }

    /// <summary>A grid with class names, actual classes down, predicted across.</summary>
    public override string ToString() => ToString(int.MaxValue);

    /// <summary>
    /// The grid, fitted to <paramref name="maxWidth"/> columns: with the class names across when they fit, else with
    /// the classes numbered across and named down ("1 T-shirt/top").
    /// </summary>
    public string ToString(int maxWidth)
    {
        int n = Classes.Length;
        string corner = "actual \\ predicted";
        int countWidth = Counts.Cast<int>().DefaultIfEmpty(0).Max().ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
        int nameWidth = Math.Max(corner.Length, Classes.Max(c => c.Length));
        int cell = Math.Max(6, Math.Max(Classes.Max(c => Math.Min(c.Length, 12)), countWidth) + 1);
        bool numbered = nameWidth + n * (cell + 1) > maxWidth;
        string[] rowNames = Classes;
        string[] columnNames = Classes;
        if (numbered)
        {
            int digits = n.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
            rowNames = Classes.Select((c, i) => $"{(i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(digits)} {c}").ToArray();
            columnNames = Enumerable.Range(1, n).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            cell = Math.Max(digits, countWidth) + 1;
            nameWidth = Math.Max(corner.Length, rowNames.Max(c => c.Length));
            int room = maxWidth - n * (cell + 1);
            if (room < nameWidth) nameWidth = Math.Max(digits + 4, room);
        }
        var text = new StringBuilder();
        text.Append(Shorten(corner, nameWidth).PadRight(nameWidth));
        foreach (string c in columnNames) text.Append(' ').Append(Shorten(c, cell).PadLeft(cell));
        text.AppendLine();
        for (int i = 0; i < n; i++)
        {
            text.Append(Shorten(rowNames[i], nameWidth).PadRight(nameWidth));
            for (int j = 0; j < n; j++) text.Append(' ').Append(Counts[i, j].ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(cell));
            if (i < n - 1) text.AppendLine();
        }
        return text.ToString();
    }

    private static string Shorten(string s, int width) => s.Length <= width ? s : s[..(width - 1)] + "…";
}

/// <summary>Test-Network's answer: loss and accuracy; per-class metrics and a confusion matrix, or regression errors.</summary>
public sealed class Evaluation
{
    /// <summary>Classification or Regression (as the dataset says).</summary>
    public string Task { get; init; } = "";

    /// <summary>Rows evaluated.</summary>
    public int Rows { get; init; }

    /// <summary>Mean loss, regularization included; weighted by the data's row weights (Σw·loss/Σw) when it has them.</summary>
    public double Loss { get; init; }

    /// <summary>Fraction of the rows predicted correctly (classification), each row counted once.</summary>
    public double? Accuracy { get; init; }

    /// <summary>
    /// Accuracy with each row counted by its weight, Σw·correct/Σw (scikit-learn's accuracy_score with sample_weight),
    /// when the data has row weights; null otherwise. The per-class figures and the confusion matrix count rows.
    /// </summary>
    public double? WeightedAccuracy { get; init; }

    /// <summary>Precision, recall, F1 and support per class (classification).</summary>
    public ClassMetrics[]? Classes { get; init; }

    /// <summary>The confusion matrix (classification).</summary>
    public ConfusionMatrix? ConfusionMatrix { get; init; }

    /// <summary>Mean squared error (regression).</summary>
    public double? MeanSquaredError { get; init; }

    /// <summary>Root of the mean squared error (regression).</summary>
    public double? RootMeanSquaredError { get; init; }

    /// <summary>Mean absolute error (regression).</summary>
    public double? MeanAbsoluteError { get; init; }

    /// <summary>Coefficient of determination (regression).</summary>
    public double? RSquared { get; init; }

    /// <summary>Evaluates <paramref name="network"/> on <paramref name="data"/>.</summary>
    public static Evaluation Compute(Network network, Dataset data)
    {
        int width = network.OutputSize;
        var outputs = new float[data.Rows * width];
        (double loss, double? accuracy) = Evaluator.Evaluate(network, data, outputs);
        if (data.Task == DatasetTask.Classification)
        {
            int classes = data.ClassCount;
            var counts = new int[classes, classes];
            double weightRight = 0, weightSum = 0;
            for (int r = 0; r < data.Rows; r++)
            {
                int predicted = width == 1 ? (outputs[r] >= 0.5f ? 1 : 0) : Evaluator.ArgMax(outputs.AsSpan(r * width, width));
                counts[data.LabelOf(r), predicted]++;
                double w = data.Weights?[r] ?? 1;
                weightSum += w;
                if (predicted == data.LabelOf(r)) weightRight += w;
            }
            var metrics = new ClassMetrics[classes];
            for (int c = 0; c < classes; c++)
            {
                int truePositive = counts[c, c], predictedCount = 0, actualCount = 0;
                for (int k = 0; k < classes; k++) { predictedCount += counts[k, c]; actualCount += counts[c, k]; }
                double precision = predictedCount == 0 ? 0 : (double)truePositive / predictedCount;
                double recall = actualCount == 0 ? 0 : (double)truePositive / actualCount;
                double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
                metrics[c] = new ClassMetrics(data.ClassNames![c], precision, recall, f1, actualCount);
            }
            return new Evaluation
            {
                Task = "Classification", Rows = data.Rows, Loss = loss, Accuracy = accuracy,
                WeightedAccuracy = data.Weights is null ? null : weightRight / weightSum,
                Classes = metrics, ConfusionMatrix = new ConfusionMatrix(data.ClassNames!, counts),
            };
        }

        double squared = 0, absolute = 0, total = 0, mean = 0;
        int n = data.Targets.Length;
        for (int i = 0; i < n; i++) mean += data.Targets[i];
        mean /= n;
        for (int i = 0; i < n; i++)
        {
            double d = outputs[i] - data.Targets[i];
            squared += d * d;
            absolute += Math.Abs(d);
            double spread = data.Targets[i] - mean;
            total += spread * spread;
        }
        return new Evaluation
        {
            Task = data.Task.ToString(), Rows = data.Rows, Loss = loss, Accuracy = accuracy,
            MeanSquaredError = squared / n, RootMeanSquaredError = Math.Sqrt(squared / n), MeanAbsoluteError = absolute / n,
            RSquared = total > 0 ? 1 - squared / total : null,
        };
    }
}

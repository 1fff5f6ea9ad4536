using System.Globalization;

namespace NeuralPS.Core.Data;

/// <summary>
/// A column of row weights (ConvertTo-Dataset -Weight, Import-Dataset -Weight): read beside the features, never one of
/// them, and kept as <see cref="Dataset.Weights"/>.
/// </summary>
public static class WeightColumn
{
    /// <summary>Throws <c>WeightColumn</c> when the weight column is also the label or one of the features.</summary>
    public static void EnsureApart(string weight, string label, IEnumerable<string> features, string source = "")
    {
        if (string.Equals(weight, label, StringComparison.OrdinalIgnoreCase))
            throw new NeuralPSException(ErrorIds.WeightColumn, ErrorKind.InvalidArgument,
                $"{source}'{weight}' is the label, so it cannot also be the weight column. Give -Weight the column that holds each row's weight.", weight);
        if (features.Contains(weight, StringComparer.OrdinalIgnoreCase))
            throw new NeuralPSException(ErrorIds.WeightColumn, ErrorKind.InvalidArgument,
                $"{source}'{weight}' is the weight column, so it cannot also be a feature (a network would learn from how much a row counts). Leave it out of -Feature.", weight);
    }

    /// <summary>A row's weight from a record's value (a number, or text that reads as one); refuses anything else, naming the row.</summary>
    public static float Parse(object? value, string row, string column)
    {
        if (FeatureValues.IsMissing(value))
            throw Invalid($"{row} has no weight in '{column}'", column);
        if (!FeatureValues.TryNumber(value, out double number))
            throw Invalid($"{row}, weight column '{column}': '{value}' is not a number", column);
        return Check(number, row, column);
    }

    /// <summary>A row's weight from a CSV field.</summary>
    public static float ParseUtf8(ReadOnlySpan<byte> field, string row, string column)
    {
        if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            throw Invalid($"{row}, weight column '{column}': '{System.Text.Encoding.UTF8.GetString(field).Trim()}' is not a number", column);
        return Check(number, row, column);
    }

    private static float Check(double number, string row, string column)
    {
        if (!double.IsFinite(number) || number < 0 || number > float.MaxValue)
            throw Invalid($"{row}, weight column '{column}': {number.ToString(CultureInfo.InvariantCulture)} is not a weight", column);
        return (float)number;
    }

    private static NeuralPSException Invalid(string what, string column) =>
        new(ErrorIds.InvalidWeight, ErrorKind.InvalidData,
            $"{what}. A weight is a finite number of at least 0 (0 leaves the row out); fix the value, or fill it in.", column);
}

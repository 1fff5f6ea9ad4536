using System.Collections;
using System.Globalization;
using NeuralPS.Core.Data;

namespace NeuralPS.Core.Training;

/// <summary>
/// Weights per class for a training's loss (Keras's <c>class_weight</c>): Balanced, or a weight for named classes
/// (classes not named weigh 1). A row's weight is its class's weight times its sample weight (<see cref="Dataset.Weights"/>).
/// </summary>
public sealed class ClassWeights
{
    private ClassWeights(IReadOnlyDictionary<string, double>? byClass) => ByClass = byClass;

    /// <summary>
    /// scikit-learn's "balanced": class c weighs n_samples / (n_classes · n_c), counted on the training rows, so every
    /// class adds up to the same total weight (and the weights' mean over the rows is 1).
    /// </summary>
    public static ClassWeights Balanced { get; } = new(null);

    /// <summary>True for <see cref="Balanced"/>.</summary>
    public bool IsBalanced => ByClass is null;

    /// <summary>The weights given by class name (null for <see cref="Balanced"/>).</summary>
    public IReadOnlyDictionary<string, double>? ByClass { get; }

    /// <summary>
    /// Class weights from what a user gives: the text "Balanced", or a dictionary of class name → weight (a hashtable,
    /// @{ fraud = 20; ok = 1 }). Anything else is <c>InvalidClassWeight</c>.
    /// </summary>
    public static ClassWeights From(object? value)
    {
        if (value is ClassWeights weights) return weights;
        if (value is string text)
        {
            if (text.Equals("Balanced", StringComparison.OrdinalIgnoreCase)) return Balanced;
            throw Invalid($"'{text}' is not a class weighting. Give Balanced, or a weight for each class to weigh differently: -ClassWeight @{{ fraud = 20; ok = 1 }}.", text);
        }
        if (value is IDictionary dictionary)
        {
            var byClass = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (DictionaryEntry entry in dictionary)
            {
                string name = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "";
                double weight;
                try { weight = Convert.ToDouble(entry.Value, CultureInfo.InvariantCulture); }
                catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
                {
                    throw Invalid($"The weight of class '{name}' is '{entry.Value}', not a number.", entry.Value);
                }
                if (!double.IsFinite(weight) || weight < 0)
                    throw Invalid($"The weight of class '{name}' is {weight}; a class weight is a finite number of at least 0.", weight);
                byClass[name] = weight;
            }
            if (byClass.Count == 0) throw Invalid("The class weights are empty. Give a weight for a class, @{ fraud = 20 }, or Balanced.", value);
            return new ClassWeights(byClass);
        }
        throw Invalid($"A class weighting is Balanced or a hashtable of class weights (@{{ fraud = 20; ok = 1 }}), not {value?.GetType().Name ?? "nothing"}.", value);
    }

    /// <summary>
    /// The weight of each class of <paramref name="train"/>, in class order. A weight named for a class the data does
    /// not have is an error (a misspelt class would otherwise weigh nothing, silently).
    /// </summary>
    public double[] Resolve(Dataset train)
    {
        if (train.Task != DatasetTask.Classification)
            throw Invalid($"Class weights weigh the classes of a classification dataset, but '{train.Name}' is a " +
                $"{train.Task.ToString().ToLowerInvariant()} dataset. Weigh its rows with a weight column instead (ConvertTo-Dataset -Weight).", train);
        string[] classes = train.ClassNames!;
        var weights = new double[classes.Length];
        if (IsBalanced)
        {
            int[] counts = train.ClassCounts();
            for (int c = 0; c < classes.Length; c++)
                weights[c] = counts[c] == 0 ? 1 : (double)train.Rows / (classes.Length * counts[c]);
            return weights;
        }
        foreach (string name in ByClass!.Keys)
            if (!classes.Contains(name, StringComparer.Ordinal) && !classes.Contains(name, StringComparer.OrdinalIgnoreCase))
                throw Invalid($"There is no class '{name}' to weigh; the classes are {MessageText.List(classes, 20)}.", name);
        for (int c = 0; c < classes.Length; c++)
        {
            string name = classes[c];
            weights[c] = ByClass.TryGetValue(name, out double w) ? w
                : ByClass.FirstOrDefault(p => p.Key.Equals(name, StringComparison.OrdinalIgnoreCase)) is { Key: not null } match ? match.Value
                : 1;
        }
        return weights;
    }

    /// <inheritdoc />
    public override string ToString() => IsBalanced ? "Balanced"
        : string.Join(", ", ByClass!.Select(p => $"{p.Key} = {p.Value.ToString(CultureInfo.InvariantCulture)}"));

    private static NeuralPSException Invalid(string message, object? target) =>
        new(ErrorIds.InvalidClassWeight, ErrorKind.InvalidArgument, message, target);
}

/// <summary>The weights a loss gives the rows of a dataset.</summary>
internal static class RowWeights
{
    /// <summary>
    /// Each row's weight — its sample weight times its class's weight — divided by their mean over the rows, so that
    /// the mean of weight × loss over the rows is the weighted mean Σw·loss/Σw (see <see cref="LossFunctions"/>), and
    /// multiplying every weight by the same number changes nothing. Null when no weights are given: every row counts once.
    /// </summary>
    public static float[]? For(Dataset data, double[]? classWeights)
    {
        if (data.Weights is null && classWeights is null) return null;
        var weights = new float[data.Rows];
        double sum = 0;
        for (int r = 0; r < data.Rows; r++)
        {
            double w = (data.Weights?[r] ?? 1) * (classWeights?[data.LabelOf(r)] ?? 1);
            weights[r] = (float)w;
            sum += w;
        }
        if (!(sum > 0))
            throw new NeuralPSException(ErrorIds.InvalidClassWeight, ErrorKind.InvalidArgument,
                $"Every row of '{data.Name}' weighs 0 with these class weights, so nothing would count. Give the classes of the data a positive weight.", data);
        float scale = (float)(data.Rows / sum);
        for (int r = 0; r < weights.Length; r++) weights[r] *= scale;
        return weights;
    }
}

using System.Runtime.InteropServices;

namespace NeuralPS.Core.Data;

/// <summary>Random train/test (and validation) splits, optionally stratified by class, seeded; or chronological ones.</summary>
public static class DatasetSplitter
{
    /// <summary>
    /// Splits into training, test and (when <paramref name="validationFraction"/> &gt; 0) validation parts.
    /// With <paramref name="stratify"/>, every class is split in the same proportions (classification only). The rows
    /// of each part come in random order, seeded by <paramref name="seed"/>.
    /// </summary>
    public static Dataset[] Split(Dataset data, double testFraction, double validationFraction, bool stratify, long seed)
    {
        if (testFraction < 0 || validationFraction < 0 || testFraction + validationFraction >= 1)
            throw new NeuralPSException(ErrorIds.InvalidSplit, ErrorKind.InvalidArgument,
                $"The test ({testFraction}) and validation ({validationFraction}) fractions must be at least 0 and add up to less than 1.");
        if (stratify && data.Task != DatasetTask.Classification)
            throw new NeuralPSException(ErrorIds.StratifyNeedsClasses, ErrorKind.InvalidArgument,
                $"-Stratify keeps the proportion of each class in every part, but '{data.Name}' is a {data.Task.ToString().ToLowerInvariant()} dataset" +
                $"{(data.LabelName is null ? "" : $" (its label '{data.LabelName}' holds values, not classes)")}. Leave out -Stratify, " +
                "or, if the label holds class ids, make the dataset with -Classification (ConvertTo-Dataset or Import-Dataset).", data);
        if (testFraction == 0)
            throw new NeuralPSException(ErrorIds.InvalidSplit, ErrorKind.InvalidArgument,
                "A test fraction of 0 leaves the test part empty. Give a fraction of the rows to hold out (-TestFraction 0.2 " +
                "holds out a fifth), or train on the whole dataset without splitting it.", data);
        var random = new RandomSource(seed);
        var train = new List<int>();
        var test = new List<int>();
        var validation = new List<int>();
        IEnumerable<int[]> groups = stratify
            ? Enumerable.Range(0, data.Rows).GroupBy(data.LabelOf).OrderBy(g => g.Key).Select(g => g.ToArray())
            : new[] { Enumerable.Range(0, data.Rows).ToArray() };
        foreach (int[] group in groups)
        {
            random.Shuffle(group);
            int testCount = (int)Math.Round(group.Length * testFraction);
            int validationCount = (int)Math.Round(group.Length * validationFraction);
            test.AddRange(group.Take(testCount));
            validation.AddRange(group.Skip(testCount).Take(validationCount));
            train.AddRange(group.Skip(testCount + validationCount));
        }
        if (train.Count == 0 || test.Count == 0 || (validationFraction > 0 && validation.Count == 0))
            throw new NeuralPSException(ErrorIds.InvalidSplit, ErrorKind.InvalidArgument,
                $"{data.Rows} rows are too few to split with these fractions.", data);
        // Shuffle inside each part: a stratified part is its classes one after another, and a part in file order is
        // whatever order the file had (Iris: 40 setosa first). Code that takes the first rows, or trains with
        // -NoShuffle, would see one class only.
        random.Shuffle(CollectionsMarshal.AsSpan(train));
        random.Shuffle(CollectionsMarshal.AsSpan(test));
        random.Shuffle(CollectionsMarshal.AsSpan(validation));
        var parts = new List<Dataset> { data.Subset(train, data.Name + " (train)"), data.Subset(test, data.Name + " (test)") };
        if (validationFraction > 0) parts.Add(data.Subset(validation, data.Name + " (validation)"));
        return parts.ToArray();
    }

    /// <summary>
    /// Splits in row order, for data whose order is time (windows over a series): the first rows train, then come
    /// the validation rows (when <paramref name="validationFraction"/> &gt; 0), and the last rows test. Nothing is
    /// shuffled, so no part reaches across another's boundary. With windows (<see cref="SeriesWindows"/>) the cut is
    /// by window: the last training windows share records with the first test windows, but every test label lies
    /// after every record a training window reads or is labelled by.
    /// </summary>
    public static Dataset[] SplitChronologically(Dataset data, double testFraction, double validationFraction)
    {
        if (testFraction < 0 || validationFraction < 0 || testFraction + validationFraction >= 1)
            throw new NeuralPSException(ErrorIds.InvalidSplit, ErrorKind.InvalidArgument,
                $"The test ({testFraction}) and validation ({validationFraction}) fractions must be at least 0 and add up to less than 1.");
        int testCount = (int)Math.Round(data.Rows * testFraction);
        int validationCount = (int)Math.Round(data.Rows * validationFraction);
        int trainCount = data.Rows - testCount - validationCount;
        if (trainCount < 1 || (testFraction > 0 && testCount == 0) || (validationFraction > 0 && validationCount == 0))
            throw new NeuralPSException(ErrorIds.InvalidSplit, ErrorKind.InvalidArgument,
                $"{data.Rows} rows are too few to split with these fractions.", data);
        var parts = new List<Dataset>
        {
            data.Subset(Enumerable.Range(0, trainCount).ToArray(), data.Name + " (train)"),
            data.Subset(Enumerable.Range(data.Rows - testCount, testCount).ToArray(), data.Name + " (test)"),
        };
        if (validationFraction > 0) parts.Add(data.Subset(Enumerable.Range(trainCount, validationCount).ToArray(), data.Name + " (validation)"));
        return parts.ToArray();
    }
}

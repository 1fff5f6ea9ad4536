namespace NeuralPS.Core.Data;

/// <summary>Random train/test (and validation) splits, optionally stratified by class, seeded.</summary>
public static class DatasetSplitter
{
    /// <summary>
    /// Splits into training, test and (when <paramref name="validationFraction"/> &gt; 0) validation parts.
    /// With <paramref name="stratify"/>, every class is split in the same proportions.
    /// </summary>
    public static Dataset[] Split(Dataset data, double testFraction, double validationFraction, bool stratify, long seed)
    {
        if (testFraction < 0 || validationFraction < 0 || testFraction + validationFraction >= 1)
            throw new NeuralPSException(ErrorIds.InvalidSplit, ErrorKind.InvalidArgument,
                $"The test ({testFraction}) and validation ({validationFraction}) fractions must be at least 0 and add up to less than 1.");
        var random = new RandomSource(seed);
        var train = new List<int>();
        var test = new List<int>();
        var validation = new List<int>();
        IEnumerable<int[]> groups = stratify && data.Task == DatasetTask.Classification
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
        if (train.Count == 0 || (testFraction > 0 && test.Count == 0))
            throw new NeuralPSException(ErrorIds.InvalidSplit, ErrorKind.InvalidArgument,
                $"{data.Rows} rows are too few to split with these fractions.", data);
        // keep the original row order inside each part: splits are then easy to read and compare
        train.Sort(); test.Sort(); validation.Sort();
        var parts = new List<Dataset> { data.Subset(train, data.Name + " (train)"), data.Subset(test, data.Name + " (test)") };
        if (validationFraction > 0) parts.Add(data.Subset(validation, data.Name + " (validation)"));
        return parts.ToArray();
    }
}

using System.Globalization;

namespace NeuralPS.Core.Data;

/// <summary>Small datasets shipped with the module (Xor, Iris, AirPassengers, BreastCancer) and generators for toy problems.</summary>
public static class SampleDatasets
{
    /// <summary>The names Get-SampleDataset accepts.</summary>
    /// <remarks>Read-only: statics are shared by every runspace in the process, so none may be changed.</remarks>
    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(new[] { "Xor", "Iris", "AirPassengers", "Moons", "Circles", "Spirals", "Regression", "BreastCancer" });

    /// <summary>A sample by name (case-insensitive). Generators use <paramref name="samples"/>, <paramref name="noise"/> and <paramref name="seed"/>.</summary>
    public static Dataset Get(string name, int samples = 0, double noise = double.NaN, long seed = 0)
    {
        if (samples < 0)
            throw new NeuralPSException(ErrorIds.InvalidArgument, ErrorKind.InvalidArgument, $"Samples must be positive; {samples} was given.", samples);
        var random = new RandomSource(seed);
        return name.ToLowerInvariant() switch
        {
            "xor" => Xor(),
            "iris" => Iris(),
            "airpassengers" => AirPassengers(),
            "breastcancer" => BreastCancer(),
            "moons" => Moons(samples > 0 ? samples : 200, double.IsNaN(noise) ? 0.1 : noise, random),
            "circles" => Circles(samples > 0 ? samples : 200, double.IsNaN(noise) ? 0.05 : noise, random),
            "spirals" => Spirals(samples > 0 ? samples : 300, double.IsNaN(noise) ? 0.2 : noise, random),
            "regression" => Regression(samples > 0 ? samples : 200, double.IsNaN(noise) ? 0.1 : noise, random),
            _ => throw new NeuralPSException(ErrorIds.UnknownSampleDataset, ErrorKind.NotFound,
                $"There is no sample dataset '{name}'. Choose one of: {string.Join(", ", Names)}.", name),
        };
    }

    /// <summary>The four rows of exclusive-or, as a regression-style 0/1 target for a sigmoid output.</summary>
    public static Dataset Xor() => new(
        new float[] { 0, 0, 0, 1, 1, 0, 1, 1 }, 2, new float[] { 0, 1, 1, 0 }, 1, DatasetTask.Classification,
        new[] { "A", "B" }, new[] { "0", "1" }, "Xor", "Xor");

    /// <summary>Fisher's Iris: 150 flowers, 4 measurements in cm, 3 species.</summary>
    public static Dataset Iris()
    {
        using Stream stream = typeof(SampleDatasets).Assembly.GetManifestResourceStream("NeuralPS.Samples.iris.csv")!;
        using var reader = new StreamReader(stream);
        string[] header = reader.ReadLine()!.Split(',');
        var features = new List<float>();
        var labels = new List<float>();
        string[] classes = { "setosa", "versicolor", "virginica" };
        while (reader.ReadLine() is string line && line.Length > 0)
        {
            string[] cells = line.Split(',');
            for (int i = 0; i < 4; i++) features.Add(float.Parse(cells[i], CultureInfo.InvariantCulture));
            labels.Add(Array.IndexOf(classes, cells[4]));
        }
        return new Dataset(features.ToArray(), 4, labels.ToArray(), 1, DatasetTask.Classification, header[..4], classes, "Iris", "Species");
    }

    /// <summary>
    /// Box &amp; Jenkins' international airline passengers: 144 months, January 1949 to December 1960, in month order;
    /// features Year and Month (1-12), label Passengers (thousands). A series: make windows of it with
    /// ConvertFrom-Dataset | ConvertTo-Dataset -Window. Source: Data/Samples/airpassengers.md.
    /// </summary>
    public static Dataset AirPassengers()
    {
        using Stream stream = typeof(SampleDatasets).Assembly.GetManifestResourceStream("NeuralPS.Samples.airpassengers.csv")!;
        using var reader = new StreamReader(stream);
        reader.ReadLine();   // Month,Passengers
        var features = new List<float>();
        var passengers = new List<float>();
        while (reader.ReadLine() is string line && line.Length > 0)
        {
            string[] cells = line.Split(',');   // 1949-01,112
            string[] month = cells[0].Split('-');
            features.Add(int.Parse(month[0], CultureInfo.InvariantCulture));
            features.Add(int.Parse(month[1], CultureInfo.InvariantCulture));
            passengers.Add(float.Parse(cells[1], CultureInfo.InvariantCulture));
        }
        return new Dataset(features.ToArray(), 2, passengers.ToArray(), 1, DatasetTask.Regression, new[] { "Year", "Month" }, null, "AirPassengers", "Passengers");
    }

    /// <summary>
    /// Breast Cancer Wisconsin (Diagnostic): 569 tumours, 30 measurements of their cell nuclei, diagnosis malignant (212)
    /// or benign (357); classes sorted: benign, malignant. Source: Data/Samples/breastcancer.md.
    /// </summary>
    public static Dataset BreastCancer()
    {
        using Stream stream = typeof(SampleDatasets).Assembly.GetManifestResourceStream("NeuralPS.Samples.breastcancer.csv")!;
        using var reader = new StreamReader(stream);
        string[] header = reader.ReadLine()!.Split(',');
        var features = new List<float>();
        var labels = new List<float>();
        string[] classes = { "benign", "malignant" };
        while (reader.ReadLine() is string line && line.Length > 0)
        {
            string[] cells = line.Split(',');
            for (int i = 0; i < 30; i++) features.Add(float.Parse(cells[i], CultureInfo.InvariantCulture));
            labels.Add(Array.IndexOf(classes, cells[30]));
        }
        return new Dataset(features.ToArray(), 30, labels.ToArray(), 1, DatasetTask.Classification, header[..30], classes, "BreastCancer", "Diagnosis");
    }

    /// <summary>Two interleaving half circles.</summary>
    public static Dataset Moons(int samples, double noise, RandomSource random)
    {
        var x = new float[samples * 2];
        var y = new float[samples];
        for (int i = 0; i < samples; i++)
        {
            int label = i % 2;
            double t = Math.PI * random.NextDouble();
            double px = label == 0 ? Math.Cos(t) : 1 - Math.Cos(t);
            double py = label == 0 ? Math.Sin(t) : 0.5 - Math.Sin(t);
            x[2 * i] = (float)(px + noise * random.NextGaussian());
            x[2 * i + 1] = (float)(py + noise * random.NextGaussian());
            y[i] = label;
        }
        return new Dataset(x, 2, y, 1, DatasetTask.Classification, new[] { "X", "Y" }, new[] { "0", "1" }, "Moons", "Class");
    }

    /// <summary>A small circle inside a large one.</summary>
    public static Dataset Circles(int samples, double noise, RandomSource random)
    {
        var x = new float[samples * 2];
        var y = new float[samples];
        for (int i = 0; i < samples; i++)
        {
            int label = i % 2;
            double radius = label == 0 ? 1.0 : 0.5;
            double t = 2 * Math.PI * random.NextDouble();
            x[2 * i] = (float)(radius * Math.Cos(t) + noise * random.NextGaussian());
            x[2 * i + 1] = (float)(radius * Math.Sin(t) + noise * random.NextGaussian());
            y[i] = label;
        }
        return new Dataset(x, 2, y, 1, DatasetTask.Classification, new[] { "X", "Y" }, new[] { "outer", "inner" }, "Circles", "Class");
    }

    /// <summary>Three interleaved spiral arms.</summary>
    public static Dataset Spirals(int samples, double noise, RandomSource random)
    {
        const int arms = 3;
        var x = new float[samples * 2];
        var y = new float[samples];
        for (int i = 0; i < samples; i++)
        {
            int label = i % arms;
            double r = random.NextDouble();
            double t = label * 2 * Math.PI / arms + r * 4 + noise * random.NextGaussian();
            x[2 * i] = (float)(r * Math.Cos(t));
            x[2 * i + 1] = (float)(r * Math.Sin(t));
            y[i] = label;
        }
        return new Dataset(x, 2, y, 1, DatasetTask.Classification, new[] { "X", "Y" }, new[] { "0", "1", "2" }, "Spirals", "Arm");
    }

    /// <summary>y = sin(2·x1) + 0.5·x2² − x3 + noise, with x uniform in [−1, 1].</summary>
    public static Dataset Regression(int samples, double noise, RandomSource random)
    {
        var x = new float[samples * 3];
        var y = new float[samples];
        for (int i = 0; i < samples; i++)
        {
            double a = random.NextDouble() * 2 - 1, b = random.NextDouble() * 2 - 1, c = random.NextDouble() * 2 - 1;
            x[3 * i] = (float)a; x[3 * i + 1] = (float)b; x[3 * i + 2] = (float)c;
            y[i] = (float)(Math.Sin(2 * a) + 0.5 * b * b - c + noise * random.NextGaussian());
        }
        return new Dataset(x, 3, y, 1, DatasetTask.Regression, new[] { "X1", "X2", "X3" }, null, "Regression", "Y");
    }
}

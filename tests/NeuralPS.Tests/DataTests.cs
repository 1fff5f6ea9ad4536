using System.Management.Automation;
using NeuralPS.Core.Data;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>Data in: ConvertTo-Dataset, Import-Dataset, Split-Dataset, Get-SampleDataset and the dataset's views, as a user runs them.</summary>
public class DataTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("neuralps-data-").FullName;

    public DataTests() => _ps.Run($"Set-Location '{_folder}'");

    public void Dispose()
    {
        _ps.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private Dataset Data(string script) => Assert.IsType<Dataset>(Assert.Single(_ps.Run(script)).BaseObject);

    private static string Id(ErrorRecord error) => error.FullyQualifiedErrorId.Split(',')[0];

    private void WriteIrisCsv() => _ps.Run("Get-SampleDataset Iris | ConvertFrom-Dataset | Export-Csv iris.csv");

    [Fact]
    public void ImportCsvIntoConvertToDatasetGivesBackTheIrisSampleBitForBit()
    {
        WriteIrisCsv();
        Dataset data = Data("Import-Csv iris.csv | ConvertTo-Dataset -Label Species -Name iris");
        Dataset sample = SampleDatasets.Iris();
        Assert.Equal(DatasetTask.Classification, data.Task);
        Assert.Equal(sample.FeatureNames, data.FeatureNames);
        Assert.Equal(sample.ClassNames, data.ClassNames);
        Assert.Equal(sample.Features, data.Features);
        Assert.Equal(sample.Targets, data.Targets);
        Assert.Equal(new[] { 50, 50, 50 }, data.ClassCounts());
        Assert.Equal("Species", data.LabelName);
        Assert.Equal(new[] { ColumnKind.Numeric }, data.Encoding!.Columns.Select(c => c.Kind).Distinct());
    }

    [Fact]
    public void TextIsOneHotBooleansAreZeroOneAndFeatureChoosesTheColumns()
    {
        Dataset data = Data(@"
            @(
                [pscustomobject]@{ Weight = '120'; Color = 'red'; Ripe = 'True'; Fruit = 'apple'; Id = 'a' }
                @{ Weight = 200; Color = 'yellow'; Ripe = $false; Fruit = 'banana'; Id = 'b' }
                [pscustomobject]@{ Weight = 130.5; Color = 'green'; Ripe = $true; Fruit = 'apple'; Id = 'c' }
            ) | ConvertTo-Dataset -Label Fruit -Feature Ripe, Color, Weight");
        Assert.Equal(new[] { "Ripe", "Color=green", "Color=red", "Color=yellow", "Weight" }, data.FeatureNames);
        Assert.Equal(new float[] { 1, 0, 1, 0, 120, 0, 0, 0, 1, 200, 1, 1, 0, 0, 130.5f }, data.Features);
        Assert.Equal(new[] { "apple", "banana" }, data.ClassNames);
        Assert.Equal(new float[] { 0, 1, 0 }, data.Targets);
        Assert.Equal(new[] { ColumnKind.Boolean, ColumnKind.Categorical, ColumnKind.Numeric }, data.Encoding!.Columns.Select(c => c.Kind));
    }

    [Fact]
    public void TypedObjectsAndBulkInputObjectWork()
    {
        Dataset data = Data(@"
            $points = 1..20 | ForEach-Object { [System.Drawing.Point]::new($_, 2 * $_) }
            ConvertTo-Dataset -InputObject $points -Label Y");
        Assert.Equal(20, data.Rows);
        Assert.Equal(DatasetTask.Regression, data.Task);
        Assert.Contains("X", data.FeatureNames);
        Assert.DoesNotContain("Y", data.FeatureNames);
        int x = Array.IndexOf(data.FeatureNames, "X");
        Assert.Equal(Enumerable.Range(1, 20).Select(i => 2f * i), data.Targets);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (float)i), Enumerable.Range(0, 20).Select(r => data.Features[r * data.FeatureCount + x]));
    }

    [Fact]
    public void ANumericLabelIsRegressionUnlessClassificationIsAsked()
    {
        const string rows = "$rows = 1..12 | ForEach-Object { [pscustomobject]@{ A = $_; B = $_ % 3; Grade = [string](($_ % 3) * 5) } }";
        Dataset regression = Data(rows + "; $rows | ConvertTo-Dataset -Label Grade");
        Assert.Equal(DatasetTask.Regression, regression.Task);
        Assert.Null(regression.ClassNames);
        Dataset classes = Data(rows + "; $rows | ConvertTo-Dataset -Label Grade -Classification");
        Assert.Equal(DatasetTask.Classification, classes.Task);
        Assert.Equal(new[] { "0", "5", "10" }, classes.ClassNames); // numeric order, not "0", "10", "5"
        Dataset categorical = Data(rows + "; $rows | ConvertTo-Dataset -Label Grade -Categorical B");
        Assert.Equal(new[] { "A", "B=0", "B=1", "B=2" }, categorical.FeatureNames);
    }

    [Fact]
    public void BadRecordsAreRefusedNamingTheRecordAndTheColumn()
    {
        ErrorRecord empty = _ps.Fail("@([pscustomobject]@{ A = '1'; L = 'x' }, [pscustomobject]@{ A = ''; L = 'y' }) | ConvertTo-Dataset -Label L");
        Assert.Equal("InvalidData", Id(empty));
        Assert.Equal(ErrorCategory.InvalidData, empty.CategoryInfo.Category);
        Assert.Contains("Record 2, column 'A' is empty", empty.Exception.Message);

        ErrorRecord nan = _ps.Fail("@(@{ A = 1.0; L = 'x' }, @{ A = [double]::NaN; L = 'y' }) | ConvertTo-Dataset -Label L");
        Assert.Contains("Record 2, column 'A' is NaN", nan.Exception.Message);

        ErrorRecord mixed = _ps.Fail("@(@{ A = '1'; L = 'x' }, @{ A = '2'; L = 'x' }, @{ A = 'n/a'; L = 'y' }) | ConvertTo-Dataset -Label L");
        Assert.Equal("MixedColumn", Id(mixed));
        Assert.Contains("Record 3, column 'A': 'n/a' is not a number", mixed.Exception.Message);
        Assert.Contains("-Categorical A", mixed.Exception.Message);

        ErrorRecord missing = _ps.Fail("@(@{ A = 1; B = 2; L = 'x' }, @{ A = 1; B = 2; L = 'x' }, @{ A = 1; L = 'y' }) | ConvertTo-Dataset -Label L");
        Assert.Equal("MissingFeature", Id(missing));
        Assert.Contains("Record 3 has no property 'B'", missing.Exception.Message);

        ErrorRecord label = _ps.Fail("@{ A = 1; B = 2 } | ConvertTo-Dataset -Label Species");
        Assert.Equal("MissingLabel", Id(label));
        Assert.Contains("'Species'", label.Exception.Message);
        Assert.Contains("A, B", label.Exception.Message);
    }

    [Fact]
    public void ImportDatasetReadsACsvAsImportCsvAndConvertToDatasetDo()
    {
        WriteIrisCsv();
        Dataset viaPipeline = Data("Import-Csv iris.csv | ConvertTo-Dataset -Label Species");
        Dataset viaFile = Data("Import-Dataset iris.csv -Label Species");
        Assert.Equal(viaPipeline.Features, viaFile.Features);
        Assert.Equal(viaPipeline.Targets, viaFile.Targets);
        Assert.Equal(viaPipeline.ClassNames, viaFile.ClassNames);
        Assert.Equal(viaPipeline.FeatureNames, viaFile.FeatureNames);
        Assert.Equal("iris", viaFile.Name);

        _ps.Run("Import-Csv iris.csv | Export-Csv iris-semicolon.csv -Delimiter ';'");
        Dataset semicolon = Data("Import-Dataset iris-semicolon.csv -Label Species -Delimiter ';' -Feature PetalWidth, PetalLength");
        Assert.Equal(new[] { "PetalWidth", "PetalLength" }, semicolon.FeatureNames);
        Assert.Equal(viaFile.Features[3], semicolon.Features[0]);
    }

    [Fact]
    public void ImportDatasetOneHotEncodesTextColumnsLikeConvertToDataset()
    {
        File.WriteAllText(Path.Combine(_folder, "fruit.csv"), "Weight,Color,Ripe,Fruit\n120,red,True,apple\n200,yellow,False,banana\n130.5,green,true,apple\n");
        Dataset file = Data("Import-Dataset fruit.csv -Label Fruit");
        Dataset pipeline = Data("Import-Csv fruit.csv | ConvertTo-Dataset -Label Fruit");
        Assert.Equal(new[] { "Weight", "Color=green", "Color=red", "Color=yellow", "Ripe" }, file.FeatureNames);
        Assert.Equal(pipeline.FeatureNames, file.FeatureNames);
        Assert.Equal(pipeline.Features, file.Features);
        Assert.Equal(pipeline.Targets, file.Targets);
    }

    [Fact]
    public void BadCsvFilesAreRefusedNamingRowAndColumn()
    {
        File.WriteAllText(Path.Combine(_folder, "empty.csv"), "");
        Assert.Equal("EmptyFile", Id(_ps.Fail("Import-Dataset empty.csv -Label y")));

        File.WriteAllText(Path.Combine(_folder, "header.csv"), "a,y\n");
        Assert.Equal("EmptyDataset", Id(_ps.Fail("Import-Dataset header.csv -Label y")));

        File.WriteAllText(Path.Combine(_folder, "nan.csv"), "a,b,y\n1,2,3\n4,NaN,6\n");
        ErrorRecord nan = _ps.Fail("Import-Dataset nan.csv -Label y");
        Assert.Equal("InvalidData", Id(nan));
        Assert.Contains("'nan.csv': row 2, column 'b' is NaN", nan.Exception.Message);

        File.WriteAllText(Path.Combine(_folder, "hole.csv"), "a,b,y\n1,2,3\n4,,6\n");
        Assert.Contains("row 2, column 'b' is empty", _ps.Fail("Import-Dataset hole.csv -Label y").Exception.Message);

        ErrorRecord label = _ps.Fail("Import-Dataset nan.csv -Label Species");
        Assert.Equal("MissingLabel", Id(label));
        Assert.Contains("no column 'Species'", label.Exception.Message);
        Assert.Contains("a, b, y", label.Exception.Message);

        ErrorRecord missing = _ps.Fail("Import-Dataset no-such-file.csv -Label y");
        Assert.Equal("FileNotFound", Id(missing));
        Assert.Equal(ErrorCategory.ObjectNotFound, missing.CategoryInfo.Category);
    }

    private void WriteIdx(string name, byte[] header, byte[] data, bool gzip)
    {
        byte[] bytes = header.Concat(data).ToArray();
        string path = Path.Combine(_folder, name);
        if (!gzip) { File.WriteAllBytes(path, bytes); return; }
        using var file = File.Create(path);
        using var zip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest);
        zip.Write(bytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ImportDatasetReadsIdxImagesScaledToOne(bool gzip)
    {
        // three 2×2 images and their labels
        WriteIdx("images.idx", new byte[] { 0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2 }, new byte[] { 0, 255, 51, 102, 1, 2, 3, 4, 255, 255, 0, 0 }, gzip);
        WriteIdx("labels.idx", new byte[] { 0, 0, 8, 1, 0, 0, 0, 3 }, new byte[] { 2, 0, 1 }, gzip);
        Dataset data = Data("Import-Dataset images.idx -LabelPath labels.idx -ClassName cat, dog, bird");
        Assert.Equal(3, data.Rows);
        Assert.Equal(4, data.FeatureCount);
        Assert.Equal(new[] { 0f, 1f, 0.2f, 0.4f }, data.Features[..4]);
        Assert.Equal(new[] { "cat", "dog", "bird" }, data.ClassNames);
        Assert.Equal(new float[] { 2, 0, 1 }, data.Targets);
        Assert.Equal("InvalidIdxFile", Id(_ps.Fail("Import-Dataset labels.idx -LabelPath labels.idx")));
    }

    [Fact]
    public void SplitDatasetGivesTrainAndTestStratifiedAndSeeded()
    {
        var parts = _ps.Run("$train, $test = Get-SampleDataset Iris | Split-Dataset -TestFraction 0.2 -Stratify -Seed 3; $train; $test");
        var train = (Dataset)parts[0].BaseObject;
        var test = (Dataset)parts[1].BaseObject;
        Assert.Equal(120, train.Rows);
        Assert.Equal(30, test.Rows);
        Assert.Equal(new[] { 10, 10, 10 }, test.ClassCounts());

        var again = (Dataset)_ps.Run("Get-SampleDataset Iris | Split-Dataset -TestFraction 0.2 -Stratify -Seed 3")[1].BaseObject;
        Assert.Equal(test.Features, again.Features);
        var other = (Dataset)_ps.Run("Get-SampleDataset Iris | Split-Dataset -TestFraction 0.2 -Stratify -Seed 4")[1].BaseObject;
        Assert.NotEqual(test.Features, other.Features);

        var three = _ps.Run("Get-SampleDataset Iris | Split-Dataset -TestFraction 0.2 -ValidationFraction 0.1");
        Assert.Equal(new[] { 105, 30, 15 }, three.Select(p => ((Dataset)p.BaseObject).Rows));
        Assert.Equal("InvalidSplit", Id(_ps.Fail("Get-SampleDataset Xor | Split-Dataset -TestFraction 0.1")));
    }

    [Fact]
    public void SplitDatasetShufflesTheRowsInsideEachPartBySeed()
    {
        var parts = _ps.Run("Get-SampleDataset Iris | Split-Dataset -TestFraction 0.2 -ValidationFraction 0.2 -Stratify -Seed 1")
            .Select(p => (Dataset)p.BaseObject).ToList();
        foreach (Dataset part in parts)
        {
            // Iris is sorted by species: in file order the first 20 training rows are all setosa.
            int[] first = Enumerable.Range(0, Math.Min(20, part.Rows)).Select(part.LabelOf).ToArray();
            Assert.True(first.Distinct().Count() == 3, $"{part.Name}: the first rows are of classes {string.Join(",", first)}");
            Assert.DoesNotContain(0, part.ClassCounts());
        }
        var again = _ps.Run("Get-SampleDataset Iris | Split-Dataset -TestFraction 0.2 -ValidationFraction 0.2 -Stratify -Seed 1")
            .Select(p => (Dataset)p.BaseObject).ToList();
        for (int i = 0; i < 3; i++) Assert.Equal(parts[i].Features, again[i].Features);

        // without -Stratify too: the parts are not in the file's order
        Dataset train = (Dataset)_ps.Run("Get-SampleDataset Regression -Samples 100 -Seed 1 | Split-Dataset -Seed 2")[0].BaseObject;
        Dataset all = SampleDatasets.Get("Regression", 100, double.NaN, 1);
        int[] rows = Enumerable.Range(0, train.Rows).Select(r => Enumerable.Range(0, all.Rows)
            .First(a => all.Features.AsSpan(a * all.FeatureCount, all.FeatureCount).SequenceEqual(train.Features.AsSpan(r * train.FeatureCount, train.FeatureCount)))).ToArray();
        Assert.NotEqual(rows.Order(), rows);
    }

    [Fact]
    public void StratifyOnARegressionDatasetIsANamedError()
    {
        ErrorRecord error = _ps.Fail("Get-SampleDataset Regression | Split-Dataset -Stratify");
        Assert.Equal("StratifyNeedsClasses", Id(error));
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("-Classification", error.Exception.Message);
        Assert.Equal(2, _ps.Run("Get-SampleDataset Regression | Split-Dataset").Count);
    }

    [Fact]
    public void ImportDatasetTakesFilesFromGetChildItemWildcardsAndLiteralPaths()
    {
        _ps.Run("""
            $rows = Get-SampleDataset Iris | ConvertFrom-Dataset
            $i = 0; $rows | Select-Object @{ n = 'Id'; e = { (++$script:i) } }, * | Export-Csv iris-a.csv
            Copy-Item iris-a.csv iris-b.csv
            Copy-Item iris-a.csv 'iris[1].csv'
            'not a csv of flowers' | Set-Content notes.txt
            """);
        var piped = _ps.Run("Get-ChildItem *.csv | Sort-Object Name | Import-Dataset -Label Species -Exclude Id")
            .Select(o => (Dataset)o.BaseObject).ToList();
        Assert.Equal(new[] { "iris-a", "iris-b", "iris[1]" }, piped.Select(d => d.Name));
        foreach (Dataset d in piped)
        {
            Assert.Equal(new[] { "SepalLength", "SepalWidth", "PetalLength", "PetalWidth" }, d.FeatureNames);
            Assert.Equal(SampleDatasets.Iris().Features, d.Features);
        }

        Assert.Equal(new[] { "iris-a", "iris-b" }, _ps.Run("Import-Dataset iris-?.csv -Label Species").Select(o => ((Dataset)o.BaseObject).Name));
        Assert.Equal(5, Data("Import-Dataset -LiteralPath 'iris[1].csv' -Label Species").FeatureCount); // Id included
        Assert.Equal(4, Data("'iris-b.csv' | Import-Dataset -Label Species -Exclude ID").FeatureCount);
        Assert.Equal(4, Data("Get-Item iris-a.csv | Import-Dataset -Label Species -Exclude Id").FeatureCount);

        // a bad file among several is reported, the others still load
        var mixed = _ps.Run("Import-Dataset iris-a.csv, missing.csv, iris-b.csv -Label Species", out var errors);
        Assert.Equal(2, mixed.Count);
        Assert.Equal("FileNotFound", Id(Assert.Single(errors)));

        ErrorRecord unknown = _ps.Fail("Import-Dataset iris-a.csv -Label Species -Exclude Idd");
        Assert.Equal("ExcludedColumnNotFound", Id(unknown));
        Assert.Equal(ErrorCategory.InvalidArgument, unknown.CategoryInfo.Category);
        Assert.Contains("'Idd'", unknown.Exception.Message);
        Assert.Contains("Id, SepalLength", unknown.Exception.Message);
        Assert.Equal("FileNotFound", Id(_ps.Fail("Import-Dataset nothing-*.csv -Label Species")));
    }

    [Fact]
    public void ConvertToDatasetExcludeLeavesColumnsOut()
    {
        Dataset data = Data("""
            @(
                [pscustomobject]@{ Id = 'a'; Weight = 120; Color = 'red'; Fruit = 'apple' }
                [pscustomobject]@{ Id = 'b'; Weight = 200; Color = 'yellow'; Fruit = 'banana' }
            ) | ConvertTo-Dataset -Label Fruit -Exclude id, Color
            """);
        Assert.Equal(new[] { "Weight" }, data.FeatureNames);
        Assert.Equal("ExcludedColumnNotFound", Id(_ps.Fail("[pscustomobject]@{ Id = 1; x = 2; y = 3 } | ConvertTo-Dataset -Label y -Exclude Idd")));
    }

    [Theory]
    [InlineData("Moons", 2, 2)]
    [InlineData("Circles", 2, 2)]
    [InlineData("Spirals", 2, 3)]
    [InlineData("Regression", 3, 0)]
    public void SampleGeneratorsTakeSamplesNoiseAndSeed(string name, int features, int classes)
    {
        Dataset a = Data($"Get-SampleDataset {name} -Samples 90 -Noise 0.3 -Seed 5");
        Dataset b = Data($"Get-SampleDataset {name} -Samples 90 -Noise 0.3 -Seed 5");
        Dataset c = Data($"Get-SampleDataset {name} -Samples 90 -Noise 0.3 -Seed 6");
        Dataset quiet = Data($"Get-SampleDataset {name} -Samples 90 -Noise 0 -Seed 5");
        Assert.Equal(90, a.Rows);
        Assert.Equal(features, a.FeatureCount);
        Assert.Equal(classes, a.ClassCount);
        // the noise goes into the features of the classifiers and into the target of Regression
        static float[] Values(Dataset d) => d.Features.Concat(d.Targets).ToArray();
        Assert.Equal(Values(a), Values(b));
        Assert.NotEqual(Values(a), Values(c));
        Assert.NotEqual(Values(a), Values(quiet));
    }

    [Fact]
    public void TheDatasetViewShowsRowsFeaturesTaskAndClassCountsAndConvertFromShowsTheFirstRows()
    {
        WriteIrisCsv();
        string view = string.Join("\n", _ps.Run("Import-Csv iris.csv | ConvertTo-Dataset -Label Species -Name flowers | Out-String -Width 200").Select(o => o.ToString()));
        Assert.Contains("flowers", view);
        Assert.Contains("150", view);
        Assert.Contains("SepalLength, SepalWidth, PetalLength, PetalWidth", view);
        Assert.Contains("Classification", view);
        Assert.Contains("setosa (50), versicolor (50), virginica (50)", view);
        Assert.Contains("Species", view);

        var first = _ps.Run("Import-Csv iris.csv | ConvertTo-Dataset -Label Species | ConvertFrom-Dataset -First 3");
        Assert.Equal(3, first.Count);
        Assert.Equal(new[] { "SepalLength", "SepalWidth", "PetalLength", "PetalWidth", "Species" }, first[0].Properties.Select(p => p.Name));
        Assert.Equal(5.1, first[0].Properties["SepalLength"].Value); // as written, not the float 5.0999999
        Assert.Equal("setosa", first[0].Properties["Species"].Value);

        var decoded = _ps.Run("@(@{ Color = 'red'; Ok = $true; L = 1.5 }, @{ Color = 'blue'; Ok = $false; L = 2 }) | ConvertTo-Dataset -Label L | ConvertFrom-Dataset -Skip 1");
        PSObject row = Assert.Single(decoded);
        Assert.Equal("blue", row.Properties["Color"].Value);
        Assert.Equal(false, row.Properties["Ok"].Value);
        Assert.Equal(2, row.Properties["L"].Value);
    }

    [Fact]
    public void TestDataEncodedWithTheTrainingEncodingMeansTheSame()
    {
        var data = _ps.Run(@"
            $train = @(@{ C = 'a'; N = 1; L = 'x' }, @{ C = 'b'; N = 2; L = 'y' }, @{ C = 'c'; N = 3; L = 'z' }) | ConvertTo-Dataset -Label L
            @(@{ C = 'c'; N = 5; L = 'z' }) | ConvertTo-Dataset -Label L -Encoding $train.Encoding");
        var test = (Dataset)data[0].BaseObject;
        Assert.Equal(new[] { "C=a", "C=b", "C=c", "N" }, test.FeatureNames);
        Assert.Equal(new float[] { 0, 0, 1, 5 }, test.Features);
        Assert.Equal(new[] { "x", "y", "z" }, test.ClassNames);
        Assert.Equal(new float[] { 2 }, test.Targets);

        ErrorRecord unseen = _ps.Fail(@"
            $train = @(@{ C = 'a'; L = 'x' }, @{ C = 'b'; L = 'y' }) | ConvertTo-Dataset -Label L
            @(@{ C = 'q'; L = 'x' }) | ConvertTo-Dataset -Label L -Encoding $train.Encoding");
        Assert.Equal("UnknownCategory", Id(unseen));
        Assert.Contains("'q'", unseen.Exception.Message);
    }
}

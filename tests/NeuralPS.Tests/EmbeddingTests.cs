using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>
/// Embeddings of categorical columns as a user makes them: ConvertTo-Dataset -CategoryIndex, New-Network -Data,
/// Add-EmbeddingLayer; an unseen category at test and prediction time; the model file.
/// </summary>
public class EmbeddingTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("neuralps-embedding-").FullName;

    // 12 hosts, a load; Slow depends on the host (the first four are slow) and on the load
    private const string Records = """
        $records = foreach ($i in 0..143) {
            [pscustomobject]@{ Host = 'h{0:d2}' -f ($i % 12); Load = ($i % 9) / 3; Slow = if (($i % 12) -lt 4 -or ($i % 9) -gt 7) { 'yes' } else { 'no' } }
        }
        $train = $records | ConvertTo-Dataset -Label Slow -CategoryIndex Host
        $net = New-Network -Data $train -Seed 3 | Add-EmbeddingLayer -Feature Host -Dimensions 3 | Add-DenseLayer 8 -Activation Tanh |
            Add-DenseLayer 2 -Activation Softmax | Set-Optimizer Adam -LearningRate 0.03
        """;

    public EmbeddingTests() => _ps.Run($"Set-Location '{_folder}'");

    public void Dispose()
    {
        _ps.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static string Id(ErrorRecord error) => error.FullyQualifiedErrorId.Split(',')[0];

    [Fact]
    public void ACategoryIndexColumnIsOneFeatureOneToNInSortedOrder()
    {
        var data = (Dataset)_ps.Run("""
            @([pscustomobject]@{ Host = 'web'; Load = 1; Up = 1 }, [pscustomobject]@{ Host = 'db'; Load = 2; Up = 0 },
              [pscustomobject]@{ Host = 'web'; Load = 3; Up = 1 }, [pscustomobject]@{ Host = 'cache'; Load = 4; Up = 0 }) |
                ConvertTo-Dataset -Label Up -CategoryIndex Host
            """)[0].BaseObject;
        Assert.Equal(new[] { "Host", "Load" }, data.FeatureNames);
        FeatureColumn host = data.Encoding!.Columns[0];
        Assert.Equal(ColumnKind.CategoryIndex, host.Kind);
        Assert.Equal(new[] { "cache", "db", "web" }, host.Categories);
        Assert.Equal(new float[] { 3, 1, 2, 3, 1, 4 }, new[] { data.Features[0], data.Features[1], data.Features[2], data.Features[4], data.Features[6], data.Features[7] });
    }

    [Fact]
    public void ImportDatasetReadsACategoryIndexColumnFromCsv()
    {
        File.WriteAllLines(Path.Combine(_folder, "logins.csv"), new[] { "User,Hour,Failed", "bob,3,1", "amy,9,0", "bob,22,1", "cy,10,0" });
        var data = (Dataset)_ps.Run("Import-Dataset logins.csv -Label Failed -CategoryIndex User")[0].BaseObject;
        Assert.Equal(2, data.FeatureCount);
        Assert.Equal(new float[] { 2, 1, 2, 3 }, Enumerable.Range(0, 4).Select(r => data.Features[r * 2]));
    }

    [Fact]
    public void TheEmbeddingReplacesTheIndexColumnWithItsVectorAndTrains()
    {
        var results = _ps.Run(Records + "\n$net | Invoke-Training -Data $train -Epochs 60 -Normalize; $net");
        var net = (Network)results[^1].BaseObject;
        var embedding = Assert.IsType<EmbeddingLayer>(net.Layers[1]); // the normalization layer -Normalize put first
        Assert.Equal((12, 3, 0), (embedding.Categories, embedding.Dimensions, embedding.Column));
        Assert.Equal(13 * 3, embedding.ParameterCount);
        Assert.Equal(new Shape(4), embedding.OutputShape);
        var normalization = Assert.IsType<NormalizationLayer>(net.Layers[0]);
        Assert.Equal((0f, 1f), (normalization.Mean[0], normalization.StandardDeviation[0])); // the index column is left as it is
        Assert.NotEqual(1f, normalization.StandardDeviation[1]);
        var last = (EpochResult)results[^2].BaseObject;
        Assert.True(last.Accuracy > 0.97, $"accuracy {last.Accuracy}");
    }

    [Fact]
    public void AnUnseenCategoryMapsToTheReservedRowAndIsReportedOnce()
    {
        _ps.Run(Records + "\n$null = $net | Invoke-Training -Data $train -Epochs 5");
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = _ps.Runspace;
        ps.AddScript("""
            [pscustomobject]@{ Host = 'new1'; Load = 1 }, [pscustomobject]@{ Host = 'h02'; Load = 1 },
            [pscustomobject]@{ Host = 'new2'; Load = 1 }, [pscustomobject]@{ Host = 'new1'; Load = 1 } | Invoke-Prediction -Network $net -IncludeProbabilities
            """);
        var predictions = ps.Invoke();
        Assert.Empty(ps.Streams.Error);
        Assert.Equal(4, predictions.Count);
        string warning = Assert.Single(ps.Streams.Warning).Message;
        Assert.Contains("'Host'", warning);
        Assert.Contains("'new1'", warning);
        // the unseen hosts are the reserved row 0: the network's prediction for index 0
        var net = (Network)_ps.Run("$net")[0].BaseObject;
        float[] reserved = net.Predict(new float[] { 0, 1 }, 1);
        foreach (int i in new[] { 0, 2, 3 })
            Assert.Equal(reserved[0], (double)predictions[i].Properties["P(no)"].Value, 5);
        Assert.NotEqual(reserved[0], (double)predictions[1].Properties["P(no)"].Value, 5);
    }

    [Fact]
    public void TestDataWithTheEncodingTakesUnseenCategoriesWithOneWarning()
    {
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = _ps.Runspace;
        ps.AddScript(Records + """

            $test = foreach ($h in 'h01', 'zz', 'yy', 'zz') { [pscustomobject]@{ Host = $h; Load = 1; Slow = 'no' } }
            $test | ConvertTo-Dataset -Label Slow -Encoding $train.Encoding
            """);
        var data = (Dataset)ps.Invoke().Single().BaseObject;
        Assert.Empty(ps.Streams.Error);
        Assert.Equal(new float[] { 2, 0, 0, 0 }, Enumerable.Range(0, 4).Select(r => data.Features[r * 2]));
        string warning = Assert.Single(ps.Streams.Warning).Message;
        Assert.Contains("Record 2, column 'Host': 'zz'", warning);
    }

    [Fact]
    public void TheModelFileKeepsTheCategoriesAndTheTable()
    {
        var before = _ps.Run(Records + """

            $null = $net | Invoke-Training -Data $train -Epochs 5 -Normalize
            $net | Export-Network -Path hosts.npsm
            $probe = 'h00', 'h07', 'unseen' | ForEach-Object { [pscustomobject]@{ Host = $_; Load = 2 } }
            $probe | Invoke-Prediction -Network $net -IncludeProbabilities -WarningAction SilentlyContinue | ForEach-Object 'P(yes)'
            """).Select(o => (double)o.BaseObject).ToArray();
        var after = _ps.Run("""
            $loaded = Import-Network hosts.npsm
            $probe | Invoke-Prediction -Network $loaded -IncludeProbabilities -WarningAction SilentlyContinue | ForEach-Object 'P(yes)'
            """).Select(o => (double)o.BaseObject).ToArray();
        Assert.Equal(before, after);
        var loaded = (Network)_ps.Run("$loaded")[0].BaseObject;
        var embedding = Assert.IsType<EmbeddingLayer>(loaded.Layers[1]);
        Assert.Equal(("Host", 12, 3), (embedding.Feature, embedding.Categories, embedding.Dimensions));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"h{i:d2}"), loaded.FeatureEncoding!.Columns[0].Categories);
    }

    [Fact]
    public void MisplacedOrMisnamedEmbeddingsAreNamedErrors()
    {
        _ps.Run("$rows = foreach ($i in 1..6) { [pscustomobject]@{ Host = \"h$($i % 3)\"; Zone = \"z$($i % 2)\"; Up = $i % 2 } }");
        Assert.Equal(ErrorIds.InvalidEmbedding, Id(_ps.Fail(
            "$d = $rows | ConvertTo-Dataset -Label Up; New-Network -Data $d | Add-EmbeddingLayer Host 2")));           // one-hot, not an index
        Assert.Equal(ErrorIds.InvalidEmbedding, Id(_ps.Fail(
            "$d = $rows | ConvertTo-Dataset -Label Up -CategoryIndex Host; New-Network -Data $d | Add-EmbeddingLayer Rack 2")));
        Assert.Equal(ErrorIds.InvalidEmbedding, Id(_ps.Fail(
            "$d = $rows | ConvertTo-Dataset -Label Up -CategoryIndex Host, Zone; New-Network -Data $d | Add-DenseLayer 3 | Add-EmbeddingLayer Host 2")));
        Assert.Equal(ErrorIds.NoFeatureNames, Id(_ps.Fail("New-Network 3 | Add-EmbeddingLayer Host 2")));
        Assert.Equal(ErrorIds.AttributionUnsupported, Id(_ps.Fail(
            "$d = $rows | ConvertTo-Dataset -Label Up -CategoryIndex Host; $n = New-Network -Data $d | Add-EmbeddingLayer Host 2 | Add-DenseLayer 1; " +
            "$rows[0] | Get-Attribution -Network $n")));
        Assert.Equal(ErrorIds.IndexColumnNotFound, Id(_ps.Fail("$rows | ConvertTo-Dataset -Label Up -CategoryIndex Rack")));
        // two embeddings chain: the second finds its column moved by the first's vector
        var net = (Network)_ps.Run("$d = $rows | ConvertTo-Dataset -Label Up -CategoryIndex Host, Zone; " +
            "New-Network -Data $d | Add-EmbeddingLayer Host 4 | Add-EmbeddingLayer Zone 2")[0].BaseObject;
        Assert.Equal(4, ((EmbeddingLayer)net.Layers[1]).Column);
        Assert.Equal(new Shape(6), net.OutputShape);
    }
}

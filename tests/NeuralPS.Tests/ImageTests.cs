using System.Collections.ObjectModel;
using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using Xunit;
using Xunit.Abstractions;

namespace NeuralPS.Tests;

/// <summary>
/// Pictures in and out, as a user runs them: Import-Dataset -Path on a folder with one sub-folder of PNG files per class
/// (written by tests/TestPictures.ps1 from Fashion-MNIST's IDX images, or from a synthetic pattern when Debian's
/// dataset-fashion-mnist is not installed), its errors, and Invoke-Prediction on picture files.
/// </summary>
public class ImageTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("neuralps-images-").FullName;
    private readonly ITestOutputHelper _output;

    public ImageTests(ITestOutputHelper output)
    {
        _output = output;
        _ps.Run($". '{Path.Combine(PowerShellSession.RepoRoot, "tests", "TestPictures.ps1")}'; Set-Location '{_folder}'");
    }

    public void Dispose()
    {
        _ps.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private sealed record Picture(string Path, string Class, byte[] Pixels);

    /// <summary>Writes pictures/&lt;class&gt;/NNN.png and returns them in the order Import-Dataset reads them.</summary>
    private List<Picture> WritePictures(int perClass, string folder = "pictures")
    {
        Collection<PSObject> written = _ps.Run($"Export-TestPicture -Path {folder} -PerClass {perClass}");
        _output.WriteLine($"{written.Count} pictures from {Value<object>(written[0], "Source")}");
        var pictures = written.Select(p => new Picture(Value<string>(p, "Path"), Value<string>(p, "Class"),
            Value<byte[]>(p, "Pixels"))).ToList();
        string[] classes = ClassesOf(pictures);
        return pictures.OrderBy(p => Array.IndexOf(classes, p.Class)).ThenBy(p => p.Path, StringComparer.Ordinal).ToList();
    }

    /// <summary>The class names in the order NeuralPS gives them: sorted, ordinally (none of them is a number).</summary>
    private static string[] ClassesOf(IEnumerable<Picture> pictures) =>
        pictures.Select(p => p.Class).Distinct().OrderBy(c => c, StringComparer.Ordinal).ToArray();

    private Dataset Data(string script) => Assert.IsType<Dataset>(Assert.Single(_ps.Run(script)).BaseObject);

    /// <summary>A property's value, unwrapped from PowerShell's PSObject.</summary>
    private static T Value<T>(PSObject o, string name) => (T)(o.Properties[name].Value is PSObject p ? p.BaseObject : o.Properties[name].Value);

    private static string Id(ErrorRecord error) => error.FullyQualifiedErrorId.Split(',')[0];

    private static float[] Row(Dataset data, int row) => data.Features.AsSpan(row * data.FeatureCount, data.FeatureCount).ToArray();

    [Fact]
    public void AFolderOfPngFilesImportsWithItsShapeClassNamesAndExactPixels()
    {
        List<Picture> pictures = WritePictures(perClass: 5);
        Dataset data = Data("Import-Dataset -Path pictures -ImageSize 28,28 -ColorMode Grayscale");
        Assert.Equal(ClassesOf(pictures), data.ClassNames);
        Assert.Contains(data.ClassCount, new[] { 4, 10 }); // synthetic, or Fashion-MNIST
        Assert.Equal(new[] { 1, 28, 28 }, data.Shape);
        Assert.Equal("pictures", data.Name);
        Assert.Equal(pictures.Count, data.Rows);
        for (int r = 0; r < data.Rows; r++)
        {
            Assert.Equal(pictures[r].Class, data.ClassNames![data.LabelOf(r)]);
            Assert.Equal(pictures[r].Pixels.Select(b => b / 255f), Row(data, r)); // the IDX reader's values, bit for bit
        }
        string view = string.Join("\n", _ps.Run("Import-Dataset -Path pictures -ColorMode Grayscale | Out-String"));
        Assert.Contains("Shape    : 1 × 28 × 28", view);

        // The same pictures as RGB: three equal planes of a gray picture, named by channel.
        Dataset rgb = Data("Import-Dataset pictures");
        Assert.Equal(new[] { 3, 28, 28 }, rgb.Shape);
        Assert.Equal(new[] { "red0", "green0", "blue0" }, new[] { rgb.FeatureNames[0], rgb.FeatureNames[784], rgb.FeatureNames[1568] });
        for (int r = 0; r < rgb.Rows; r += 7)
            for (int c = 0; c < 3; c++) Assert.Equal(Row(data, r), Row(rgb, r)[(c * 784)..((c + 1) * 784)]);
    }

    [Fact]
    public void ColorsBecomePlanesOrBt601GrayAndPicturesAreResizedBilinearly()
    {
        // red, green, blue and (10, 20, 30); a black-and-white ramp; a gray JPEG; a hand-written 24-bit BMP.
        _ps.Run("""
            Export-TestColorPicture -Path colors/a/1.png -Width 2 -Height 2 -Rgb 0xFF0000, 0x00FF00, 0x0000FF, 0x0A141E
            Export-TestColorPicture -Path colors/b/ramp.png -Width 2 -Height 2 -Rgb 0x000000, 0xFFFFFF, 0x000000, 0xFFFFFF
            Export-TestColorPicture -Path colors/c/gray.jpg -Width 8 -Height 8 -Rgb (@(0x808080) * 64) -Format Jpeg
            """);
        Directory.CreateDirectory(Path.Combine(_folder, "colors", "d"));
        File.WriteAllBytes(Path.Combine(_folder, "colors", "d", "1.bmp"), Bmp24(2, 2, new[] { 0xFF0000, 0x00FF00, 0x0000FF, 0x0A141E }));

        Dataset rgb = Data("Import-Dataset colors -ImageSize 2,2 -ColorMode Rgb");
        Assert.Equal(new[] { "a", "b", "c", "d" }, rgb.ClassNames);
        Assert.Equal(new[] { 3, 2, 2 }, rgb.Shape);
        float[] colors = new[] { 255, 0, 0, 10, 0, 255, 0, 20, 0, 0, 255, 30 }.Select(v => v / 255f).ToArray();
        Assert.Equal(colors, Row(rgb, 0));
        Assert.Equal(colors, Row(rgb, 3)); // the BMP reads as the PNG does
        Assert.All(Row(rgb, 2), v => Assert.InRange(v * 255, 126, 130)); // JPEG is lossy

        Dataset gray = Data("Import-Dataset colors -ImageSize 2 -ColorMode Grayscale");
        // round(0.299 R + 0.587 G + 0.114 B), as libjpeg and TensorFlow's decoders make gray
        Assert.Equal(new[] { 76, 150, 29, 18 }.Select(v => v / 255f), Row(gray, 0));
        Assert.Equal(new[] { 0, 255, 0, 255 }.Select(v => v / 255f), Row(gray, 1));

        // 2 → 4 columns, bilinear with the pixel centres aligned: 0, ¼, ¾, 1 of the way from black to white.
        Dataset wide = Data("Import-Dataset colors -ImageSize 2,4 -ColorMode Grayscale");
        Assert.Equal(new[] { 1, 2, 4 }, wide.Shape);
        float[] ramp = Row(wide, 1);
        Assert.Equal(ramp[..4], ramp[4..]);
        Assert.Equal(new[] { 0, 64, 191, 255 }, ramp[..4].Select(v => (int)MathF.Round(v * 255)));
        // 2×2 → 1×1 is the mean of the four.
        Assert.Equal(68, (int)MathF.Round(Row(Data("Import-Dataset colors -ImageSize 1,1 -ColorMode Grayscale"), 0)[0] * 255));
    }

    [Fact]
    public void AFileThatIsNotAPictureIsANamedErrorWithItsPathAndTheRestLoad()
    {
        List<Picture> pictures = WritePictures(perClass: 3);
        string[] classes = ClassesOf(pictures);
        string Bad(int c, string name) => Path.Combine(_folder, "pictures", classes[c], name);
        var bad = new[] { Bad(0, "broken.png"), Bad(1, "cut.png"), Bad(2, "notes.txt"), Bad(3, "empty.jpg") };
        File.WriteAllText(bad[0], "not a picture");
        File.WriteAllBytes(bad[1], File.ReadAllBytes(pictures[0].Path)[..60]); // a PNG cut short
        File.WriteAllText(bad[2], "a note left in the folder");
        File.WriteAllBytes(bad[3], Array.Empty<byte>());
        File.WriteAllText(Bad(0, ".DS_Store"), "hidden files are skipped, as Get-ChildItem skips them");
        File.WriteAllText(Path.Combine(_folder, "pictures", "README.txt"), "outside every class folder");
        Directory.CreateSymbolicLink(Bad(1, "loop"), Path.Combine(_folder, "pictures")); // not followed: no loop, no copies

        Collection<PSObject> output = _ps.Run("""
            $data = Import-Dataset -Path pictures -ImageSize 28,28 -ColorMode Grayscale -ErrorVariable bad -ErrorAction SilentlyContinue -WarningVariable warned -WarningAction SilentlyContinue
            $data; $warned.Count; "$warned"; $bad
            """);
        var data = Assert.IsType<Dataset>(output[0].BaseObject);
        Assert.Equal(pictures.Count, data.Rows);
        Assert.Equal(pictures.Select(p => p.Pixels.Select(b => b / 255f)).SelectMany(x => x), data.Features);
        List<ErrorRecord> errors = output.Skip(3).Select(o => Assert.IsType<ErrorRecord>(o.BaseObject)).ToList();
        Assert.Equal(bad.OrderBy(p => p, StringComparer.Ordinal), errors.Select(e => (string)e.TargetObject).OrderBy(p => p, StringComparer.Ordinal));
        Assert.All(errors, e =>
        {
            Assert.Equal(ErrorIds.InvalidImage, Id(e));
            Assert.Equal(ErrorCategory.InvalidData, e.CategoryInfo.Category);
            Assert.Contains((string)e.TargetObject, e.Exception.Message);
        });
        Assert.Contains("cut short", errors.Single(e => ((string)e.TargetObject).EndsWith("cut.png", StringComparison.Ordinal)).Exception.Message);
        Assert.Equal(1, (int)output[1].BaseObject);
        Assert.Contains("in no class sub-folder", (string)output[2].BaseObject);
    }

    [Fact]
    public void AFolderWithoutClassFoldersSaysWhatLayoutIsExpected()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "empty"));
        ErrorRecord empty = _ps.Fail("Import-Dataset -Path empty -ImageSize 28,28");
        Assert.Equal(ErrorIds.InvalidImageFolder, Id(empty));
        Assert.Contains("is empty", empty.Exception.Message);
        Assert.Contains("one sub-folder per class", empty.Exception.Message);

        _ps.Run("Export-TestColorPicture -Path flat/1.png -Width 2 -Height 2 -Rgb 1, 2, 3, 4");
        ErrorRecord flat = _ps.Fail("Import-Dataset flat");
        Assert.Equal(ErrorIds.InvalidImageFolder, Id(flat));
        Assert.Contains("holds files but no class sub-folders", flat.Exception.Message);
        Assert.Contains(Path.Combine(_folder, "flat", "cat", "1.png"), flat.Exception.Message);

        Directory.CreateDirectory(Path.Combine(_folder, "hollow", "cat"));
        Directory.CreateDirectory(Path.Combine(_folder, "hollow", "dog"));
        ErrorRecord hollow = _ps.Fail("Import-Dataset hollow");
        Assert.Equal(ErrorIds.InvalidImageFolder, Id(hollow));
        Assert.Contains("no files in them", hollow.Exception.Message);

        File.WriteAllText(Path.Combine(_folder, "hollow", "cat", "1.png"), "not a picture");
        // the unreadable file is reported, and then the folder: no picture left is a non-terminating error too
        Assert.Equal(ErrorIds.EmptyDataset, Id(_ps.Fail("Import-Dataset hollow -ErrorAction SilentlyContinue -ErrorVariable bad; throw $bad[-1]")));

        ErrorRecord missing = _ps.Fail("Import-Dataset nowhere");
        Assert.Equal(ErrorIds.FileNotFound, Id(missing));
        _ps.Run("Get-SampleDataset Iris | ConvertFrom-Dataset | Export-Csv iris.csv");
        ErrorRecord file = _ps.Fail("Import-Dataset iris.csv");
        Assert.Equal(ErrorIds.MissingLabel, Id(file));
        Assert.Contains("-Label", file.Exception.Message);
    }

    [Fact]
    public void ANetworkTrainedOnAFolderOfPicturesPredictsPictureFilesInClassNames()
    {
        List<Picture> pictures = WritePictures(perClass: 20);
        Collection<PSObject> output = _ps.Run("""
            $data = Import-Dataset -Path pictures -ImageSize 28,28 -ColorMode Grayscale
            $train, $test = $data | Split-Dataset -TestFraction 0.25 -Stratify -Seed 1
            $net = New-Network $data.FeatureCount -Seed 1 | Add-DenseLayer 64 -Activation Relu |
                Add-DenseLayer $data.ClassCount -Activation Softmax | Set-Optimizer Adam 0.003
            $null = $net | Invoke-Training -Data $train -Epochs 40 -BatchSize 16
            $data; $net; (Test-Network -Network $net -Data $test).Accuracy; $train.Shape.Count; $test.Shape.Count
            """);
        var data = (Dataset)output[0].BaseObject;
        var net = (Network)output[1].BaseObject;
        double testAccuracy = (double)output[2].BaseObject;
        _output.WriteLine($"test accuracy {testAccuracy:P1} on {data.Rows / 4} pictures, {data.ClassCount} classes");
        Assert.True(testAccuracy > 0.5, $"test accuracy {testAccuracy:P1}");
        Assert.Equal(3, (int)output[3].BaseObject);
        Assert.Equal(3, (int)output[4].BaseObject);
        Assert.Equal(new ImageFormat(ColorMode.Grayscale, 28, 28), net.ImageFormat);

        Collection<PSObject> predicted = _ps.Run("Get-ChildItem pictures -Recurse -Filter *.png | Invoke-Prediction -Network $net");
        Assert.Equal(pictures.Count, predicted.Count);
        float[] outputs = net.Predict(data.Features, data.Rows);
        int right = 0;
        foreach (PSObject p in predicted)
        {
            string path = Value<string>(p, "Path");
            int row = pictures.FindIndex(x => x.Path == path);
            Assert.True(row >= 0, path);
            Assert.Equal(Path.GetFileName(path), Value<object>(p, "Name"));
            ReadOnlySpan<float> probabilities = outputs.AsSpan(row * data.ClassCount, data.ClassCount);
            int best = probabilities.IndexOf(MaxOf(probabilities));
            Assert.Equal(data.ClassNames![best], Value<object>(p, "Prediction")); // a class name, the one the dataset's row gives
            Assert.Equal((double)probabilities[best], Value<double>(p, "Confidence"));
            if (data.ClassNames[best] == pictures[row].Class) right++;
        }
        Assert.True(right >= 0.75 * pictures.Count, $"{right} of {pictures.Count} pictures right");

        // Paths work as FileInfo does, and the model file keeps what pictures the network reads.
        string relative = Path.GetRelativePath(_folder, pictures[0].Path).Replace('\\', '/');
        Collection<PSObject> again = _ps.Run($"""
            $net | Export-Network picture-model.npsm
            $loaded = Import-Network picture-model.npsm
            '{relative}' | Invoke-Prediction -Network $loaded -IncludeProbabilities
            """);
        PSObject first = Assert.Single(again);
        Assert.Equal(pictures[0].Path, Value<object>(first, "Path"));
        Assert.Equal(Value<object>(predicted.Single(p => Value<string>(p, "Path") == pictures[0].Path), "Confidence"),
            Value<object>(first, "Confidence"));
        Assert.NotNull(first.Properties[$"P({data.ClassNames![0]})"]);
    }

    [Fact]
    public void ANetworkTrainedOnIdxImagesReadsPngFilesOfTheSameImagesIdentically()
    {
        List<Picture> pictures = WritePictures(perClass: 2);
        string[] classes = ClassesOf(pictures);
        byte[] header = { 0, 0, 8, 3, 0, 0, 0, (byte)pictures.Count, 0, 0, 0, 28, 0, 0, 0, 28 };
        File.WriteAllBytes(Path.Combine(_folder, "images.idx"), header.Concat(pictures.SelectMany(p => p.Pixels)).ToArray());
        File.WriteAllBytes(Path.Combine(_folder, "labels.idx"),
            new byte[] { 0, 0, 8, 1, 0, 0, 0, (byte)pictures.Count }.Concat(pictures.Select(p => (byte)Array.IndexOf(classes, p.Class))).ToArray());
        Collection<PSObject> output = _ps.Run($"""
            $idx = Import-Dataset images.idx -LabelPath labels.idx -ClassName {string.Join(", ", classes.Select(c => $"'{c}'"))}
            $net = New-Network 784 -Seed 2 | Add-DenseLayer 16 -Activation Relu | Add-DenseLayer {classes.Length} -Activation Softmax
            $null = $net | Invoke-Training -Data $idx -Epochs 2
            Invoke-Prediction -Network $net -Data $idx
            """);
        Collection<PSObject> files = _ps.Run("Get-ChildItem pictures -Recurse -File | Invoke-Prediction -Network $net");
        Assert.Equal(pictures.Count, output.Count);
        var byPath = files.ToDictionary(f => Value<string>(f, "Path"));
        for (int r = 0; r < pictures.Count; r++)
        {
            PSObject file = byPath[pictures[r].Path];
            Assert.Equal(Value<object>(output[r], "Prediction"), Value<object>(file, "Prediction"));
            Assert.Equal(Value<object>(output[r], "Confidence"), Value<object>(file, "Confidence"));
        }
    }

    [Fact]
    public void ANetworkThatWasNotTrainedOnPicturesSaysSoOnce()
    {
        WritePictures(perClass: 1);
        Collection<PSObject> none = _ps.Run("""
            $iris = New-Network 4 -Seed 1 | Add-DenseLayer 3 -Activation Softmax
            $null = $iris | Invoke-Training -Data (Get-SampleDataset Iris) -Epochs 1
            Get-ChildItem pictures -Recurse -File | Invoke-Prediction -Network $iris
            """, out Collection<ErrorRecord> stopped);
        Assert.Empty(none);
        ErrorRecord error = Assert.Single(stopped); // terminating: not one error for each of the pictures
        Assert.Equal(ErrorIds.NoImageFormat, Id(error));
        Assert.Contains("not trained on pictures", error.Exception.Message);

        _ps.Run("Export-TestColorPicture -Path odd/x/1.png -Width 2 -Height 2 -Rgb 1, 2, 3, 4");
        Collection<PSObject> output = _ps.Run("""
            $data = Import-Dataset -Path pictures -ImageSize 28,28 -ColorMode Grayscale
            $net = New-Network 784 -Seed 1 | Add-DenseLayer $data.ClassCount -Activation Softmax
            $null = $net | Invoke-Training -Data $data -Epochs 1
            Get-ChildItem pictures -Recurse -File | Select-Object -First 1 | Invoke-Prediction -Network $net
            Set-Content pictures/readme.png 'text'
            Get-Item pictures/readme.png, odd/x/1.png, odd | Invoke-Prediction -Network $net
            """, out Collection<ErrorRecord> errors);
        Assert.Equal(2, output.Count); // the odd-sized picture is resized to 28×28
        Assert.Equal(new[] { ErrorIds.InvalidImage, ErrorIds.NotAFile }, errors.Select(Id));
        Assert.Contains("is a folder", errors[1].Exception.Message);
    }

    private static float MaxOf(ReadOnlySpan<float> values)
    {
        float max = float.NegativeInfinity;
        foreach (float v in values) max = Math.Max(max, v);
        return max;
    }

    /// <summary>A 24-bit BMP, written by hand (rows bottom-up, BGR, each row padded to 4 bytes).</summary>
    private static byte[] Bmp24(int width, int height, int[] rgb)
    {
        int stride = (3 * width + 3) / 4 * 4, size = 54 + stride * height;
        var bytes = new byte[size];
        bytes[0] = (byte)'B'; bytes[1] = (byte)'M';
        BitConverter.GetBytes(size).CopyTo(bytes, 2);
        BitConverter.GetBytes(54).CopyTo(bytes, 10);
        BitConverter.GetBytes(40).CopyTo(bytes, 14);
        BitConverter.GetBytes(width).CopyTo(bytes, 18);
        BitConverter.GetBytes(height).CopyTo(bytes, 22);
        BitConverter.GetBytes((short)1).CopyTo(bytes, 26);
        BitConverter.GetBytes((short)24).CopyTo(bytes, 28);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int at = 54 + (height - 1 - y) * stride + 3 * x, color = rgb[y * width + x];
                bytes[at] = (byte)color; bytes[at + 1] = (byte)(color >> 8); bytes[at + 2] = (byte)(color >> 16);
            }
        return bytes;
    }
}

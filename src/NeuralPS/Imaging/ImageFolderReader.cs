using NeuralPS.Core;
using NeuralPS.Core.Data;

namespace NeuralPS.Imaging;

/// <summary>What to read from a folder of pictures and whom to tell about the files left out.</summary>
internal sealed class ImageFolderOptions
{
    /// <summary>Height and width every picture is resized to; null: the size of the first picture.</summary>
    public (int Height, int Width)? Size { get; init; }

    public ColorMode ColorMode { get; init; } = ColorMode.Rgb;

    /// <summary>The dataset's name; null: the folder's name.</summary>
    public string? Name { get; init; }

    /// <summary>Told about each file that is not a readable picture; the others still load.</summary>
    public Action<NeuralPSException> BadFile { get; init; } = _ => { };

    /// <summary>Told about what was left out: files outside the class folders, classes without files.</summary>
    public Action<string> Warning { get; init; } = _ => { };

    /// <summary>Told what is being read, and at what size.</summary>
    public Action<string> Verbose { get; init; } = _ => { };

    /// <summary>Threads that decode pictures at once (the rows are the same for any number).</summary>
    public int ThreadCount { get; init; } = Environment.ProcessorCount;

    /// <summary>Told (files read, files in all) as the pictures are read.</summary>
    public Action<int, int> Progress { get; init; } = (_, _) => { };
}

/// <summary>
/// A dataset from a folder with one sub-folder per class, as Keras's image_dataset_from_directory reads one:
/// <c>pictures/cat/1.png, pictures/dog/2.jpg</c>. The class names are the sub-folders' names, sorted as NeuralPS sorts
/// class names (<see cref="FeatureValues.Sort"/>); each class's pictures are taken from its sub-folder and the folders
/// below it, in path order (hidden files are skipped, as Get-ChildItem skips them). Rows are C·H·W, and the dataset
/// keeps its shape C, H, W. Pictures decode on several threads, each into its own row, so the rows do not depend on
/// the thread count.
/// </summary>
internal static class ImageFolderReader
{
    public static Dataset Read(string folder, ImageFolderOptions options)
    {
        if (!Directory.Exists(folder))
            throw new NeuralPSException(ErrorIds.FileNotFound, ErrorKind.NotFound, $"Cannot find the folder of pictures '{folder}'.", folder);
        var root = new DirectoryInfo(folder);
        DirectoryInfo[] classFolders = Visible(root.EnumerateDirectories()).ToArray();
        if (classFolders.Length == 0)
            throw Layout(folder, Visible(root.EnumerateFiles()).Any()
                ? "holds files but no class sub-folders"
                : "is empty");
        int outside = Visible(root.EnumerateFiles()).Count();
        if (outside > 0)
            options.Warning($"{outside} file(s) directly in '{folder}' are in no class sub-folder and were left out.");

        string[] classNames = FeatureValues.Sort(classFolders.Select(d => d.Name));
        var files = new List<(string Path, int Label)>();
        for (int c = 0; c < classNames.Length; c++)
        {
            DirectoryInfo classFolder = classFolders.First(d => d.Name == classNames[c]);
            string[] paths = Pictures(classFolder).ToArray();
            Array.Sort(paths, StringComparer.Ordinal);
            if (paths.Length == 0) options.Warning($"The class folder '{classFolder.FullName}' holds no files: class '{classNames[c]}' has no rows.");
            files.AddRange(paths.Select(p => (p, c)));
        }
        if (files.Count == 0)
            throw Layout(folder, $"has class sub-folders ({string.Join(", ", classNames.Take(5))}{(classNames.Length > 5 ? ", …" : "")}) but no files in them");

        ImageFormat format = FormatFor(files, options);
        options.Verbose($"Reading {files.Count} file(s) of {classNames.Length} classes as {format} pictures ({format.Channels}×{format.Height}×{format.Width} inputs).");
        int width = format.FeatureCount;
        var features = new float[(long)files.Count * width];
        var failures = new NeuralPSException?[files.Count];
        // Pictures decode independently into their own slots, so the threads change the speed, never the rows. Errors
        // and progress go back to the caller's thread (the pipeline's) a chunk at a time, in file order.
        const int chunk = 256;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.ThreadCount) };
        for (int start = 0; start < files.Count; start += chunk)
        {
            options.Progress(start, files.Count);
            int end = Math.Min(files.Count, start + chunk);
            Parallel.For(start, end, parallel, i =>
            {
                try { ImageDecoder.Decode(files[i].Path, format, features.AsSpan(i * width, width)); }
                catch (NeuralPSException e) when (e.ErrorId is ErrorIds.InvalidImage or ErrorIds.ImageReadFailed) { failures[i] = e; }
            });
            for (int i = start; i < end; i++)
                if (failures[i] is NeuralPSException e) options.BadFile(e);
        }
        options.Progress(files.Count, files.Count);

        // Leave out the files that are not pictures, keeping the others in order.
        var targets = new float[files.Count];
        int rows = 0;
        for (int i = 0; i < files.Count; i++)
        {
            if (failures[i] is not null) continue;
            if (rows != i) Array.Copy(features, (long)i * width, features, (long)rows * width, width);
            targets[rows++] = files[i].Label;
        }
        if (rows == 0)
            throw new NeuralPSException(ErrorIds.EmptyDataset, ErrorKind.InvalidData,
                $"None of the {files.Count} file(s) under '{folder}' is a picture NeuralPS can read (PNG, JPEG, BMP, GIF, WebP).", folder);
        if (rows < files.Count)
        {
            Array.Resize(ref features, rows * width);
            Array.Resize(ref targets, rows);
        }
        string[] featureNames = format.ColorMode == ColorMode.Grayscale
            ? Enumerable.Range(0, width).Select(i => $"pixel{i}").ToArray()
            : new[] { "red", "green", "blue" }.SelectMany(channel => Enumerable.Range(0, width / 3).Select(i => $"{channel}{i}")).ToArray();
        return new Dataset(features, width, targets, 1, DatasetTask.Classification, featureNames, classNames,
            options.Name ?? root.Name, "label")
        {
            Shape = format.Shape,
        };
    }

    /// <summary>The format asked for, or the size of the first picture that can be read.</summary>
    private static ImageFormat FormatFor(List<(string Path, int Label)> files, ImageFolderOptions options)
    {
        if (options.Size is (int height, int width)) return new ImageFormat(options.ColorMode, height, width);
        foreach ((string path, _) in files)
        {
            try
            {
                (int h, int w) = ImageDecoder.Size(path);
                options.Verbose($"No -ImageSize was given: every picture is read at the size of '{path}', {h}×{w}.");
                return new ImageFormat(options.ColorMode, h, w);
            }
            catch (NeuralPSException e) when (e.ErrorId is ErrorIds.InvalidImage or ErrorIds.ImageReadFailed)
            {
                // Decode reports it with the others; look at the next file for the size.
            }
        }
        throw new NeuralPSException(ErrorIds.EmptyDataset, ErrorKind.InvalidData,
            $"None of the {files.Count} file(s) under the class folders is a picture NeuralPS can read (PNG, JPEG, BMP, GIF, WebP).", files[0].Path);
    }

    /// <summary>The files of a class folder and of the folders below it; linked folders are not followed (no loops), as in Keras.</summary>
    private static IEnumerable<string> Pictures(DirectoryInfo classFolder) =>
        Visible(classFolder.EnumerateFiles()).Select(f => f.FullName)
            .Concat(Visible(classFolder.EnumerateDirectories()).Where(d => d.LinkTarget is null).SelectMany(Pictures));

    private static IEnumerable<T> Visible<T>(IEnumerable<T> entries) where T : FileSystemInfo =>
        entries.Where(e => !e.Name.StartsWith('.') && (e.Attributes & FileAttributes.Hidden) == 0);

    private static NeuralPSException Layout(string folder, string what) =>
        new(ErrorIds.InvalidImageFolder, ErrorKind.InvalidData,
            $"The folder '{folder}' {what}. Import-Dataset -Path <folder> reads pictures laid out as one sub-folder per class, " +
            $"named after the class, each holding that class's pictures (PNG, JPEG, BMP): {Path.Combine(folder, "cat", "1.png")}, {Path.Combine(folder, "dog", "2.jpg")}, …",
            folder);
}

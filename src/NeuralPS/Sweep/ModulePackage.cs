using System.Collections.Concurrent;
using System.IO.Compression;
using System.Management.Automation;
using System.Security.Cryptography;
using NeuralPS.Core;

namespace NeuralPS.Sweep;

/// <summary>
/// The module as it is loaded in this process (the manifest, the assemblies, formats, fonts, help), zipped to be sent
/// to a session whose computer lacks it. Only the native libraries of the session's platform go with it.
/// </summary>
internal sealed class ModulePackage
{
    private readonly ConcurrentDictionary<string, Lazy<byte[]>> _zips = new();

    private ModulePackage(string manifest, string binFolder)
    {
        Manifest = manifest;
        BinFolder = binFolder;
    }

    private static readonly Lazy<string> LoadedBuildId = new(() =>
    {
        // Two copies of one build have the same bytes: the same id here and in a session that imported a copy.
        string folder = Path.GetDirectoryName(typeof(ModulePackage).Assembly.Location)!;
        using var sha = SHA256.Create();
        foreach (string dll in new[] { "NeuralPS.dll", "NeuralPS.Core.dll" })
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(folder, dll));
            sha.TransformBlock(bytes, 0, bytes.Length, null, 0);
        }
        sha.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
        return Convert.ToHexString(sha.Hash!)[..16].ToLowerInvariant();
    });

    /// <summary>The manifest of the loaded module.</summary>
    public string Manifest { get; }

    /// <summary>The folder of NeuralPS.dll.</summary>
    public string BinFolder { get; }

    /// <summary>A short hash of the assemblies of the NeuralPS loaded in this process (computed once, never changed).</summary>
    public static string BuildId => LoadedBuildId.Value;

    /// <summary>The module version, from the assembly (the build keeps it equal to the manifest's).</summary>
    public static string Version => typeof(ModulePackage).Assembly.GetName().Version!.ToString(3);

    /// <summary>
    /// The loaded module: its manifest (the module's own path when it was imported by its manifest, else the
    /// NeuralPS.psd1 found above the assembly) and the folder of its assemblies.
    /// </summary>
    public static ModulePackage Find(PSModuleInfo? module)
    {
        string binFolder = Path.GetDirectoryName(typeof(ModulePackage).Assembly.Location)!;
        string? manifest = module?.Path is string p && p.EndsWith(".psd1", StringComparison.OrdinalIgnoreCase) ? p : null;
        for (var dir = new DirectoryInfo(binFolder); manifest is null && dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NeuralPS.psd1"))) manifest = Path.Combine(dir.FullName, "NeuralPS.psd1");
        if (manifest is null)
            throw new NeuralPSException(ErrorIds.ModuleNotFound, ErrorKind.NotFound,
                $"Cannot find NeuralPS.psd1 above {binFolder}, so the sweep's runspaces cannot import the module. Import NeuralPS by its manifest.");
        return new ModulePackage(manifest, binFolder);
    }

    /// <summary>
    /// The zip of the module for a platform ("linux-x64"): the manifest, then everything under the folder that holds
    /// bin/ (module/ in a repository, the module folder itself when published), without other platforms' native
    /// libraries. Paths are relative to the manifest's folder, so the manifest finds its files after unzipping.
    /// </summary>
    public byte[] ZipFor(string os, string rid) => _zips.GetOrAdd(rid, _ => new Lazy<byte[]>(() => Zip(os, rid))).Value;

    private byte[] Zip(string os, string rid)
    {
        string root = Path.GetDirectoryName(Manifest)!;
        string content = Path.GetDirectoryName(BinFolder)!;
        if (!Path.GetFullPath(content).StartsWith(Path.GetFullPath(root), StringComparison.Ordinal))
            throw new NeuralPSException(ErrorIds.ModuleNotFound, ErrorKind.NotFound,
                $"The module's assemblies ({BinFolder}) are not under its manifest's folder ({root}), so the module cannot be copied to a session.");
        string runtimes = Path.Combine(BinFolder, "runtimes") + Path.DirectorySeparatorChar;
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            zip.CreateEntryFromFile(Manifest, Path.GetFileName(Manifest), CompressionLevel.Fastest);
            foreach (string file in Directory.EnumerateFiles(content, "*", SearchOption.AllDirectories))
            {
                if (Path.GetFullPath(file) == Path.GetFullPath(Manifest)) continue; // a published folder holds it too
                if (file.StartsWith(runtimes, StringComparison.Ordinal))
                {
                    string platform = file[runtimes.Length..].Split(Path.DirectorySeparatorChar)[0];
                    if (platform != rid && platform != os) continue;
                }
                string entry = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
                zip.CreateEntryFromFile(file, entry, CompressionLevel.Fastest);
            }
        }
        return stream.ToArray();
    }
}

using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace NeuralPS;

/// <summary>
/// Runs when PowerShell imports the module: makes the native libraries that ScottPlot's SkiaSharp and HarfBuzzSharp
/// need loadable from the module's own runtimes/&lt;rid&gt;/native folders, which PowerShell does not search.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    /// <inheritdoc />
    public void OnImport() => NativeLibraries.Register();
}

/// <summary>Resolves SkiaSharp and HarfBuzzSharp native libraries from the module's runtimes folder.</summary>
internal static class NativeLibraries
{
    private static int _registered;

    /// <summary>The folder holding NeuralPS.dll (module/bin).</summary>
    public static string ModuleBinFolder => Path.GetDirectoryName(typeof(NativeLibraries).Assembly.Location) ?? AppContext.BaseDirectory;

    /// <summary>Hooks the resolver once per process (a module's assembly is loaded once, whatever the runspaces).</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1) return;
        AssemblyLoadContext context = AssemblyLoadContext.GetLoadContext(typeof(NativeLibraries).Assembly) ?? AssemblyLoadContext.Default;
        context.ResolvingUnmanagedDll += Resolve;
        if (context != AssemblyLoadContext.Default) AssemblyLoadContext.Default.ResolvingUnmanagedDll += Resolve;
    }

    private static IntPtr Resolve(Assembly assembly, string name)
    {
        string? path = Find(name);
        return path is not null && NativeLibrary.TryLoad(path, out IntPtr handle) ? handle : IntPtr.Zero;
    }

    /// <summary>The file of native library <paramref name="name"/> ("libSkiaSharp") for this platform, or null.</summary>
    public static string? Find(string name)
    {
        string bare = Path.GetFileNameWithoutExtension(name);
        if (bare.StartsWith("lib", StringComparison.Ordinal)) bare = bare[3..];
        if (bare is not ("SkiaSharp" or "HarfBuzzSharp")) return null;
        foreach (string rid in RuntimeIdentifiers())
        {
            string file = OperatingSystem.IsWindows() ? $"lib{bare}.dll" : OperatingSystem.IsMacOS() ? $"lib{bare}.dylib" : $"lib{bare}.so";
            string candidate = Path.Combine(ModuleBinFolder, "runtimes", rid, "native", file);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>The runtime identifiers to look under, most specific first (macOS libraries are universal: "osx").</summary>
    private static IEnumerable<string> RuntimeIdentifiers()
    {
        string arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            Architecture.Arm => "arm",
            var other => other.ToString().ToLowerInvariant(),
        };
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        yield return $"{os}-{arch}";
        yield return os;
    }
}

using System.Management.Automation;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>
/// THE meta-test: what every exported cmdlet must have (as platyPS checks its own): an approved verb, [OutputType], a
/// HelpMessage on every parameter, help with a synopsis, a description, every parameter described, outputs and at
/// least two examples that run, and a Pester test that calls it by name; a complete manifest that exports every cmdlet
/// explicitly; and error ids that are named constants (ErrorIds). It walks whatever the module exports when it runs,
/// so a new cmdlet without help fails here by name.
/// It is an xunit test, not a Pester one, because it then runs wherever the tests run (`dotnet test` needs only the
/// .NET SDK; the Pester suites need pwsh and Pester), and it can read the C# side (ErrorIds, the sources). The Pester
/// meta-tests it replaced (tests/Help.Tests.ps1, tests/HelpExamples.Tests.ps1, the manifest checks of
/// tests/Shell.Tests.ps1) checked the same things in real pwsh, where PowerShell reads help and manifests with the same
/// code; what they checked that this did not is here now.
/// </summary>
public class MetaTests : IClassFixture<PowerShellSession>
{
    private readonly PowerShellSession _ps;

    public MetaTests(PowerShellSession ps) => _ps = ps;

    /// <summary>The checks, in PowerShell; one line per problem found.</summary>
    internal const string MetaScript = """
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        $verbs = (Get-Verb).Verb
        foreach ($c in Get-Command -Module NeuralPS -CommandType Cmdlet | Sort-Object Name) {
            $n = $c.Name
            if ($c.Verb -notin $verbs) { "${n}: '$($c.Verb)' is not an approved verb" }
            if ($c.OutputType.Count -eq 0) { "${n}: no [OutputType]" }
            $help = Get-Help $n -Full
            if ($help -is [string] -or -not $help.description) { "${n}: no help (no MAML, or no DESCRIPTION)"; continue }
            if (-not $help.Synopsis -or $help.Synopsis.Trim().StartsWith($n)) { "${n}: no SYNOPSIS in help" }
            $examples = @($help.examples.example)
            if ($examples.Count -lt 2) { "${n}: $($examples.Count) example(s) in help, at least 2 needed" }
            foreach ($e in $examples) { if (-not "$($e.code)".Trim()) { "${n}: an example without code" } }
            if (-not $help.returnValues.returnValue) { "${n}: no OUTPUTS in help" }
            foreach ($p in $c.Parameters.Values | Where-Object Name -notin $common) {
                foreach ($set in $p.ParameterSets.GetEnumerator()) {
                    if (-not $set.Value.HelpMessage) { "${n}: -$($p.Name) has no HelpMessage (parameter set $($set.Key))" }
                }
                $described = @($help.parameters.parameter) | Where-Object name -eq $p.Name
                if (-not $described) { "${n}: -$($p.Name) is missing from help" }
                elseif (-not (($described.description | ForEach-Object Text) -join '').Trim()) { "${n}: -$($p.Name) has no description in help" }
            }
        }
        """;

    [Fact]
    public void EveryExportedCmdletHasHelpExamplesOutputTypeAnApprovedVerbAndHelpMessages()
    {
        var problems = _ps.Run(MetaScript).Select(p => p.ToString()).ToList();
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    /// <summary>
    /// Every example in the help runs alone, as pasted into a new session: each in a runspace of its own with only
    /// NeuralPS imported, in an empty folder, with ErrorAction Stop, so one that uses what an earlier example made fails.
    /// Skipped: examples that open PSSessions (tests/Sweep.Tests.ps1 runs sweeps over a real sshd) or start mpirun
    /// (tests/Distributed.Tests.ps1), Fashion-MNIST ones where it is not installed, and ones that pipe a script into
    /// python3 (to export a model with PyTorch) where that python3 has no PyTorch. One that says "# pictures:" first
    /// gets a folder of pictures.
    /// </summary>
    [Fact]
    public void EveryHelpExampleRunsAlone()
    {
        string folder = Path.Combine(Path.GetTempPath(), "neuralps-help-" + Guid.NewGuid().ToString("N"));
        string pictures = Path.Combine(folder, "pictures");
        Directory.CreateDirectory(folder);
        try
        {
            _ps.Run($". '{Path.Combine(PowerShellSession.RepoRoot, "tests", "TestPictures.ps1")}'; $null = Export-TestPicture -Path '{pictures}' -PerClass 4");
            var examples = _ps.Run("""
                foreach ($command in Get-Command -Module NeuralPS -CommandType Cmdlet | Sort-Object Name) {
                    $number = 0
                    foreach ($example in (Get-Help $command.Name).examples.example) {
                        $number++
                        [pscustomobject]@{ Name = $command.Name; Number = $number; Code = "$($example.code)" }
                    }
                }
                """);
            bool fashion = File.Exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
            bool pyTorch = HasPyTorch();
            var failures = new List<string>();
            foreach (PSObject example in examples)
            {
                string name = (string)example.Properties["Name"].Value, code = (string)example.Properties["Code"].Value;
                int number = (int)example.Properties["Number"].Value;
                if (System.Text.RegularExpressions.Regex.IsMatch(code, @"\bNew-PSSession\b|\bmpirun\b")) continue; // other computers, MPI
                if (code.Contains("/usr/share/datasets/", StringComparison.Ordinal) && !fashion) continue;
                if (System.Text.RegularExpressions.Regex.IsMatch(code, @"\|\s*python3\b") && !pyTorch) continue; // exports with PyTorch
                string dir = Path.Combine(folder, $"{name}-{number}");
                Directory.CreateDirectory(dir);
                if (System.Text.RegularExpressions.Regex.IsMatch(code, @"^\s*# pictures:"))
                    foreach (string file in Directory.GetFiles(pictures, "*", SearchOption.AllDirectories))
                    {
                        string target = Path.Combine(dir, "pictures", Path.GetRelativePath(pictures, file));
                        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                        File.Copy(file, target);
                    }
                using var session = new PowerShellSession();
                using var ps = PowerShell.Create();
                ps.Runspace = session.Runspace;
                ps.AddScript($"Set-Location -LiteralPath '{dir}'; $ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'").Invoke();
                ps.Commands.Clear();
                ps.AddScript(code).AddCommand("Out-String");
                try
                {
                    ps.Invoke();
                    if (ps.Streams.Error.Count > 0) failures.Add($"{name}, example {number}: {ps.Streams.Error[0]}");
                }
                catch (RuntimeException e)
                {
                    failures.Add($"{name}, example {number}: {e.Message}");
                }
            }
            Assert.True(examples.Count >= 60, $"only {examples.Count} examples found");
            Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>True when python3 (on the PATH, as an example calls it) has PyTorch.</summary>
    private static bool HasPyTorch()
    {
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("python3", new[] { "-c", "import torch" })
            { RedirectStandardError = true, RedirectStandardOutput = true })!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no python3
        }
    }

    [Fact]
    public void TheModuleExportsCmdlets()
    {
        var names = _ps.Run("(Get-Command -Module NeuralPS).Name").Select(p => p.ToString()).ToList();
        Assert.Contains("Invoke-Training", names);
        Assert.True(names.Count >= 12, string.Join(", ", names));
    }

    [Fact]
    public void EveryCmdletInTheAssemblyIsExportedByTheManifest()
    {
        var missing = _ps.Run("""
            $exported = (Get-Command -Module NeuralPS -CommandType Cmdlet).Name
            $assembly = (Get-Module NeuralPS).ImplementingAssembly
            foreach ($t in $assembly.GetExportedTypes()) {
                $a = $t.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) | Select-Object -First 1
                if ($a -and "$($a.VerbName)-$($a.NounName)" -notin $exported) { "$($a.VerbName)-$($a.NounName)" }
            }
            """).Select(p => p.ToString()).ToList();
        Assert.True(missing.Count == 0, "not in CmdletsToExport: " + string.Join(", ", missing));
    }

    [Fact]
    public void GetHelpShowsExamplesForEveryCmdletAndTheAboutTopic()
    {
        var counts = _ps.Run("Get-Command -Module NeuralPS -CommandType Cmdlet | ForEach-Object { '{0}={1}' -f $_.Name, @((Get-Help $_.Name -Examples).examples.example).Count }");
        Assert.All(counts, c => Assert.DoesNotMatch("=[01]$", c.ToString()));
        string about = _ps.Run("Get-Help about_NeuralPS | Out-String")[0].ToString();
        foreach (string topic in new[] { "workflow", "-Seed", "-ThreadCount", "BatchSize", "EpochResult" })
            Assert.Contains(topic, about, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void HelpSyntaxComesFromTheCmdletAndParameterDetailsAreRight()
    {
        var help = _ps.Run("Get-Help Invoke-Training -Parameter Network")[0];
        Assert.Equal("true", help.Properties["required"].Value?.ToString());
        Assert.Contains("ByValue", help.Properties["pipelineInput"].Value?.ToString());
        string epochs = _ps.Run("Get-Help Invoke-Training -Parameter Epochs | Out-String")[0].ToString();
        Assert.Contains("10", epochs);
        string syntax = _ps.Run("(Get-Help Add-DenseLayer).syntax | Out-String -Width 200")[0].ToString();
        Assert.Contains("Relu", syntax);
        Assert.Contains("[-Units] <Int32>", syntax);
    }

    [Fact]
    public void TheManifestPassesTestModuleManifestAndIsComplete()
    {
        var manifest = _ps.Run($"Test-ModuleManifest -Path '{PowerShellSession.ManifestPath}' -ErrorAction Stop")[0];
        Assert.Equal("NeuralPS", manifest.Properties["Name"].Value);
        Assert.Equal("7.4", manifest.Properties["PowerShellVersion"].Value?.ToString());
        Assert.Contains("Core", ((IEnumerable<string>)manifest.Properties["CompatiblePSEditions"].Value!).ToList());
        Assert.False(string.IsNullOrWhiteSpace(manifest.Properties["Description"].Value?.ToString()));
        Assert.False(string.IsNullOrWhiteSpace(manifest.Properties["Author"].Value?.ToString()));
        Assert.NotNull(manifest.Properties["ProjectUri"].Value);
        Assert.NotNull(manifest.Properties["LicenseUri"].Value);
        Assert.False(string.IsNullOrWhiteSpace(manifest.Properties["ReleaseNotes"].Value?.ToString()));
        Assert.Contains("PSEdition_Core", ((IEnumerable<string>)manifest.Properties["Tags"].Value!).ToList());
        var data = _ps.Run($"Import-PowerShellDataFile '{PowerShellSession.ManifestPath}'")[0].BaseObject as System.Collections.Hashtable;
        Assert.NotNull(data);
        Assert.IsType<object[]>(data!["CmdletsToExport"]); // explicit, no wildcard
        Assert.DoesNotContain("*", (object[])data["CmdletsToExport"]!);
        Assert.Empty((object[])data["FunctionsToExport"]!);
        Assert.Empty((object[])data["AliasesToExport"]!);
        Assert.Equal(((object[])data["CmdletsToExport"]!).Length, (int)_ps.Run("@(Get-Command -Module NeuralPS).Count")[0].BaseObject);
        Assert.NotNull(data["FormatsToProcess"]);
        // The assembly's version is the manifest's.
        string version = _ps.Run("(Get-Module NeuralPS).ImplementingAssembly.GetName().Version.ToString(3)")[0].ToString();
        Assert.Equal(manifest.Properties["Version"].Value?.ToString(), version);
    }

    [Fact]
    public void ThePublishableFolderImportsWithItsHelp()
    {
        string version = _ps.Run($"(Import-PowerShellDataFile '{PowerShellSession.ManifestPath}').ModuleVersion")[0].ToString();
        string folder = Path.Combine(PowerShellSession.RepoRoot, "out", "NeuralPS", version);
        string manifest = Path.Combine(folder, "NeuralPS.psd1");
        Assert.True(File.Exists(manifest), $"{manifest} was not assembled by the build");
        foreach (string file in new[] { "bin/NeuralPS.dll", "bin/NeuralPS.Core.dll", "NeuralPS.Format.ps1xml", "en-US/NeuralPS.dll-Help.xml", "en-US/about_NeuralPS.help.txt" })
            Assert.True(File.Exists(Path.Combine(folder, file)), $"{file} missing from {folder}");
        using var published = new PowerShellSession(manifest);
        Assert.Equal(version, published.Run($"(Test-ModuleManifest '{manifest}' -ErrorAction Stop).Version.ToString()")[0].ToString());
        Assert.Equal(folder.TrimEnd('/'), published.Run("(Get-Module NeuralPS).ModuleBase")[0].ToString().TrimEnd('/'));
        Assert.True((int)published.Run("@((Get-Help New-Network -Examples).examples.example).Count")[0].BaseObject >= 2);
        Assert.Contains("Network 'network'", published.Run("New-Network 2 | Out-String")[0].ToString());
    }

    /// <summary>
    /// Every cmdlet is called by name in a Pester test of its own (tests/*.Tests.ps1): the module as a user's pwsh
    /// script sees it, not only through this runspace.
    /// </summary>
    [Fact]
    public void EveryCmdletIsCalledByNameInAPesterTest()
    {
        string pester = string.Join("\n", Directory.GetFiles(Path.Combine(PowerShellSession.RepoRoot, "tests"), "*.Tests.ps1").Select(File.ReadAllText));
        var untested = _ps.Run("(Get-Command -Module NeuralPS -CommandType Cmdlet).Name").Select(n => n.ToString())
            .Where(name => !System.Text.RegularExpressions.Regex.IsMatch(pester, $@"\b{name}\b")).ToList();
        Assert.True(untested.Count == 0, "no Pester test calls " + string.Join(", ", untested));
    }

    /// <summary>
    /// Error ids are the constants of <see cref="NeuralPS.Core.ErrorIds"/>: each is its own name, documented (a
    /// comment saying when it is raised), raised by some code in src/, and no C# file in src/ or tests/ writes an id as
    /// a string literal (the Pester tests spell the ids out, as a user's script does).
    /// </summary>
    [Fact]
    public void ErrorIdsAreNamedConstantsThatTheCodeRaises()
    {
        var ids = typeof(NeuralPS.Core.ErrorIds).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(f => f.IsLiteral).ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);
        Assert.True(ids.Count > 50, $"only {ids.Count} error ids");
        Assert.All(ids, id => Assert.Equal(id.Key, id.Value));

        string root = PowerShellSession.RepoRoot;
        string errorIdsFile = Path.Combine(root, "src", "NeuralPS.Core", "ErrorIds.cs");
        var undocumented = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(errorIdsFile), @"(?<!</summary>\s*)\n\s*public const string (\w+)")
            .Select(m => m.Groups[1].Value).ToList();
        Assert.True(undocumented.Count == 0, "error ids without a comment saying when they are raised: " + string.Join(", ", undocumented));

        IEnumerable<string> Sources(string folder) => Directory.GetFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"));
        string src = string.Join("\n", Sources("src").Where(f => f != errorIdsFile).Select(File.ReadAllText));
        var unused = ids.Keys.Where(name => !src.Contains("ErrorIds." + name, StringComparison.Ordinal)).ToList();
        Assert.True(unused.Count == 0, "error ids no code in src/ raises: " + string.Join(", ", unused));

        var literals = new List<string>();
        // A known id in quotes, or any quoted word thrown as one: as the first argument of new NeuralPSException(...) or
        // Errors.Create(...), or followed by an ErrorKind (a target-typed new(..., ErrorKind.X, ...)).
        var thrown = new System.Text.RegularExpressions.Regex(@"(?:NeuralPSException|Errors\.Create)\(\s*""(\w+)""|""(\w+)""\s*,\s*ErrorKind\.");
        foreach (string file in Sources("src").Concat(Sources("tests")).Where(f => f != errorIdsFile))
        {
            string text = File.ReadAllText(file);
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"""(\w+)"""))
                if (ids.ContainsKey(m.Groups[1].Value)) literals.Add($"{Path.GetRelativePath(root, file)}: \"{m.Groups[1].Value}\"");
            foreach (System.Text.RegularExpressions.Match m in thrown.Matches(text))
                literals.Add($"{Path.GetRelativePath(root, file)}: \"{m.Groups[1].Value}{m.Groups[2].Value}\" (add it to ErrorIds)");
        }
        Assert.True(literals.Count == 0, "error ids written as string literals (use ErrorIds.X):\n" + string.Join("\n", literals.Distinct()));
    }
}

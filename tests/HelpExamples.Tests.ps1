# Every example in the help runs alone, as a user pastes it into a new session: each in a runspace of its own with only
# NeuralPS imported, in an empty folder of its own, with $ErrorActionPreference = 'Stop'. An example that uses a
# variable or a file an earlier example made fails here. Its output goes through Out-String, so the views run too.
# Examples that need what a test machine may lack are skipped with the reason: other computers over SSH (Sweep.Tests.ps1
# covers them), an MPI job (Distributed.Tests.ps1), Debian's Fashion-MNIST files. An example that reads the user's own
# pictures says so on its first line ("# pictures: ..."); its folder then gets a pictures folder (tests/TestPictures.ps1).
BeforeDiscovery {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
    $script:examples = foreach ($command in Get-Command -Module NeuralPS -CommandType Cmdlet | Sort-Object -Property Name) {
        $number = 0
        foreach ($example in @((Get-Help -Name $command.Name).examples.example)) {
            $number++
            @{ Name = $command.Name; Number = $number; Title = $example.title.Trim('- '); Code = "$($example.code)" }
        }
    }
    $script:cmdlets = Get-Command -Module NeuralPS -CommandType Cmdlet | Sort-Object -Property Name | ForEach-Object { @{ Name = $_.Name } }
}

BeforeAll {
    $script:manifest = (Resolve-Path -Path (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1')).Path
    $script:fashionMnist = Test-Path -Path '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz'
    Import-Module $manifest -Force
    . (Join-Path -Path $PSScriptRoot -ChildPath 'TestPictures.ps1')
    $script:pictures = Join-Path -Path $TestDrive -ChildPath 'pictures'
    $null = Export-TestPicture -Path $pictures -PerClass 4

    # Why an example cannot run on this machine, or $null when it can.
    function Get-SkipReason([string] $Code) {
        if ($Code -match '\bNew-PSSession\b') { return 'it opens PSSessions to other computers (tests/Sweep.Tests.ps1 runs sweeps over a real sshd)' }
        if ($Code -match '\bmpirun\b') { return 'it starts an MPI job (tests/Distributed.Tests.ps1 runs them under mpirun)' }
        if ($Code -match '/usr/share/datasets/' -and -not $fashionMnist) { return "Debian's Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)" }
        return $null
    }
}

Describe 'The help of <Name>' -ForEach $cmdlets {
    It 'has at least two examples' {
        @((Get-Help -Name $Name).examples.example).Count | Should -BeGreaterOrEqual 2
    }
}

Describe 'Help example <Number> of <Name>: <Title>' -ForEach $examples {
    It 'runs alone in a new session' {
        $reason = Get-SkipReason $Code
        if ($reason) { Set-ItResult -Skipped -Because $reason; return }

        $folder = Join-Path -Path $TestDrive -ChildPath "$Name-$Number"
        $null = New-Item -Path $folder -ItemType Directory
        if ($Code -match '^\s*# pictures:') { Copy-Item -Path $pictures -Destination $folder -Recurse }
        $state = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
        $state.ImportPSModule($manifest)
        $runspace = [runspacefactory]::CreateRunspace($state)
        $runspace.Open()
        $ps = [powershell]::Create($runspace)
        try {
            $null = $ps.AddScript("Set-Location -LiteralPath '$($folder -replace "'", "''")'; `$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'").Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddScript($Code).AddCommand('Out-String')
            $failure = $null
            try { $null = $ps.Invoke() } catch { $failure = $_.Exception.GetBaseException().Message }
            if (-not $failure -and $ps.Streams.Error.Count -gt 0) { $failure = $ps.Streams.Error[0].ToString() }
            $failure | Should -BeNullOrEmpty -Because "the example must run alone:`n$Code`n"
        }
        finally {
            $ps.Dispose()
            $runspace.Dispose()
        }
    }
}

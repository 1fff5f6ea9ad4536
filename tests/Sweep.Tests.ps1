# Invoke-Sweep as a user's pwsh runs it: in local runspaces, and over SSH sessions to localhost through the private
# sshd that tests/ci/sshd-start.sh starts (.ci/run does). Without that sshd the remoting tests are skipped, saying why.
BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
    $script:manifest = (Get-Module NeuralPS).Path
    $script:train, $script:validation = Get-SampleDataset -Name Iris | Split-Dataset -TestFraction 0.2 -Stratify -Seed 1
    # Network scripts run where the run trains: they see only $Settings.
    $script:build = {
        param($Settings)
        New-Network 4 -Seed $Settings.Seed | Add-NormalizationLayer | Add-DenseLayer $Settings.Units -Activation Relu |
            Add-DenseLayer 3 -Activation Softmax | Set-Optimizer Adam -LearningRate $Settings.LearningRate
    }
    $script:grid12 = [ordered]@{ LearningRate = 0.1, 0.01; Units = 4, 8; Seed = 1, 2, 3 }

    # Runs a script in a runspace of its own (the module imported there), so that it can be stopped like Ctrl+C and
    # bounded by a timeout. $WhileRunning is called every 50 ms with the output so far, the PowerShell and the seconds
    # since the start, until it returns $true.
    function Invoke-Bounded {
        param([scriptblock] $Script, [hashtable] $Parameters = @{}, [int] $TimeoutSeconds = 120, [scriptblock] $WhileRunning)
        $state = [initialsessionstate]::CreateDefault2()
        $state.ImportPSModule($manifest)
        $runspace = [runspacefactory]::CreateRunspace($state)
        $runspace.Open()
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        try {
            $null = $ps.AddScript($Script.ToString())
            foreach ($p in $Parameters.GetEnumerator()) { $null = $ps.AddParameter($p.Key, $p.Value) }
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $handle = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]$null, $output)
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $stopped = $false
            while (-not $handle.IsCompleted) {
                if ($watch.Elapsed.TotalSeconds -gt $TimeoutSeconds) {
                    $ps.Stop()
                    throw "timed out after $TimeoutSeconds s"
                }
                if ($WhileRunning -and -not $stopped -and (& $WhileRunning ([pscustomobject]@{ Output = $output; PowerShell = $ps; Seconds = $watch.Elapsed.TotalSeconds }))) { $stopped = $true }
                Start-Sleep -Milliseconds 50
            }
            try { $null = $ps.EndInvoke($handle) }
            catch [System.Management.Automation.PipelineStoppedException] { Write-Verbose -Message 'stopped, as the test asked' }
            [pscustomobject]@{
                Output   = @($output)
                Warnings = @($ps.Streams.Warning | ForEach-Object Message)
                Errors   = @($ps.Streams.Error)
                Seconds  = $watch.Elapsed.TotalSeconds
            }
        }
        finally {
            $ps.Dispose()
            $runspace.Dispose()
        }
    }

    function Get-ModelParameter([byte[]] $Model) { , (Import-Network -Bytes $Model).Parameters }
}

Describe 'Invoke-Sweep in local runspaces' {
    It 'trains a grid in parallel, streaming one result per run with its settings, metrics and model' {
        $results = @(Invoke-Sweep -Grid @{ LearningRate = 0.1, 0.01; Units = 4, 8 } -Network {
                New-Network 4 -Seed 1 | Add-DenseLayer $Settings.Units -Activation Relu | Add-DenseLayer 3 -Activation Softmax |
                    Set-Optimizer Adam -LearningRate $Settings.LearningRate
            } -Data $train -ValidationData $validation -Epochs 5 -BatchSize 16 -ThrottleLimit 2)
        $results.Count | Should -Be 4
        ($results.Run | Sort-Object) | Should -Be @(1, 2, 3, 4)
        $results | ForEach-Object { $_ | Should -BeOfType NeuralPS.Sweep.SweepResult }
        # The first key varies slowest; a plain hashtable's keys are taken in name order.
        ($results | Where-Object Run -EQ 2).SettingsText | Should -Be 'LearningRate=0.1, Units=8'
        foreach ($r in $results) {
            $r.Epochs | Should -Be 5
            $r.ValidationLoss | Should -BeGreaterThan 0
            $r.BestValidationLoss | Should -BeLessOrEqual $r.ValidationLoss
            $r.BestEpoch | Should -BeIn (1..5)
            $r.ComputerName | Should -Be ([Environment]::MachineName)
            $r.ProcessId | Should -Be $PID
            $r.Session | Should -BeIn 'Local 1', 'Local 2'
            $r.Attempts | Should -Be 1
            $net = $r | Import-Network # the best epoch's network
            $net.History.Count | Should -Be $r.BestEpoch
            $net.History[-1].ValidationLoss | Should -Be $r.BestValidationLoss
            $last = Import-Network -Bytes $r.LastModel
            $last.History.Count | Should -Be 5
            $last.History[-1].ValidationLoss | Should -Be $r.ValidationLoss
        }
        # The table view fits 80 columns even where the console is wider.
        ($results | Out-String -Width 200) -split "`n" | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
    }

    It 'gives 8 runs in parallel the same bits as the same 8 runs one after another' {
        $grid = [ordered]@{ LearningRate = 0.1, 0.01; Units = 4, 8; Seed = 1, 2 }
        $parallel = Invoke-Sweep -Grid $grid -Network $build -Data $train -ValidationData $validation -Epochs 20 -BatchSize 8 -ThrottleLimit 8
        $sequence = Invoke-Sweep -Grid $grid -Network $build -Data $train -ValidationData $validation -Epochs 20 -BatchSize 8 -ThrottleLimit 1
        @($parallel).Count | Should -Be 8
        @($sequence).Count | Should -Be 8
        @($parallel.Session | Sort-Object -Unique).Count | Should -BeGreaterThan 1
        foreach ($p in $parallel) {
            $s = $sequence | Where-Object Run -EQ $p.Run
            $p.Loss | Should -Be $s.Loss
            $p.ValidationLoss | Should -Be $s.ValidationLoss
            [System.Linq.Enumerable]::SequenceEqual([float[]](Get-ModelParameter $p.Model), [float[]](Get-ModelParameter $s.Model)) | Should -BeTrue
        }
        # Different settings really train differently, so the comparison above can fail.
        (Get-ModelParameter ($parallel | Where-Object Run -EQ 1).Model) -join ',' | Should -Not -Be ((Get-ModelParameter ($parallel | Where-Object Run -EQ 2).Model) -join ',')
    }

    It 'takes settings from the pipeline, lets a setting set a training option, and writes models to -OutputFolder' {
        $folder = Join-Path -Path $TestDrive -ChildPath 'models'
        $results = @{ Seed = 1; Units = 4; LearningRate = 0.01; Epochs = 3 }, [pscustomobject]@{ Seed = 2; Units = 8; LearningRate = 0.01 } |
            Invoke-Sweep -Network $build -Data $train -Epochs 6 -OutputFolder $folder
        $results = $results | Sort-Object Run
        $results.Epochs | Should -Be @(3, 6)
        $results[0].ValidationLoss | Should -BeNullOrEmpty
        $results.ModelPath | Should -Be @((Join-Path $folder 'run-1.npsm'), (Join-Path $folder 'run-2.npsm'))
        (Import-Network $results[1].ModelPath).Parameters -join ',' | Should -Be ((Get-ModelParameter $results[1].Model) -join ',')
    }

    It 'refuses a grid with no points' {
        { Invoke-Sweep -Grid @{} -Network $build -Data $train -ErrorAction Stop } |
            Should -Throw -ErrorId 'EmptyGrid*' -ExpectedMessage '*has no keys*'
        { Invoke-Sweep -Grid @{ Units = @(); Seed = 1 } -Network $build -Data $train -ErrorAction Stop } |
            Should -Throw -ErrorId 'EmptyGrid*' -ExpectedMessage "*'Units' has no values*"
        { @() | Invoke-Sweep -Network $build -Data $train -ErrorAction Stop } |
            Should -Throw -ErrorId 'EmptyGrid*' -ExpectedMessage '*No settings were given*'
        { 42 | Invoke-Sweep -Network $build -Data $train -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidSettings*' -ExpectedMessage '*give a hashtable or an object*'
    }

    It 'turns a failing run into an error naming its settings, and runs the others' {
        $results = Invoke-Sweep -Grid @{ Units = 4, 0, 8; Seed = 1; LearningRate = 0.01 } -Network $build -Data $train -Epochs 2 `
            -ErrorVariable failures -ErrorAction SilentlyContinue
        @($results).Count | Should -Be 2
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'SweepRunFailed*'
        $failures[0].Exception.Message | Should -BeLike '*run 2 (LearningRate=0.01, Seed=1, Units=0) failed on local runspace*Units*'
        $failures[0].TargetObject.Units | Should -Be 0

        $null = Invoke-Sweep -Grid @{ Seed = 1 } -Network { 'not a network' } -Data $train -ErrorVariable wrong -ErrorAction SilentlyContinue
        $wrong[0].FullyQualifiedErrorId | Should -BeLike 'SweepRunFailed*'
        $wrong[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $wrong[0].Exception.Message | Should -BeLike '*must write exactly one network, but wrote objects of type String*'
    }

    It 'stops every local run on Ctrl+C' {
        $run = Invoke-Bounded -TimeoutSeconds 60 -Script {
            param($Data)
            Invoke-Sweep -Grid @{ Seed = 1..4 } -Network {
                New-Network 4 -Seed $Settings.Seed | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax
            } -Data $Data -Epochs 1000000 -ThrottleLimit 2
        } -Parameters @{ Data = $train } -WhileRunning {
            param($Run)
            if ($Run.Seconds -gt 2) { $Run.PowerShell.BeginStop($null, $null); $true }
        }
        $run.Output.Count | Should -Be 0
        $run.Seconds | Should -BeLessThan 30
    }
}

Describe 'Invoke-CrossValidation in local runspaces' {
    It 'cross-validates a piped network on 5 stratified folds and summarizes every metric as mean and standard deviation' {
        $iris = Get-SampleDataset Iris
        $output = @(New-Network 4 -Seed 1 | Add-NormalizationLayer | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax |
                Set-Optimizer Adam -LearningRate 0.02 | Invoke-CrossValidation -Data $iris -Folds 5 -Epochs 20 -ThrottleLimit 2)
        $folds = @($output | Where-Object { $_ -is [NeuralPS.Sweep.SweepResult] })
        $summary = $output[-1]
        $summary | Should -BeOfType NeuralPS.Sweep.CrossValidationSummary
        ($folds.Fold | Sort-Object) | Should -Be @(1, 2, 3, 4, 5)
        $summary.Runs | Should -Be 5
        # Measure-Object's figures (its standard deviation is the sample one too), to rounding: it sums in another order.
        $measured = $folds | Measure-Object ValidationAccuracy -Average -StandardDeviation
        [Math]::Abs($summary.ValidationAccuracy.Mean - $measured.Average) | Should -BeLessThan 1e-12
        [Math]::Abs($summary.ValidationAccuracy.StandardDeviation - $measured.StandardDeviation) | Should -BeLessThan 1e-12
        $summary.ValidationAccuracy.StandardDeviation | Should -BeGreaterThan 0
        "$($summary.ValidationLoss)" | Should -Match '^[\d.,]+ \u00B1 [\d.,]+$'
    }
}

Describe 'about_NeuralPS_Scaling' {
    It 'explains sweeps here and over SSH, and data-parallel training over MPI' {
        $about = Get-Help -Name about_NeuralPS_Scaling | Out-String
        $about | Should -Match 'Invoke-Sweep'
        $about | Should -Match '-ThrottleLimit'
        $about | Should -Match 'Subsystem powershell .*pwsh -sshs'
        $about | Should -Match 'SweepRunNotRun'
        $about | Should -Match 'Ctrl\+C'
        $about | Should -Match 'DATA-PARALLEL TRAINING WITH MPI'
        $about | Should -Match 'mpirun -np 4 pwsh -NoProfile -File train.ps1'
        $about | Should -Match 'OMPI_ALLOW_RUN_AS_ROOT'
        $about | Should -Match 'MPI_Abort'
        $about | Should -Not -Match '\(see below\)'
    }
}

Describe 'Invoke-Sweep over SSH sessions to localhost' {
    BeforeAll {
        $script:sshDir = if ($env:NEURALPS_SSHD_DIR) { $env:NEURALPS_SSHD_DIR } else { '/tmp/neuralps-sshd' }
        $pidFile = Join-Path $sshDir 'sshd.pid'
        $script:skipReason = if (-not (Test-Path $pidFile)) {
            "no test sshd: $pidFile is missing (start one with tests/ci/sshd-start.sh; .ci/run does)"
        } elseif (-not (Get-Process -Id ([int](Get-Content $pidFile)) -ErrorAction Ignore)) {
            "the test sshd of $pidFile is not running (start it with tests/ci/sshd-start.sh)"
        }
        $script:sessions = @()
        if ($skipReason) { return }
        $script:connect = @{
            HostName          = '127.0.0.1'
            Port              = [int](Get-Content (Join-Path $sshDir 'port'))
            UserName          = (Get-Content (Join-Path $sshDir 'user'))
            KeyFilePath       = Join-Path $sshDir 'client_key'
            Options           = @{ UserKnownHostsFile = (Join-Path $sshDir 'known_hosts'); StrictHostKeyChecking = 'yes' }
            ConnectingTimeout = 30000
        }
        $script:sessions = @(1..4 | ForEach-Object { New-PSSession @connect -ErrorAction Stop })
        $script:remotePids = @(foreach ($s in $sessions) { Invoke-Command -Session $s { [System.Environment]::ProcessId } })
    }

    AfterAll {
        $sessions | Remove-PSSession -ErrorAction Ignore
        Get-PSSession | Where-Object ComputerName -EQ '127.0.0.1' | Remove-PSSession -ErrorAction Ignore
    }

    It 'runs a 12-point sweep through 4 sessions: every result arrives and the best model loads and predicts' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        $run = Invoke-Bounded -TimeoutSeconds 180 -Script {
            param($Grid, $Build, $Data, $Validation, $Sessions)
            Invoke-Sweep -Grid $Grid -Network ([scriptblock]::Create($Build)) -Data $Data -ValidationData $Validation -Epochs 30 -BatchSize 16 -Session $Sessions
        } -Parameters @{ Grid = $grid12; Build = $build.ToString(); Data = $train; Validation = $validation; Sessions = $sessions }
        $run.Errors | Should -BeNullOrEmpty
        $run.Warnings | Should -BeNullOrEmpty
        $results = $run.Output
        $results.Count | Should -Be 12 -Because ($run.Errors + $run.Warnings | Out-String)
        ($results.Run | Sort-Object) | Should -Be (1..12)
        $results | ForEach-Object { $_.ProcessId | Should -BeIn $remotePids }
        $results | ForEach-Object { $_.Session | Should -BeIn $sessions.Name }
        $best = $results | Sort-Object BestValidationLoss | Select-Object -First 1
        $net = $best | Import-Network
        (Test-Network -Network $net -Data $validation).Accuracy | Should -BeGreaterThan 0.8
        $prediction = [pscustomobject]@{ SepalLength = 5.1; SepalWidth = 3.5; PetalLength = 1.4; PetalWidth = 0.2 } | Invoke-Prediction -Network $net
        $prediction.Prediction | Should -Be 'setosa'
        # A remote run gives the bits of the same run here.
        $local = $best.Settings | Invoke-Sweep -Network $build -Data $train -ValidationData $validation -Epochs 30 -BatchSize 16
        (Get-ModelParameter $local.Model) -join ',' | Should -Be ((Get-ModelParameter $best.Model) -join ',')
        # The sessions are left usable, without the sweep's data.
        Invoke-Command -Session $sessions { @(Get-Variable -Name 'NeuralPSSweep_*' -Scope Global).Count } | Should -Be @(0, 0, 0, 0)
    }

    It 'stops every remote run on Ctrl+C and leaves the sessions usable' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        $marks = Join-Path $TestDrive 'started'
        $null = New-Item $marks -ItemType Directory
        $run = Invoke-Bounded -TimeoutSeconds 120 -Script {
            param($Data, $Sessions, $Marks)
            Invoke-Sweep -Grid @{ Seed = 1..8; Marks = $Marks } -Network {
                $null = New-Item -Path (Join-Path $Settings.Marks ([System.Environment]::ProcessId)) -ItemType File -Force
                New-Network 4 -Seed $Settings.Seed | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax
            } -Data $Data -Epochs 1000000 -Session $Sessions
        } -Parameters @{ Data = $train; Sessions = $sessions; Marks = $marks } -WhileRunning {
            param($Run)
            # Stopped once every session is training a run.
            if (@(Get-ChildItem $marks).Count -ge 4) { $Run.PowerShell.BeginStop($null, $null); $true }
        }
        @(Get-ChildItem $marks).Count | Should -Be 4
        $run.Output.Count | Should -Be 0
        $run.Seconds | Should -BeLessThan 60
        foreach ($s in $sessions) {
            $s.State | Should -Be 'Opened'
            $s.Availability | Should -Be 'Available'
        }
        Invoke-Command -Session $sessions { @(Get-Variable -Name 'NeuralPSSweep_*' -Scope Global).Count } | Should -Be @(0, 0, 0, 0)
    }

    It 'reports closed sessions and runs on the usable ones' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        $closed = New-PSSession @connect
        Remove-PSSession $closed
        $results = Invoke-Sweep -Grid @{ Seed = 1, 2; Units = 4; LearningRate = 0.01 } -Network $build -Data $train -Epochs 2 `
            -Session $closed, $sessions[0] -ErrorVariable failures -ErrorAction SilentlyContinue
        @($results).Count | Should -Be 2
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'SessionUnavailable*'
        $failures[0].Exception.Message | Should -BeLike "*session '$($closed.Name)' (127.0.0.1) is Closed*New-PSSession*"
        { Invoke-Sweep -Grid @{ Seed = 1 } -Network $build -Data $train -Session $closed -ErrorAction Stop } |
            Should -Throw -ErrorId 'SessionUnavailable*'
        { Invoke-Sweep -Grid @{ Seed = 1 } -Network $build -Data $train -Session $closed -ErrorAction SilentlyContinue } |
            Should -Throw -ErrorId 'NoSessionAvailable*' -ExpectedMessage '*none of the 1 sessions given can run the sweep*'
    }

    It 'leaves out a session that has another NeuralPS loaded, saying why, and runs on the others' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        $other = New-PSSession @connect -ErrorAction Stop
        try {
            # A module of that name that is not this build: it cannot be replaced in that session.
            Invoke-Command -Session $other { New-Module -Name NeuralPS -ScriptBlock { } | Import-Module }
            $results = Invoke-Sweep -Grid @{ Seed = 1, 2; Units = 4; LearningRate = 0.01 } -Network $build -Data $train -Epochs 2 `
                -Session $other, $sessions[0] -ErrorVariable failures -ErrorAction SilentlyContinue
            @($results).Count | Should -Be 2
            $results | ForEach-Object { $_.Session | Should -Be $sessions[0].Name }
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'SessionSetupFailed*'
            $failures[0].Exception.Message | Should -BeLike "*session '$($other.Name)' (127.0.0.1) could not be prepared*a different build*Open a new session*"
        }
        finally { Remove-PSSession $other }
    }

    It 'gives an error for each run left when every session breaks' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        $doomed = @(1..2 | ForEach-Object { New-PSSession @connect -ErrorAction Stop })
        try {
            # Every run ends its own session's process, so each session breaks under its first run.
            $run = Invoke-Bounded -TimeoutSeconds 120 -Script {
                param($Data, $Sessions)
                Invoke-Sweep -Grid @{ Seed = 1, 2, 3 } -Network { [System.Environment]::Exit(1) } -Data $Data -Epochs 1 -Session $Sessions
            } -Parameters @{ Data = $train; Sessions = $doomed }
            $run.Output.Count | Should -Be 0
            $run.Warnings.Count | Should -Be 2
            $run.Warnings | ForEach-Object { $_ | Should -BeLike "*broke during run*" }
            $notRun = $run.Errors | Where-Object FullyQualifiedErrorId -Like 'SweepRunNotRun*'
            @($notRun).Count | Should -Be 3
            $notRun[0].Exception.Message | Should -BeLike '*run 1 (Seed=1) was not run: no session is left*'
        }
        finally { $doomed | Remove-PSSession -ErrorAction Ignore }
    }

    It 'runs examples/sweep-remote.ps1 against this sshd' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        $example = Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'examples', 'sweep-remote.ps1'
        $run = Invoke-Bounded -TimeoutSeconds 180 -Script {
            param($Example, $Connect)
            & $Example -HostName $Connect.HostName -Port $Connect.Port -UserName $Connect.UserName -KeyFilePath $Connect.KeyFilePath `
                -SshOptions $Connect.Options -SessionsPerHost 2 -Epochs 5 | Out-String
            'open sessions: {0}' -f @(Get-PSSession | Where-Object State -EQ 'Opened').Count
        } -Parameters @{ Example = $example; Connect = $connect }
        $run.Errors | Should -BeNullOrEmpty
        $text = $run.Output -join "`n"
        $text | Should -BeLike '*Sweeping 12 runs over 2 sessions*'
        $text | Should -BeLike '*Best: run * on *validation loss*'
        $text | Should -BeLike '*open sessions: 0' -Because 'the example removes the sessions it opened'
    }

    # Last: it breaks one of the four sessions.
    It 'still gives 12 results, with a warning, when one session is killed mid-sweep' {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        $script:victim = $null
        # Run 1 ends at once and the other eleven are long. The session that returns the first result has taken its
        # next run at once (ten are waiting), so killing it breaks a run. (Killing another session at that moment could
        # catch it still being prepared, which is a setup error rather than a broken run; and with runs of equal
        # length a loaded machine could let a session finish its last run before the kill.)
        $settings12 = foreach ($rate in 0.003, 0.001) { foreach ($units in 4, 8) { foreach ($seed in 1, 2, 3) {
            @{ LearningRate = $rate; Units = $units; Seed = $seed; Epochs = 2000 } } } }
        $settings12[0].Epochs = 5
        $run = Invoke-Bounded -TimeoutSeconds 180 -Script {
            param($Settings, $Build, $Data, $Validation, $Sessions)
            Invoke-Sweep -Settings $Settings -Network ([scriptblock]::Create($Build)) -Data $Data -ValidationData $Validation -BatchSize 16 -Session $Sessions
        } -Parameters @{ Settings = $settings12; Build = $build.ToString(); Data = $train; Validation = $validation; Sessions = $sessions } -WhileRunning {
            param($Run)
            # At the first result, kill the session that returned it: it is on its next run.
            if ($Run.Output.Count -gt 0) {
                $first = $Run.Output[0].Session
                $script:victim = @($sessions | Where-Object Name -EQ $first)[0]
                Stop-Process -Id $remotePids[[array]::IndexOf($sessions, $script:victim)] -Force
                $true
            }
        }
        $victim | Should -Not -BeNullOrEmpty
        $results = $run.Output
        $results.Count | Should -Be 12 -Because ($run.Errors + $run.Warnings | Out-String)
        ($results.Run | Sort-Object) | Should -Be (1..12)
        @($results | Where-Object Attempts -EQ 2).Count | Should -Be 1 -Because ($run.Errors + $run.Warnings | Out-String)
        $run.Warnings.Count | Should -Be 1
        $run.Warnings[0] | Should -BeLike "*session '$($victim.Name)' (127.0.0.1) broke during run*starts again on another session*"
        $run.Errors | Should -BeNullOrEmpty
    }
}

# Invoke-Training -Distributed: real MPI jobs (mpirun, 2 and 4 ranks of pwsh on this machine) and the errors a user
# meets. Every launch runs under `timeout`; whatever a launch leaves running is killed by its pid after each test.
Describe 'Invoke-Training -Distributed' {
    BeforeAll {
        $script:manifest = (Resolve-Path -Path (Join-Path -Path $PSScriptRoot -ChildPath '../NeuralPS.psd1')).Path
        Import-Module $manifest -Force
        # The MPI jobs need Open MPI on the machine (.ci/run installs it); without it they skip, saying so.
        $script:skipReason = if (-not (Get-Command -Name mpirun -ErrorAction Ignore)) {
            'mpirun is not installed (Debian: apt-get install openmpi-bin libopenmpi-dev; .ci/run does)'
        }
        # Every rank script and output lives under this folder, so that leftovers can be found by their command line.
        $script:jobRoot = Join-Path -Path ([IO.Path]::GetTempPath()) -ChildPath "neuralps-mpi-$([guid]::NewGuid().ToString('N'))"
        New-Item -ItemType Directory -Path $jobRoot | Out-Null

        # What every rank script starts with: the module, quiet progress, the rank, and a parameter hash.
        $script:prelude = @"
    `$ErrorActionPreference = 'Stop'
    `$ProgressPreference = 'SilentlyContinue'
    Import-Module '$manifest'
    `$rank = [int]`$env:OMPI_COMM_WORLD_RANK
    function Get-ParameterBytes(`$net) { `$b = [byte[]]::new(`$net.Parameters.Count * 4); [Buffer]::BlockCopy(`$net.Parameters, 0, `$b, 0, `$b.Length); `$b }
    function Get-ParameterHash(`$net) { [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData((Get-ParameterBytes `$net))) }
"@

        function script:New-RankScript([string] $Name, [string] $Body) {
            $path = Join-Path -Path $jobRoot -ChildPath $Name
            Set-Content -Path $path -Value ($prelude + "`n" + $Body)
            $path
        }

        # mpirun as root needs the two ALLOW variables; one machine needs only shared memory (vader) and self; TERM=dumb
        # keeps the ranks' pwsh from writing terminal escapes into the captured output.
        $script:mpiEnvironment = @('OMPI_ALLOW_RUN_AS_ROOT=1', 'OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1', 'OMPI_MCA_btl=self,vader', 'TERM=dumb')

        function script:Invoke-MpiJob([int] $Ranks, [string] $Script, [string[]] $Arguments = @(), [int] $TimeoutSeconds = 90) {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $output = & env @mpiEnvironment timeout -k 5 $TimeoutSeconds mpirun --oversubscribe --stdin none -np $Ranks pwsh -NoProfile -NonInteractive -File $Script @Arguments 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String); Seconds = $clock.Elapsed.TotalSeconds }
        }

        # A job that a failing or stopped rank must end: not cleanly, not by the timeout, with no rank finishing its
        # script, and with nothing left running.
        function script:Assert-JobEndedByError([object] $Job) {
            $Job.ExitCode | Should -Not -Be 0
            $Job.ExitCode | Should -Not -Be 124 -Because 'the job must end by itself, not by the timeout'
            $Job.Output | Should -Not -Match 'finished'
            Get-Leftover | Should -BeNullOrEmpty
        }

        function script:Get-Leftover {
            # Processes whose command line names this test's folder: ranks (pwsh -File <jobRoot>/...) and their mpirun.
            @(& pgrep -f $jobRoot) | Where-Object { $_ -and [int]$_ -ne $PID } | ForEach-Object { [int]$_ }
        }

        function script:Read-Rank([string] $Folder, [int] $Ranks) {
            0..($Ranks - 1) | ForEach-Object { Get-Content -Raw -Path (Join-Path -Path $Folder -ChildPath "rank$_.json") | ConvertFrom-Json }
        }

        # The training every rank runs (and the test process runs alone as the reference): a full-batch first step with
        # plain SGD at a large rate, so that the gradient's value shows in the weights, then Adam on mini-batches.
        $script:trainBody = @'
    $Out = $args[0]
    $started = (Get-Date) - (Get-Process -Id $PID).StartTime
    $iris = Get-SampleDataset Iris
    $train, $test = $iris | Split-Dataset -TestFraction 0.2 -Stratify -Seed 7
    $mapsBefore = Get-Content -Raw -Path "/proc/$PID/maps"

    $alone = New-Network 4 -Seed 10 | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax
    $alone | Invoke-Training -Data $train -Epochs 1 | Out-Null   # not distributed: must not load libmpi
    $loadedAlone = (Get-Content -Raw -Path "/proc/$PID/maps") -match 'libmpi'

    $one = New-Network 4 -Seed 11 | Add-NormalizationLayer | Add-DenseLayer 16 -Activation Tanh | Add-DenseLayer 3 -Activation Softmax |
        Set-Optimizer Sgd -LearningRate 0.5
    $passThru = @($one | Invoke-Training -Data $train -Epochs 1 -BatchSize 0 -Distributed -PassThru)

    $net = New-Network 4 -Seed 12 | Add-NormalizationLayer | Add-DenseLayer 16 -Activation Relu | Add-DenseLayer 3 -Activation Softmax |
        Set-Optimizer Adam -LearningRate 0.01
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $epochs = @($net | Invoke-Training -Data $train -ValidationData $test -Epochs 40 -BatchSize 16 -Seed 3 -Distributed)
    $trainSeconds = $clock.Elapsed.TotalSeconds
    [pscustomobject]@{
        Rank = $rank
        Size = [int]$env:OMPI_COMM_WORLD_SIZE
        StartSeconds = $started.TotalSeconds
        TrainSeconds = $trainSeconds
        LoadedLibmpiAlone = [bool]$loadedAlone
        LoadedLibmpiAfter = (Get-Content -Raw -Path "/proc/$PID/maps") -match 'libmpi'
        PassThruCount = $passThru.Count
        PassThruIsTheNetwork = [object]::ReferenceEquals($passThru[0], $one)
        FirstStep = [Convert]::ToBase64String((Get-ParameterBytes $one))
        FirstStepHash = Get-ParameterHash $one
        Hash = Get-ParameterHash $net
        Emitted = $epochs.Count
        History = $net.History.Count
        Last = $net.History[-1] | Select-Object Loss, Accuracy, ValidationLoss, ValidationAccuracy
        TestAccuracy = (Test-Network -Network $net -Data $test).Accuracy
    } | ConvertTo-Json -Depth 3 | Set-Content -Path (Join-Path -Path $Out -ChildPath "rank$rank.json")
'@
    }

    AfterEach {
        # Nothing a launch started may outlive its test.
        Get-Leftover | ForEach-Object { & kill -CONT $_ 2>$null; & kill -KILL $_ 2>$null }
    }

    AfterAll {
        Remove-Item -Recurse -Force -Path $jobRoot -ErrorAction Ignore
    }

    Describe 'Invoke-Training -Distributed outside an MPI job' {
        It 'says that the script must be started by mpirun' {
            $saved = $env:OMPI_COMM_WORLD_SIZE
            $env:OMPI_COMM_WORLD_SIZE = $null
            try {
                $handle = [IntPtr]::Zero
                if (-not [Runtime.InteropServices.NativeLibrary]::TryLoad('libmpi.so.40', [ref] $handle)) {
                    Set-ItResult -Skipped -Because 'libmpi.so.40 is not installed (this case is covered by the next test)'
                    return
                }
                $net = New-Network 4 -Seed 1 | Add-DenseLayer 3 -Activation Softmax
                $err = $null
                try { $net | Invoke-Training -Data (Get-SampleDataset Iris) -Epochs 1 -Distributed } catch { $err = $_ }
                $err | Should -Not -BeNullOrEmpty
                $err.FullyQualifiedErrorId | Should -BeLike 'NotUnderMpirun,*'
                $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
                $err.Exception.Message | Should -Match 'not started by mpirun'
                $err.Exception.Message | Should -Match 'mpirun -np 4 pwsh -NoProfile -File'
                $net.History.Count | Should -Be 0
            }
            finally { $env:OMPI_COMM_WORLD_SIZE = $saved }
        }

        It 'says that Open MPI is missing when libmpi cannot be loaded' {
            $saved = $env:NEURALPS_MPI_LIBRARY
            $env:NEURALPS_MPI_LIBRARY = '/nonexistent/libmpi.so.40'
            try {
                $net = New-Network 4 -Seed 1 | Add-DenseLayer 3 -Activation Softmax
                $err = $null
                try { $net | Invoke-Training -Data (Get-SampleDataset Iris) -Epochs 1 -Distributed } catch { $err = $_ }
                $err.FullyQualifiedErrorId | Should -BeLike 'MpiNotInstalled,*'
                $err.Exception.Message | Should -Match 'apt-get install openmpi-bin'
                $err.Exception.Message | Should -Match '/nonexistent/libmpi.so.40'
            }
            finally { $env:NEURALPS_MPI_LIBRARY = $saved }
        }
    }

    Describe 'Training on the ranks of an MPI job' {
        BeforeAll {
            $script:trainScript = New-RankScript -Name 'train.ps1' -Body $trainBody
            # The reference: the same trainings in this one process.
            $iris = Get-SampleDataset Iris
            $train, $test = $iris | Split-Dataset -TestFraction 0.2 -Stratify -Seed 7
            $one = New-Network 4 -Seed 11 | Add-NormalizationLayer | Add-DenseLayer 16 -Activation Tanh | Add-DenseLayer 3 -Activation Softmax |
                Set-Optimizer Sgd -LearningRate 0.5
            $one | Invoke-Training -Data $train -Epochs 1 -BatchSize 0 | Out-Null
            $script:referenceFirstStep = [float[]] $one.Parameters.Clone()
            $net = New-Network 4 -Seed 12 | Add-NormalizationLayer | Add-DenseLayer 16 -Activation Relu | Add-DenseLayer 3 -Activation Softmax |
                Set-Optimizer Adam -LearningRate 0.01
            $net | Invoke-Training -Data $train -ValidationData $test -Epochs 40 -BatchSize 16 -Seed 3 | Out-Null
            $script:referenceLast = $net.History[-1]
            $script:referenceTestAccuracy = (Test-Network -Network $net -Data $test).Accuracy
        }

        It 'on <Ranks> ranks: every rank ends with the same bits, equal to one process after the first step and as accurate after training' -ForEach @(
            @{ Ranks = 2 }, @{ Ranks = 4 }
        ) {
            if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
            $out = Join-Path -Path $jobRoot -ChildPath "train$Ranks"
            New-Item -ItemType Directory -Path $out | Out-Null
            $job = Invoke-MpiJob -Ranks $Ranks -Script $trainScript -Arguments $out
            $job.ExitCode | Should -Be 0 -Because $job.Output
            $results = Read-Rank -Folder $out -Ranks $Ranks
            Write-Information -InformationAction Continue -MessageData ("    {0} ranks: job {1:N1} s; pwsh + module start per rank {2}; 40 epochs {3}" -f $Ranks, $job.Seconds,
                (($results | ForEach-Object { '{0:N2} s' -f $_.StartSeconds }) -join ', '), (($results | ForEach-Object { '{0:N2} s' -f $_.TrainSeconds }) -join ', '))

            $results.Size | Sort-Object -Unique | Should -Be $Ranks
            # Same parameter bits on every rank, after one step and after 40 epochs.
            @($results.FirstStepHash | Sort-Object -Unique).Count | Should -Be 1
            @($results.Hash | Sort-Object -Unique).Count | Should -Be 1
            # Rank 0 alone emits epoch results; every rank keeps the same history; -PassThru gives the network everywhere.
            ($results.Emitted -join ',') | Should -Be ((@(40) + @(0) * ($Ranks - 1)) -join ',')
            $results.History | Sort-Object -Unique | Should -Be 40
            $results.PassThruCount | Sort-Object -Unique | Should -Be 1
            $results.PassThruIsTheNetwork | Sort-Object -Unique | Should -BeTrue
            # A process that trains without -Distributed never loads libmpi; -Distributed does.
            $results.LoadedLibmpiAlone | Sort-Object -Unique | Should -BeFalse
            $results.LoadedLibmpiAfter | Sort-Object -Unique | Should -BeTrue

            # The first step on the sharded global batch equals the single-process step on the whole batch.
            $bytes = [Convert]::FromBase64String($results[0].FirstStep)
            $firstStep = [float[]]::new($bytes.Length / 4)
            [Buffer]::BlockCopy($bytes, 0, $firstStep, 0, $bytes.Length)
            $firstStep.Count | Should -Be $referenceFirstStep.Count
            $worst = 0.0
            for ($i = 0; $i -lt $firstStep.Count; $i++) {
                $expected = [double]$referenceFirstStep[$i]
                $tolerance = [math]::Max(1e-6 * [math]::Abs($expected), 1e-7)
                $worst = [math]::Max($worst, [math]::Abs($firstStep[$i] - $expected) / $tolerance)
            }
            $worst | Should -BeLessOrEqual 1 -Because 'every parameter after the first step is within 1e-6 relative (1e-7 absolute) of the single-process run'

            # After 40 epochs: within one point of the single-process run.
            [math]::Abs($results[0].TestAccuracy - $referenceTestAccuracy) | Should -BeLessOrEqual 0.01
            [math]::Abs($results[0].Last.Accuracy - $referenceLast.Accuracy) | Should -BeLessOrEqual 0.01
            [math]::Abs($results[0].Last.ValidationAccuracy - $referenceLast.ValidationAccuracy) | Should -BeLessOrEqual 0.01
            $results[0].Last.Loss | Should -BeLessThan 0.3
            Get-Leftover | Should -BeNullOrEmpty
        }
    }

    Describe 'A rank that fails or is stopped ends the job' {
        It 'a rank with other data: the job stops on every rank with that rank''s error' {
            if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
            $script = New-RankScript -Name 'mismatch.ps1' -Body @'
    $iris = Get-SampleDataset Iris
    # Rank 1 loads fewer rows, as a rank reading a truncated file would.
    if ($rank -eq 1) { $iris = $iris | Split-Dataset -TestFraction 0.01 -Seed 1 | Select-Object -First 1 }
    $net = New-Network 4 -Seed 5 | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax
    $net | Invoke-Training -Data $iris -Epochs 5 -Distributed | Out-Null
    Write-Host "rank $rank finished"
'@
            $job = Invoke-MpiJob -Ranks 2 -Script $script -TimeoutSeconds 60
            Assert-JobEndedByError $job
            $job.Output | Should -Match 'NeuralPS rank 1 of 2: Invoke-Training -Distributed failed: DistributedMismatch: Rank 1 differs from rank 0 in its training rows'
            $job.Seconds | Should -BeLessThan 30
        }

        It 'a rank whose script fails between trainings: the job stops instead of waiting for it' {
            if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
            $script = New-RankScript -Name 'throws.ps1' -Body @'
    $iris = Get-SampleDataset Iris
    $net = New-Network 4 -Seed 5 | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax
    $net | Invoke-Training -Data $iris -Epochs 2 -Distributed | Out-Null
    if ($rank -eq 1) { throw "bad data on rank 1" }
    # Rank 0 goes on into a training rank 1 never joins.
    $net | Invoke-Training -Data $iris -Epochs 2 -Distributed | Out-Null
    Write-Host "rank $rank finished"
'@
            $job = Invoke-MpiJob -Ranks 2 -Script $script -TimeoutSeconds 60
            Assert-JobEndedByError $job
            $job.Output | Should -Match 'bad data on rank 1'
            $job.Output | Should -Match 'NeuralPS rank 1 of 2: the script ended with exit code 1; ending the MPI job'
            $job.Seconds | Should -BeLessThan 30
        }

        It 'L-BFGS is refused with -Distributed, and the job ends' {
            if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
            $script = New-RankScript -Name 'lbfgs.ps1' -Body @'
    $net = New-Network 4 -Seed 5 | Add-DenseLayer 3 -Activation Softmax | Set-Optimizer Lbfgs
    $net | Invoke-Training -Data (Get-SampleDataset Iris) -Epochs 2 -Distributed | Out-Null
    Write-Host "rank $rank finished"
'@
            $job = Invoke-MpiJob -Ranks 2 -Script $script -TimeoutSeconds 60
            Assert-JobEndedByError $job
            $job.Output | Should -Match 'DistributedNotSupported: L-BFGS cannot train with -Distributed'
        }

        It 'Ctrl+C on a rank waiting in the gradient reduce stops it and ends the job' {
            if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
            $folder = Join-Path -Path $jobRoot -ChildPath 'stop'
            New-Item -ItemType Directory -Path $folder | Out-Null
            $script = New-RankScript -Name 'stop.ps1' -Body @"
    Set-Content -Path "$folder/pid.`$rank" -Value `$PID
    `$net = New-Network 4 -Seed 5 | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax
    `$net | Invoke-Training -Data (Get-SampleDataset Iris) -Epochs 1000000 -BatchSize 8 -Distributed |
        ForEach-Object { if (`$_.Epoch -eq 1) { Set-Content -Path '$folder/started' -Value 1 } }
    Write-Host "rank `$rank finished"
"@
            $arguments = @($mpiEnvironment) + @('timeout', '-k', '5', '60', 'mpirun', '--oversubscribe', '--stdin', 'none', '-np', '2', 'pwsh', '-NoProfile', '-NonInteractive', '-File', $script)
            $job = Start-Process -FilePath env -ArgumentList $arguments -PassThru -RedirectStandardOutput "$folder/out.txt" -RedirectStandardError "$folder/err.txt"
            $deadline = [DateTime]::UtcNow.AddSeconds(40)
            while (-not (Test-Path "$folder/started") -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Test-Path "$folder/started" | Should -BeTrue -Because 'rank 0 trains its first epoch'
            # Rank 1 freezes mid-training (SIGSTOP): rank 0 soon waits in a reduce rank 1 never joins. Then Ctrl+C on
            # rank 0: SIGINT makes pwsh stop the pipeline, and the polling wait sees the stop and aborts the job.
            $rank0, $rank1 = [int](Get-Content "$folder/pid.0"), [int](Get-Content "$folder/pid.1")
            # (kill 0 would signal this test's own process group)
            $rank0 | Should -BeGreaterThan 1
            $rank1 | Should -BeGreaterThan 1
            & kill -STOP $rank1
            Start-Sleep -Milliseconds 1000
            $clock = [Diagnostics.Stopwatch]::StartNew()
            & kill -INT $rank0
            $job.WaitForExit(20000) | Should -BeTrue -Because 'the stop ends the job within seconds'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
            Write-Information -InformationAction Continue -MessageData ('    Ctrl+C to the end of the job: {0:N2} s' -f $clock.Elapsed.TotalSeconds)
            $job.ExitCode | Should -Not -Be 0
            $job.ExitCode | Should -Not -Be 124
            $output = (Get-Content -Raw "$folder/out.txt") + (Get-Content -Raw "$folder/err.txt")
            $output | Should -Match 'NeuralPS rank 0 of 2: training stopped while waiting for the other ranks; ending the MPI job'
            $output | Should -Not -Match 'finished'
            Get-Leftover | Should -BeNullOrEmpty
        }
    }
}

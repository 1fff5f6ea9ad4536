# Data-parallel training over MPI: one network trained by every process of an mpirun job, each computing the gradient
# of its slice of every batch. Launch it from the repository root after `dotnet build` (Open MPI: apt-get install
# openmpi-bin libopenmpi-dev):
#
#   mpirun -np 4 pwsh -NoProfile -File examples/train-distributed.ps1
#
# As root add OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; on one machine OMPI_MCA_btl=self,vader keeps
# Open MPI to shared memory, TERM=dumb keeps terminal escapes out of the merged output, and --oversubscribe allows more
# ranks than cores. Outside mpirun (as in the tests, through NeuralPS.Host) the same script trains in one process:
#   dotnet run --project src/NeuralPS.Host -- examples/train-distributed.ps1
[CmdletBinding()]
param(
    [ValidateRange(1, 1000)]
    [int] $Epochs = 20,
    [string] $ModelPath = (Join-Path ([IO.Path]::GetTempPath()) 'moons-distributed.npsm')
)
$ErrorActionPreference = 'Stop'

# mpirun tells every process it starts its rank and the job's size; -Distributed is only asked for inside a job.
$inMpiJob = [bool]$env:OMPI_COMM_WORLD_SIZE
$rank = if ($inMpiJob) { [int]$env:OMPI_COMM_WORLD_RANK } else { 0 }
if ($inMpiJob) { $ProgressPreference = 'SilentlyContinue' } # the ranks share one terminal
if (-not (Get-Module NeuralPS)) { Import-Module (Join-Path $PSScriptRoot '../NeuralPS.psd1') }

# Every rank makes the same data (same seed): each takes its own slice of every batch of it.
$data = Get-SampleDataset Moons -Samples 4000 -Noise 0.25 -Seed 7
$train, $test = $data | Split-Dataset -TestFraction 0.2 -Seed 7

# The network's seed only matters on rank 0: its weights are sent to every rank before the first step.
$net = New-Network 2 -Name 'moons' -Seed 42 |
    Add-DenseLayer 32 -Activation Relu |
    Add-DenseLayer 32 -Activation Relu |
    Add-DenseLayer 1 -Activation Sigmoid |
    Set-Optimizer Adam -LearningRate 0.01 -ClipNorm 5   # clipping applies to the summed, whole-batch gradient

# -BatchSize is the global batch: with 4 ranks each computes 32 of its 128 rows. Rank 0 alone writes the epochs.
$net | Invoke-Training -Data $train -ValidationData $test -Epochs $Epochs -BatchSize 128 -Seed 1 -Distributed:$inMpiJob |
    Where-Object { $_.Epoch % 5 -eq 0 } | Format-Table | Out-Host

# Every rank now holds the same network; rank 0 alone reports and writes the file.
if ($rank -eq 0) {
    $evaluation = Test-Network -Network $net -Data $test
    'Test accuracy: {0:P1}' -f $evaluation.Accuracy
    $net | Export-Network -Path $ModelPath -Force
    "Model written to $ModelPath"
}

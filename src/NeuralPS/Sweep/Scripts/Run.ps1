# One run of a sweep, where it trains (a local runspace or a remote session): builds the network with the user's script
# (given as text: a script block belongs to the runspace that made it), trains it with Invoke-Training, keeping the
# best epoch's model, and returns [NeuralPS.Sweep.SweepRun]::Outcome. $Settings is both the script's first argument
# and a variable it can see, so a script with or without a param block works. The data is in the global variable the
# worker set when it was prepared. A cross-validation run gets the rows of its fold: it trains on $TrainRows of the data
# and is validated on $ValidationRows.
param([string] $NetworkScript, [hashtable] $Settings, [string] $DataVariable, [hashtable] $Training,
    [int[]] $TrainRows, [int[]] $ValidationRows, [string] $FoldName)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$watch = [System.Diagnostics.Stopwatch]::StartNew()
$data = Get-Variable -Name $DataVariable -Scope Global -ValueOnly
if ($null -ne $data.ValidationData) { $Training.ValidationData = $data.ValidationData }
$train = $data.Data
if ($null -ne $TrainRows) {
    $train = $data.Data.Subset($TrainRows, "$($data.Data.Name) ($FoldName, training)")
    $Training.ValidationData = $data.Data.Subset($ValidationRows, "$($data.Data.Name) ($FoldName, held out)")
}
$built = & ([scriptblock]::Create($NetworkScript)) $Settings
# A .NET method's exception comes wrapped ("Exception calling ..."); thrown bare, its own message crosses remoting.
try { $network = [NeuralPS.Sweep.SweepRun]::NetworkFrom(@($built)) } catch { throw $_.Exception.GetBaseException() }
$epochsBefore = $network.History.Count
# Each epoch's result comes out while the network is as that epoch left it: the best one's model is kept then.
$best = [NeuralPS.Sweep.BestEpochModel]::new($network)
$network | Invoke-Training -Data $train @Training | ForEach-Object { $best.Observe($_) }
try { [NeuralPS.Sweep.SweepRun]::Outcome($network, $epochsBefore, $watch.Elapsed, $best) } catch { throw $_.Exception.GetBaseException() }

# Embedding a categorical column with many values: which logins raise an alert, from the user, the hour and the
# failed attempts before it. 300 users (a column one-hot encoding would turn into 300 features) fall into hidden
# groups that behave differently (night shifts, remote workers); the network has to learn each user's group from the
# user's name. An embedding learns 8 numbers per user; one-hot learns a weight per user and hidden unit.
#   dotnet run --project src/NeuralPS.Host -- examples/embedding.ps1
# or, in pwsh from the repository root after `dotnet build`:  Import-Module ./NeuralPS.psd1; ./examples/embedding.ps1
[CmdletBinding()]
param(
    [int] $Users = 300,
    [int] $LoginsPerUser = 24,
    [int] $Epochs = 30
)

# A synthetic but realistic log: a user's group decides which hours are normal for them.
$random = [System.Random]::new(7)
$normalHours = @{ 0 = 8..17; 1 = 20..23 + 0..5; 2 = 6..22; 3 = 9..12 }
$logins = foreach ($u in 1..$Users) {
    $user = 'user{0:d3}' -f $u
    $group = $u % 4
    foreach ($k in 1..$LoginsPerUser) {
        $hour = $random.Next(24)
        $failed = [int]($random.NextDouble() -lt 0.2) * $random.Next(1, 4)
        $unusual = $hour -notin $normalHours[$group]
        [pscustomobject]@{
            User   = $user
            Hour   = $hour
            Failed = $failed
            Alert  = if (($unusual -and $failed -gt 0) -or $failed -ge 3 -or ($unusual -and $random.NextDouble() -lt 0.1)) { 'alert' } else { 'ok' }
        }
    }
}

function Measure-Network {
    param($Name, $Train, $Test, [scriptblock] $Build, [int] $EpochCount)
    $net = & $Build | Add-DenseLayer 32 -Activation Relu | Add-DenseLayer 2 -Activation Softmax | Set-Optimizer Adam -LearningRate 0.01
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $null = $net | Invoke-Training -Data $Train -Epochs $EpochCount -BatchSize 64 -Normalize -Seed 1
    $seconds = $clock.Elapsed.TotalSeconds
    $evaluation = Test-Network -Network $net -Data $Test
    [pscustomobject]@{
        Encoding     = $Name
        Features     = $Train.FeatureCount
        Parameters   = $net.ParameterCount
        TestAccuracy = [math]::Round($evaluation.Accuracy, 3)
        Seconds      = [math]::Round($seconds, 1)
        Network      = $net
    }
}

# One-hot: User becomes $Users columns.
$oneHot = $logins | ConvertTo-Dataset -Label Alert
$oneHotTrain, $oneHotTest = $oneHot | Split-Dataset -TestFraction 0.25 -Seed 1
$wide = Measure-Network -Name 'one-hot' -Train $oneHotTrain -Test $oneHotTest -EpochCount $Epochs -Build { New-Network -Data $oneHotTrain -Seed 1 }

# Embedding: User becomes one index column, and the network learns an 8-number vector per user.
$indexed = $logins | ConvertTo-Dataset -Label Alert -CategoryIndex User
$train, $test = $indexed | Split-Dataset -TestFraction 0.25 -Seed 1
$embedded = Measure-Network -Name 'embedding (8)' -Train $train -Test $test -EpochCount $Epochs -Build {
    New-Network -Data $train -Seed 1 | Add-EmbeddingLayer -Feature User -Dimensions 8
}

$wide, $embedded | Format-Table Encoding, Features, Parameters, TestAccuracy, Seconds -AutoSize | Out-Host
$embedded.Network | Out-Host

# A user never seen in training maps to the embedding's reserved row: a warning, not an error.
[pscustomobject]@{ User = 'new-hire'; Hour = 3; Failed = 0 }, [pscustomobject]@{ User = 'user004'; Hour = 3; Failed = 0 } |
    Invoke-Prediction -Network $embedded.Network -IncludeProbabilities | Format-Table | Out-Host

# The embedding's vectors, one per user: users of one hidden group should lie close together.
$table = $embedded.Network.Layers[1]
"Embedding table: $($table.TableRows) rows (row 0 for unseen users) x $($table.Dimensions) dimensions"

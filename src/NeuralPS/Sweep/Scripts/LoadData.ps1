# Turns the datasets sent in pieces (Chunk.ps1) into the global variable every run reads: @{ Data; ValidationData }.
param([string] $DataVariable)
$ErrorActionPreference = 'Stop'
function Get-SentDataset([string] $Name) {
    $stream = Get-Variable -Name $Name -Scope Global -ValueOnly -ErrorAction Ignore
    if ($null -eq $stream) { return $null }
    Remove-Variable -Name $Name -Scope Global
    [NeuralPS.Core.Serialization.DatasetBytes]::FromBytes($stream.ToArray())
}
$data = @{ Data = Get-SentDataset "$($DataVariable)_Data"; ValidationData = Get-SentDataset "$($DataVariable)_ValidationData" }
Set-Variable -Name $DataVariable -Scope Global -Value $data

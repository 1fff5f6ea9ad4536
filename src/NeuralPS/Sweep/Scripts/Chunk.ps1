# Appends one piece of bytes to a global memory stream (made by the first piece): large bytes cross in pieces, since a
# remoting endpoint may refuse one large object (MaximumReceivedObjectSizeMB).
param([string] $Name, [byte[]] $Chunk, [int] $Total)
$stream = Get-Variable -Name $Name -Scope Global -ValueOnly -ErrorAction Ignore
if ($null -eq $stream) {
    $stream = [System.IO.MemoryStream]::new($Total)
    Set-Variable -Name $Name -Scope Global -Value $stream
}
$stream.Write($Chunk, 0, $Chunk.Length)

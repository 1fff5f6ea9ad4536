# Unzips the module sent in pieces (Chunk.ps1) into its folder under the temporary folder, unless another session to
# the same computer got there first, and imports it.
param([string] $Name, [string] $Folder)
$ErrorActionPreference = 'Stop'
$stream = Get-Variable -Name $Name -Scope Global -ValueOnly
Remove-Variable -Name $Name -Scope Global
$manifest = Join-Path -Path $Folder -ChildPath 'NeuralPS.psd1'
if (-not (Test-Path -LiteralPath $manifest)) {
    Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.ZipFile
    $temporary = '{0}.{1}.tmp' -f $Folder, [guid]::NewGuid().ToString('N')
    $stream.Position = 0
    $zip = [System.IO.Compression.ZipArchive]::new($stream)
    try { [System.IO.Compression.ZipFileExtensions]::ExtractToDirectory($zip, $temporary) } finally { $zip.Dispose() }
    # Sessions to one computer unpack at the same time: the first rename wins, the others drop their copy.
    try { [System.IO.Directory]::Move($temporary, $Folder) }
    catch {
        Remove-Item -LiteralPath $temporary -Recurse -Force
        if (-not (Test-Path -LiteralPath $manifest)) { throw }
    }
}
Import-Module -Name $manifest -Global

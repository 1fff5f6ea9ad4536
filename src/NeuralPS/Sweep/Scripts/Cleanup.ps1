# Takes back what preparing a session left in it (the data and any piece not yet unpacked), leaving the session as
# usable as the user gave it.
param([string] $DataVariable)
Get-Variable -Name "$DataVariable*" -Scope Global -ErrorAction Ignore | Remove-Variable -Scope Global -ErrorAction Ignore

#!/usr/bin/env bash
# Sets up what the Pester suites need, without root and without a global install, both from NuGet into the NuGet
# packages folder ($NUGET_PACKAGES, else ~/.nuget/packages):
#   - pwsh, at the version the local tool manifest .config/dotnet-tools.json pins (`dotnet tool restore`);
#   - Pester, at the version build/pester/PesterDownload.proj pins (`dotnet restore`).
# It writes .tools/pwsh, a launcher for that pwsh, and prints two lines: the folder to put first on PATH (so that the
# tests, mpirun and the test sshd start this pwsh by name) and the path of Pester's manifest. Messages go to stderr.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

dotnet tool restore >&2
dotnet restore build/pester/PesterDownload.proj -nologo -v q >&2

packages="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p')"
packages="${packages%/}"
pester_version="$(sed -n 's/.*Include="Pester" Version="\[\([0-9.]*\)\]".*/\1/p' build/pester/PesterDownload.proj)"
pester="$packages/pester/$pester_version/tools/Pester.psd1"
[ -f "$pester" ] || { echo "setup-tools: Pester $pester_version is not at $pester after the restore" >&2; exit 1; }

# The restored pwsh says where it lives. `dotnet tool run pwsh` starts it through a launcher that runs
# `dotnet pwsh.dll` as a child process; .tools/pwsh runs pwsh.dll in its own process instead (exec), so that a test
# that stops a pwsh by its process id stops pwsh itself and leaves no child behind.
pshome="$(dotnet tool run pwsh -NoLogo -NoProfile -NonInteractive -Command '$PSHOME' | tail -n 1)"
[ -f "$pshome/pwsh.dll" ] || { echo "setup-tools: the restored pwsh is not where it says ($pshome)" >&2; exit 1; }
dotnet="$(readlink -f "$(command -v dotnet)")"   # absolute: an ssh session's PATH may lack dotnet's folder

mkdir -p .tools
cat > .tools/pwsh.new <<LAUNCHER
#!/bin/sh
# Written by tests/setup-tools.sh: pwsh of .config/dotnet-tools.json, restored from NuGet.
exec "$dotnet" "$pshome/pwsh.dll" "\$@"
LAUNCHER
chmod +x .tools/pwsh.new
mv -f .tools/pwsh.new .tools/pwsh   # a rename: a pwsh starting from the old file meanwhile still reads a whole one
echo "setup-tools: pwsh $(.tools/pwsh -NoLogo -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()'), Pester $pester_version" >&2
echo "$PWD/.tools"
echo "$pester"

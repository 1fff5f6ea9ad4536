#!/usr/bin/env bash
# Runs every test NeuralPS has: the xunit suites (engine, cmdlets, examples) and the Pester suites (when pwsh
# and Pester 5 are on the machine), then prints one line: "tests: N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export ORT_DISABLE_TELEMETRY=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export PATH="$PATH:$HOME/.dotnet/tools"
results=TestResults
rm -rf "$results"
passed=0 failed=0 skipped=0 status=0

dotnet build NeuralPS.sln -c Release -nologo -v q || { echo "tests: 0 passed, 1 failed"; exit 1; }
dotnet test NeuralPS.sln -c Release --no-build --logger "trx" --results-directory "$results" || status=1
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed)))
  skipped=$((skipped + $(get total) - $(get executed)))  # a skipped xunit test is counted in total, not in notExecuted
done

pester=$(ls -d "$HOME"/.nuget/packages/pester/5.*/tools/Pester.psd1 2>/dev/null | sort -V | tail -n 1)
pester_files=$(ls tests/*.Tests.ps1 2>/dev/null | wc -l)
if command -v pwsh >/dev/null && [ -n "$pester" ]; then
  # Output to a file first, then to stderr: `tee /dev/stderr` would reopen a redirected log at offset 0 and
  # write over what came before it.
  mkdir -p "$results"
  pwsh -NoProfile -NonInteractive -Command "
    \$ProgressPreference = 'SilentlyContinue'
    Import-Module '$pester' -MinimumVersion 5.0
    \$c = New-PesterConfiguration
    \$c.Run.Path = './tests'
    \$c.Run.PassThru = \$true
    \$c.Output.Verbosity = 'Detailed'
    \$r = Invoke-Pester -Configuration \$c
    'PESTER {0} {1} {2}' -f \$r.PassedCount, \$r.FailedCount, (\$r.SkippedCount + \$r.NotRunCount)" > "$results/pester.log" 2>&1
  cat "$results/pester.log" >&2
  counts=$(grep -a '^PESTER ' "$results/pester.log" | tail -n 1)
  if [ -n "$counts" ]; then
    read -r _ p f s <<<"$counts"
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    [ "$f" -eq 0 ] || status=1
  else
    echo "Pester did not report results" >&2; failed=$((failed + 1)); status=1
  fi
else
  echo "pwsh or Pester 5 not found: the $pester_files Pester files are reported as skipped" >&2
  skipped=$((skipped + pester_files))
fi

[ "$failed" -eq 0 ] || status=1
echo
if [ "$skipped" -gt 0 ]; then echo "tests: $passed passed, $failed failed, $skipped skipped"; else echo "tests: $passed passed, $failed failed"; fi
exit $status

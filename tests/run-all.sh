#!/usr/bin/env bash
# Runs every test NeuralPS has: the xunit suites (engine, cmdlets, examples) and every Pester file, then prints the
# skipped tests with their reasons and last one line: "tests: N passed, N failed[, N skipped]".
# Needs only the .NET SDK: pwsh and Pester come from NuGet through tests/setup-tools.sh (no root, nothing global).
# Tests that need a service of the machine (Open MPI's mpirun, the test sshd of tests/ci/sshd-start.sh) skip without
# it and say why; .ci/run installs and starts those.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export ORT_DISABLE_TELEMETRY=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
results=TestResults
rm -rf "$results"
mkdir -p "$results"
passed=0 failed=0 skipped=0 status=0
skips=()

dotnet build NeuralPS.sln -c Release -nologo -v q || { echo "tests: 0 passed, 1 failed"; exit 1; }
dotnet test NeuralPS.sln -c Release --no-build --logger "trx" --results-directory "$results" || status=1
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed)))
  skipped=$((skipped + $(get total) - $(get executed)))  # a skipped xunit test is counted in total, not in notExecuted
  # Each skipped test's name and the reason xunit gives (the first <Message> after it).
  while IFS= read -r line; do skips+=("$line"); done < <(awk '
    /outcome="NotExecuted"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); want = 1 }
    want && /<Message>/ { sub(/.*<Message>/, ""); sub(/<\/Message>.*/, ""); print name ": " $0; want = 0 }' "$trx")
done

pester_files=$(ls tests/*.Tests.ps1 | wc -l)
if tools=$(bash tests/setup-tools.sh 2>"$results/setup-tools.log"); then
  cat "$results/setup-tools.log" >&2
  { read -r bin; read -r pester; } <<<"$tools"
  # Output to a file first, then to stderr: `tee /dev/stderr` would reopen a redirected log at offset 0 and
  # write over what came before it.
  PATH="$bin:$PATH" "$bin/pwsh" -NoProfile -NonInteractive -File tests/run-pester.ps1 -PesterManifest "$pester" \
    > "$results/pester.log" 2>&1
  grep -av '^SKIPPED \|^PESTER ' "$results/pester.log" >&2
  while IFS= read -r line; do skips+=("${line#SKIPPED }"); done < <(grep -a '^SKIPPED ' "$results/pester.log")
  counts=$(grep -a '^PESTER ' "$results/pester.log" | tail -n 1)
  if [ -n "$counts" ]; then
    read -r _ p f s <<<"$counts"
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  else
    echo "Pester did not report results (see $results/pester.log)" >&2; failed=$((failed + 1))
  fi
else
  cat "$results/setup-tools.log" >&2
  echo "pwsh and Pester could not be restored from NuGet (above): the $pester_files Pester files count as failed" >&2
  failed=$((failed + pester_files))
fi

[ "$failed" -eq 0 ] || status=1
echo
if [ "${#skips[@]}" -gt 0 ]; then
  echo "Skipped (${#skips[@]}):"
  printf '  %s\n' "${skips[@]}"
fi
if [ "$skipped" -gt 0 ]; then echo "tests: $passed passed, $failed failed, $skipped skipped"; else echo "tests: $passed passed, $failed failed"; fi
exit $status

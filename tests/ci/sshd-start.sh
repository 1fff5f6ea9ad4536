#!/usr/bin/env bash
# Starts a private sshd on 127.0.0.1 for the PowerShell-remoting tests (tests/Sweep.Tests.ps1): its own port, config,
# host key and client key, all in one folder, and a `Subsystem powershell` line so that `New-PSSession -HostName`
# reaches pwsh. The tests read the folder; tests/ci/sshd-stop.sh stops the server by its pid file.
#   NEURALPS_SSHD_DIR   the folder (default /tmp/neuralps-sshd)
#   NEURALPS_SSHD_PORT  the port (default 2222)
set -euo pipefail
dir="${NEURALPS_SSHD_DIR:-/tmp/neuralps-sshd}"
port="${NEURALPS_SSHD_PORT:-2222}"
sshd=/usr/sbin/sshd
[ -x "$sshd" ] || { echo "sshd-start: $sshd is missing (apt-get install openssh-server)" >&2; exit 1; }
# The pwsh on PATH (.ci/run puts the one of tests/setup-tools.sh first), else that one where setup-tools.sh writes it.
pwsh_path="$(command -v pwsh || true)"
[ -n "$pwsh_path" ] || pwsh_path="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.tools/pwsh"
[ -x "$pwsh_path" ] || { echo "sshd-start: pwsh not found (run tests/setup-tools.sh first)" >&2; exit 1; }

# A server from an earlier run in this folder is stopped first, so its keys are not replaced under it.
"$(dirname "${BASH_SOURCE[0]}")/sshd-stop.sh" >/dev/null 2>&1 || true
rm -rf "$dir"
mkdir -p "$dir"
chmod 700 "$dir"
ssh-keygen -q -t ed25519 -N '' -C neuralps-sshd-host -f "$dir/host_key"
ssh-keygen -q -t ed25519 -N '' -C neuralps-sshd-client -f "$dir/client_key"
cp "$dir/client_key.pub" "$dir/authorized_keys"
# The client trusts exactly this host key, under both names the tests may use.
host_pub="$(cut -d' ' -f1,2 "$dir/host_key.pub")"
printf '[127.0.0.1]:%s %s\n[localhost]:%s %s\n' "$port" "$host_pub" "$port" "$host_pub" > "$dir/known_hosts"
# A dotnet tool's launcher finds its runtime through DOTNET_ROOT when dotnet is not in a standard place.
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"

cat > "$dir/sshd_config" <<CONFIG
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# The key files live in a temporary folder, which StrictModes would refuse to trust.
StrictModes no
MaxSessions 20
MaxStartups 20:30:60
SetEnv DOTNET_ROOT=$dotnet_root
Subsystem powershell $pwsh_path -sshs -NoLogo -NoProfile
CONFIG
echo "$port" > "$dir/port"
whoami > "$dir/user"

mkdir -p /run/sshd # privilege separation directory that Debian's sshd requires
"$sshd" -t -f "$dir/sshd_config"
"$sshd" -f "$dir/sshd_config" -E "$dir/sshd.log"
for _ in $(seq 50); do
  [ -s "$dir/sshd.pid" ] && break
  sleep 0.1
done
[ -s "$dir/sshd.pid" ] || { echo "sshd-start: sshd did not start; see $dir/sshd.log" >&2; cat "$dir/sshd.log" >&2 || true; exit 1; }
echo "sshd-start: sshd $(cat "$dir/sshd.pid") on 127.0.0.1:$port, keys in $dir"

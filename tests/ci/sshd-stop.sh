#!/usr/bin/env bash
# Stops the sshd that tests/ci/sshd-start.sh started, by its pid file, and waits until it is gone.
set -uo pipefail
dir="${NEURALPS_SSHD_DIR:-/tmp/neuralps-sshd}"
pidfile="$dir/sshd.pid"
[ -s "$pidfile" ] || { echo "sshd-stop: no $pidfile, nothing to stop"; exit 0; }
pid="$(cat "$pidfile")"
# Connections still open (a test that failed before removing its sessions) are children of the listener: end them too.
pkill -TERM -P "$pid" 2>/dev/null
if kill "$pid" 2>/dev/null; then
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  echo "sshd-stop: stopped sshd $pid"
fi
rm -f "$pidfile"

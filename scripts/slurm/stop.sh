#!/bin/sh
# Stops the cluster that start.sh started: the PIDs it recorded, never
# processes found by name. Idempotent: with nothing running it does nothing.
set -eu

STATE=${ABLATE_SLURM_STATE:-/tmp/ablate-slurm}

log() { printf 'slurm/stop: %s\n' "$*" >&2; }

# A recorded PID counts only while it still runs the program it was started as.
ours() {
  pid=$1
  expected=$2
  [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$expected" ]
}

# Sends SIGTERM to the recorded process; prints its PID when it was ours and running.
term() {
  file="$STATE/$1.pid"
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  rm -f "$file"
  if ours "$pid" "$1"; then
    kill -TERM "$pid" 2>/dev/null || true
    echo "$pid"
  fi
}

# Waits up to 10 s for the PIDs to exit, then kills what is left.
reap() {
  for pid in "$@"; do
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
      i=$((i + 1))
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$pid ignored SIGTERM for 10 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

# Jobs first, so that no job's processes outlive the cluster.
if [ -f "$STATE/slurmctld.pid" ] && command -v scancel >/dev/null; then
  scancel --quiet --user="$(id -un)" 2>/dev/null || true
  i=0
  while [ -n "$(squeue --noheader --user="$(id -un)" 2>/dev/null)" ] && [ $i -lt 100 ]; do
    i=$((i + 1))
    sleep 0.1
  done
fi
# Both daemons take a second or two to shut down; let them do it side by side. munged last: they use it until then.
reap $(term slurmd) $(term slurmctld)
reap $(term munged)
log "stopped"

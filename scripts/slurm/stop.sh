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

stop() {
  name=$1
  file="$STATE/$name.pid"
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if ours "$pid" "$name"; then
    kill -TERM "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
      i=$((i + 1))
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name ($pid) ignored SIGTERM for 10 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

# Jobs first (their steps are children of slurmd), so no job outlives the cluster.
if [ -f "$STATE/slurmctld.pid" ] && command -v scancel >/dev/null; then
  scancel --quiet --user="$(id -un)" 2>/dev/null || true
  i=0
  while [ -n "$(squeue --noheader --user="$(id -un)" 2>/dev/null)" ] && [ $i -lt 100 ]; do
    i=$((i + 1))
    sleep 0.1
  done
fi
stop slurmd
stop slurmctld
stop munged
log "stopped"

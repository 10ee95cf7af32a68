#!/bin/sh
# Starts a single-node Slurm cluster on this machine for the Slurm tests:
# munged, slurmctld -D and slurmd -D as background processes (no systemd),
# their PIDs recorded under $ABLATE_SLURM_STATE (default /tmp/ablate-slurm)
# so that stop.sh ends exactly these processes.
#
# Idempotent: if the cluster this script started still answers, it does
# nothing. Installs Debian's slurmctld slurmd slurm-client munge when absent.
# Needs root (packages, /etc/slurm/slurm.conf, /run/munge).
#
# Environment:
#   ABLATE_SLURM_STATE  state directory (default /tmp/ablate-slurm)
#   ABLATE_SLURM_CPUS   CPUs the node offers (default: nproc; more lets more
#                       test jobs sleep side by side)
set -eu

STATE=${ABLATE_SLURM_STATE:-/tmp/ablate-slurm}
CONF=/etc/slurm/slurm.conf
MARK='# written by ablate scripts/slurm/start.sh'
HOST=$(hostname -s)

log() { printf 'slurm/start: %s\n' "$*" >&2; }

alive() { [ -f "$STATE/$1.pid" ] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

if [ "$(id -u)" != 0 ]; then
  log "needs root (installs packages, writes $CONF and /run/munge)"
  exit 1
fi

if alive munged && alive slurmctld && alive slurmd && sinfo --noheader >/dev/null 2>&1; then
  log "already running ($STATE)"
  exit 0
fi

# A half-started or crashed cluster: stop what is left of it, then start clean.
"$(dirname "$0")/stop.sh" >/dev/null 2>&1 || true

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  log "installing slurmctld slurmd slurm-client munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq slurmctld slurmd slurm-client munge >/dev/null
fi

if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
  log "$CONF exists and was not written by this script; refusing to replace it"
  exit 1
fi

CPUS=${ABLATE_SLURM_CPUS:-$(nproc)}
MEM_MB=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)
mkdir -p "$STATE/ctld" "$STATE/spool" /etc/slurm
cat >"$CONF" <<EOF
$MARK
ClusterName=ablate
SlurmctldHost=$HOST(127.0.0.1)
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.daemon.pid
SlurmdPidFile=$STATE/slurmd.daemon.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
# No cgroups in a container without systemd.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=256
# Dependents of a failed job are cancelled instead of pending forever.
DependencyParameters=kill_invalid_depend
# Otherwise each job waits about 3 s more before it is scheduled.
SchedulerParameters=batch_sched_delay=0
# The node offers what this file says (ABLATE_SLURM_CPUS may exceed the cores).
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=5
MinJobAge=600
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

# munge: its socket directory, owned by the munge user, which munged runs as.
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
chmod 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 2>/dev/null
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
fi

start() {
  name=$1
  shift
  "$@" >>"$STATE/$name.out" 2>&1 </dev/null &
  echo $! >"$STATE/$name.pid"
}

# setpriv execs, so the recorded PID is munged's own.
start munged setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --foreground
i=0
until [ -S /run/munge/munge.socket.2 ]; do
  i=$((i + 1))
  if [ $i -gt 100 ]; then log "munged did not start; see $STATE/munged.out"; exit 1; fi
  sleep 0.1
done

# -c: forget jobs of an earlier cluster; job ids start again.
start slurmctld /usr/sbin/slurmctld -D -c -f "$CONF"
start slurmd /usr/sbin/slurmd -D -f "$CONF"

i=0
until [ "$(sinfo --noheader --format=%T 2>/dev/null | head -1)" = idle ]; do
  i=$((i + 1))
  if [ $i -gt 300 ]; then
    log "the node did not become idle in 30 s; logs in $STATE"
    sinfo >&2 || true
    tail -n 20 "$STATE/slurmctld.log" "$STATE/slurmd.log" >&2 || true
    exit 1
  fi
  if ! alive slurmctld || ! alive slurmd; then
    log "a daemon exited; logs in $STATE"
    tail -n 20 "$STATE/slurmctld.out" "$STATE/slurmd.out" "$STATE/slurmctld.log" "$STATE/slurmd.log" >&2 2>/dev/null || true
    exit 1
  fi
  sleep 0.1
done
log "up: node $HOST, $CPUS CPUs, ${MEM_MB} MB ($STATE)"

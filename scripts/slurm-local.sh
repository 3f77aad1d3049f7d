#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine, for catapult's
# `--executor slurm` tests and for trying the cluster path by hand.
#
#   scripts/slurm-local.sh install        apt-get the Debian packages (root)
#   scripts/slurm-local.sh up   [DIR]     start munged, slurmctld, slurmd; wait until the node is idle
#   scripts/slurm-local.sh down [DIR]     cancel jobs, stop the daemons, check no process is left
#   scripts/slurm-local.sh status [DIR]   print sinfo
#
# DIR (default $CATAPULT_SLURM_DIR or /tmp/catapult-slurm) holds the
# configuration, munge key and socket, state, spool, logs and pid files.
# `up` writes DIR/env (`export SLURM_CONF=...`): source it, or set SLURM_CONF,
# to use sbatch/squeue/scontrol against this cluster. Ports come from
# CATAPULT_SLURM_PORT (slurmctld; slurmd uses the next one), default 6817.
#
# Runs as root without systemd (Debian 12: Slurm 22.05). Exit codes:
# 0 ok, 1 a daemon failed to start or stop (its log is printed), 3 Slurm or
# munge is not installed / not root.
set -euo pipefail

cmd=${1:-}
dir=${2:-${CATAPULT_SLURM_DIR:-/tmp/catapult-slurm}}
port=${CATAPULT_SLURM_PORT:-6817}

need() {
  for b in munged mungekey slurmctld slurmd sbatch squeue scontrol sinfo scancel; do
    if ! command -v "$b" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$b" ]; then
      echo "slurm-local: '$b' is not installed; run: scripts/slurm-local.sh install" >&2
      exit 3
    fi
  done
  if [ "$(id -u)" != 0 ]; then
    echo "slurm-local: must run as root (SlurmUser=root, munge key owned by root)" >&2
    exit 3
  fi
}

export PATH="$PATH:/usr/sbin"

case "$cmd" in
install)
  if command -v slurmctld >/dev/null 2>&1 || [ -x /usr/sbin/slurmctld ]; then exit 0; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurmctld slurmd slurm-client munge >/dev/null
  ;;

up)
  need
  mkdir -p "$dir"/{state,spool,log,run,munge}
  chmod 700 "$dir/munge"
  host=$(hostname -s)
  cpus=$(nproc)
  # leave 1 GiB to the system, never claim more than the machine has
  mem=$(awk '/MemTotal/ { m = int($2 / 1024) - 1024; print (m > 512 ? m : 512) }' /proc/meminfo)
  if [ ! -f "$dir/munge/munge.key" ]; then
    mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null 2>&1 \
      || dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chmod 600 "$dir/munge/munge.key"
  fi
  if [ ! -S "$dir/munge/munge.socket" ] || ! pgrep -F "$dir/run/munged.pid" >/dev/null 2>&1; then
    munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
      --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" \
      --seed-file="$dir/munge/munge.seed" --origin=127.0.0.1 --force
  fi
  cat >"$dir/slurm.conf" <<EOF
ClusterName=catapult-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MailProg=/bin/true
MinJobAge=600
MaxArraySize=10001
MaxJobCount=20000
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  echo "export SLURM_CONF=$dir/slurm.conf" >"$dir/env"
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -f "$SLURM_CONF" -i
  slurmd -f "$SLURM_CONF"
  for _ in $(seq 1 150); do
    state=$(sinfo -h -N -o %T 2>/dev/null | head -1 || true)
    if [ "$state" = idle ]; then
      echo "slurm-local: up ($host, $cpus CPUs, ${mem} MB); SLURM_CONF=$SLURM_CONF"
      exit 0
    fi
    sleep 0.2
  done
  echo "slurm-local: the node did not become idle within 30 s (state: '${state:-none}')" >&2
  tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
  exit 1
  ;;

down)
  export SLURM_CONF="$dir/slurm.conf"
  if [ -f "$SLURM_CONF" ]; then
    scancel --full --quiet --partition=debug 2>/dev/null || true
    scontrol shutdown >/dev/null 2>&1 || true
  fi
  # wait for the daemons to exit, then stop munge
  for _ in $(seq 1 100); do
    alive=0
    for p in slurmctld slurmd; do
      if [ -f "$dir/run/$p.pid" ] && kill -0 "$(cat "$dir/run/$p.pid")" 2>/dev/null; then alive=1; fi
    done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for p in slurmctld slurmd; do
    if [ -f "$dir/run/$p.pid" ] && kill -0 "$(cat "$dir/run/$p.pid")" 2>/dev/null; then
      echo "slurm-local: $p did not stop; killing it" >&2
      kill -9 "$(cat "$dir/run/$p.pid")" 2>/dev/null || true
    fi
  done
  if [ -f "$dir/run/munged.pid" ]; then
    munged --stop --socket="$dir/munge/munge.socket" >/dev/null 2>&1 \
      || kill "$(cat "$dir/run/munged.pid")" 2>/dev/null || true
  fi
  # slurmstepd processes of killed jobs are the usual strays
  left=$(pgrep -a -f "slurmstepd|slurmctld -f $dir|slurmd -f $dir|munged --key-file=$dir" || true)
  if [ -n "$left" ]; then
    echo "slurm-local: processes left after shutdown:" >&2
    echo "$left" >&2
    exit 1
  fi
  echo "slurm-local: down"
  ;;

status)
  export SLURM_CONF="$dir/slurm.conf"
  sinfo
  ;;

*)
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
  ;;
esac

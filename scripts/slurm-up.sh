#!/usr/bin/env bash
# slurm-up.sh — start a real single-node Slurm cluster on this machine, for
# nnfc sweep --executor slurm and its tests: munge with a key, a minimal
# /etc/slurm/slurm.conf for one node named after `hostname -s` with the
# machine's CPUs and memory (as `slurmd -C` reports them), slurmctld and
# slurmd; it waits until sinfo shows the node idle.
#
# Idempotent: a cluster that already answers with the node idle is left
# alone; a stopped daemon is started again. Needs root (it writes /etc/slurm
# and starts the daemons) and the Debian packages slurm-wlm and munge
# (scripts/apt-ensure.sh slurm-wlm munge). `scripts/slurm-up.sh --down` stops
# the daemons this script started.
set -euo pipefail

CONF=/etc/slurm/slurm.conf
NODE=$(hostname -s)
LOGDIR=/var/log/slurm
STATE=/var/spool/slurmctld
SPOOL=/var/spool/slurmd

die() { echo "slurm-up: $*" >&2; exit 1; }

for b in munged slurmctld slurmd sinfo scontrol; do
	command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || die "$b not found: install the Debian packages slurm-wlm and munge (scripts/apt-ensure.sh slurm-wlm munge)"
done
[ "$(id -u)" -eq 0 ] || exec sudo "$0" "$@" # writes $CONF, starts munged, slurmctld, slurmd
export PATH="$PATH:/usr/sbin"

pidof_daemon() { pgrep -x "$1" >/dev/null 2>&1; }

if [ "${1:-}" = "--down" ]; then
	for d in slurmd slurmctld; do
		if [ -f "/run/$d.pid" ]; then kill "$(cat "/run/$d.pid")" 2>/dev/null || true; fi
	done
	echo "slurm-up: slurmctld and slurmd stopped (munged left running)"
	exit 0
fi

node_idle() {
	sinfo -h -N -n "$NODE" -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'
}

# munge: a key (the package creates one; make one if it is missing) and the daemon.
if [ ! -s /etc/munge/munge.key ]; then
	mkdir -p /etc/munge
	dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
fi
chown munge:munge /etc/munge/munge.key 2>/dev/null || true
chmod 400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
	mkdir -p /run/munge /var/lib/munge /var/log/munge
	chown munge:munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
	chmod 755 /run/munge
	rm -f /run/munge/munged.pid
	if id munge >/dev/null 2>&1; then
		runuser -u munge -- munged
	else
		munged --force
	fi
	for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
	munge -n | unmunge >/dev/null || die "munged does not answer (see /var/log/munge/munged.log)"
fi

# slurm.conf for this machine: the node line from slurmd -C (CPUs, sockets,
# cores, threads, memory).
nodeline=$(slurmd -C | head -1)
case "$nodeline" in NodeName=*) ;; *) die "slurmd -C did not describe this node: $nodeline" ;; esac
mkdir -p /etc/slurm "$LOGDIR" "$STATE" "$SPOOL"
tmp=$(mktemp)
cat >"$tmp" <<EOF
# Written by nnfc's scripts/slurm-up.sh: a single-node cluster on $NODE.
ClusterName=nnfc
SlurmctldHost=$NODE
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
StateSaveLocation=$STATE
SlurmdSpoolDir=$SPOOL
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOGDIR/slurmctld.log
SlurmdLogFile=$LOGDIR/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=30
KillWait=10
MinJobAge=300
$nodeline State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
# UpTime= is not a slurm.conf parameter (slurmd -C prints it on line 2; head -1 drops it).
changed=0
if ! cmp -s "$tmp" "$CONF"; then
	mv "$tmp" "$CONF"
	chmod 644 "$CONF"
	changed=1
else
	rm -f "$tmp"
fi

if [ "$changed" = 1 ] && pidof_daemon slurmctld; then
	scontrol reconfigure >/dev/null 2>&1 || true
fi
started_ctld=0
if ! pidof_daemon slurmctld; then
	rm -f /run/slurmctld.pid
	slurmctld
	started_ctld=1
fi
if [ "$started_ctld" = 1 ] && pidof_daemon slurmd && [ -f /run/slurmd.pid ]; then
	# A slurmd that outlived its controller registers again only on its
	# own schedule (the node shows "unk" meanwhile): restart it.
	kill "$(cat /run/slurmd.pid)" 2>/dev/null || true
	for _ in $(seq 50); do pidof_daemon slurmd || break; sleep 0.1; done
fi
if ! pidof_daemon slurmd; then
	rm -f /run/slurmd.pid
	slurmd
fi

for _ in $(seq 300); do
	if node_idle; then
		echo "slurm-up: node $NODE is up ($(sinfo -h -N -n "$NODE" -o '%t, %c CPUs, %m MB'))"
		exit 0
	fi
	state=$(sinfo -h -N -n "$NODE" -o '%t' 2>/dev/null || true)
	case "$state" in down*|drain*) scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true ;; esac
	sleep 0.2
done
die "node $NODE is not idle after 60 s (sinfo: $(sinfo -h -N 2>&1 | head -3)); see $LOGDIR/slurmctld.log and $LOGDIR/slurmd.log"

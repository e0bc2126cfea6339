#!/bin/sh
# mbox-bench once, in its tiny configuration (busybox sh in the VM): it must run every
# mechanism it can and check every payload. No timing is judged here; `make bench`
# measures. MBOX_BENCH (default mbox-bench on PATH) is the program under test.
. "${MBOX_KTAP:-/lib/mbox/ktap.sh}"

bench=${MBOX_BENCH:-mbox-bench}
csv=/tmp/bench_test.$$.csv

ran() {	# the tiny run exits 0: every payload it received was intact
	timeout 600 "$bench" --tiny >"$csv"
}

peers_ok() {	# no peer failed to open with the equal capacity
	! grep -E ',peer,[0-9]+,(unavailable|na:open)' "$csv"
}

mbox_ok() {	# /dev/mbox was measured, plain and with the call ioctl
	grep -q ',mbox,mbox,1,ok,' "$csv" && grep -q ',mbox-call,mbox,1,ok,' "$csv"
}

fanout_ok() {	# 1 publisher -> 1, 2, 4, 8 subscribers, each message checked by each
	for n in 1 2 4 8; do
		grep -q "^fanout,$n,64,mbox,mbox,1,ok," "$csv" || return 1
	done
}

cost_ok() {	# one process's sends and receives timed, no wakeups: mbox, a peer, and
		# the floors of a read()/write() and an ioctl() refused at once
	for m in mbox,mbox sysv-msg,peer rw-ring,floor ioctl-ring,floor; do
		grep -q "^cost,1,64,$m,1,ok," "$csv" || return 1
	done
}

catches_corruption() {	# one flipped byte fails the whole run
	! timeout 300 "$bench" --tiny --patterns=stream --sizes=4K --corrupt=5 \
		>/dev/null 2>&1
}

ktap_plan 6
ktap_ok "mbox-bench --tiny runs, every payload checked" ran
ktap_ok "every peer opened with equal capacity" peers_ok
ktap_ok "mbox measured (write/read and call)" mbox_ok
ktap_ok "fan-out to 1-8 subscribers measured" fanout_ok
ktap_ok "CPU per message measured in one process, with its floors" cost_ok
ktap_ok "a corrupted payload fails the run" catches_corruption
rm -f "$csv"
ktap_done

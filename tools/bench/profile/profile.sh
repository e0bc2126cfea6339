#!/bin/bash
# `make profile`: where the instructions of one send and one receive go, function
# by function. mbox-bench's cost cell (one process sends a burst, then receives it)
# runs on a vCPU whose clock counts instructions (vm.sh MBOX_VM_ICOUNT), with the
# insn-profile QEMU plugin counting what each translation block runs between the
# marks mbox-bench --profile sets around its timed slices; profile.py adds that
# up by function and by where it goes. KERNEL (default 6.12), PROFILE_SIZE
# (default 64), PROFILE_MECHS (default mbox,pipe), PROFILE_ARGS (more mbox-bench
# arguments, ':' for blanks). Writes $MBOX_BUILD/profile/profile.txt, and prints it.
set -eu
. "$(dirname "$0")/../../testing/lib.sh"
kernel=${KERNEL:-6.12} size=${PROFILE_SIZE:-64} mechs=${PROFILE_MECHS:-mbox,pipe}
out=$MBOX_BUILD/profile
rm -rf "$out" && mkdir -p "$out"
cc -shared -fPIC -O2 -Wall -o "$out/insn-profile.so" \
	"$MBOX_TOP/tools/bench/profile/insn-profile.c" -lpthread
args=--patterns=cost:--sizes=$size:--mechs=$mechs:--reps=1:--settle=5:--profile
MBOX_VM_ICOUNT=1 MBOX_VM_PLUGIN="$out/insn-profile.so,out=$out/interval" \
MBOX_BENCH_ARGS=$args${PROFILE_ARGS:+:$PROFILE_ARGS} \
	"$MBOX_TOP/tools/testing/vm.sh" "$kernel" bench >"$out/vm.log" 2>&1 ||
	{ cat "$out/vm.log" >&2; mbox_die "the VM run failed"; }
report=$MBOX_BUILD/vm-$kernel-icount/report.log
grep -qx 'mbox-vm: bench exit 0' "$report" || mbox_die "mbox-bench failed: $report"
/usr/bin/python3 "$MBOX_TOP/tools/bench/profile/profile.py" "$report" "$out/interval" \
	"$kernel" "$size" | tee "$out/profile.txt"

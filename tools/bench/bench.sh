#!/bin/bash
# `make bench`: mbox-bench in a VM of each kernel of $KERNEL (default "6.1 6.12"), then
# the tables, targets, CSV and plot of tools/bench/report.py. The guest sends its CSV
# rows back on the second serial port, each prefixed "mbox-vm: csv ".
# MBOX_BENCH_ARGS (':' for blanks, e.g. --quick:--reps=3) go to mbox-bench.
# Writes $MBOX_BUILD/bench/: results.csv, meta-KERNEL.txt, bench.png, run logs.
set -eu
. "$(dirname "$0")/../testing/lib.sh"
kernels=${KERNEL:-6.1 6.12}
# vm.sh passes MBOX_BENCH_ARGS to the guest when set; it refuses an empty value.
[ -n "${MBOX_BENCH_ARGS:-}" ] || unset MBOX_BENCH_ARGS
out=$MBOX_BUILD/bench
mkdir -p "$out"
csv=$out/results.csv
header='kernel,pattern,n,size,mech,kind,rep,status,msgs,seconds,msgs_per_s,mb_per_s,p50_ns,p99_ns,mean_ns,csw_per_msg'
echo "$header" >"$csv"

for k in $kernels; do
	# figures from the debug kernel would measure its sanitizers
	[ "$k" != debug ] || mbox_die "no benchmark on the debug kernel"
	mbox_log "bench: $k (guest progress: $MBOX_BUILD/vm-$k/console.log)"
	MBOX_VM_TIMEOUT=${MBOX_VM_TIMEOUT:-2400} \
		"$MBOX_TOP/tools/testing/vm.sh" "$k" bench >"$out/vm-$k.log" 2>&1 ||
		{ cat "$out/vm-$k.log" >&2; mbox_die "the VM run on $k failed"; }
	report=$MBOX_BUILD/vm-$k/report.log
	grep -qx 'mbox-vm: bench exit 0' "$report" ||
		{ grep -B2 -A20 'mbox-bench:' "$MBOX_BUILD/vm-$k/console.log" >&2 || true;
		  mbox_die "mbox-bench failed on $k (a bad payload fails it): $report"; }
	sed -n 's/^mbox-vm: csv //p' "$report" >"$out/raw-$k.csv"
	grep '^#' "$out/raw-$k.csv" >"$out/meta-$k.txt" || true
	grep -v -e '^#' -e '^pattern,' "$out/raw-$k.csv" | sed "s/^/$k,/" >>"$csv"
done
exec /usr/bin/python3 "$MBOX_TOP/tools/bench/report.py" "$csv" "$out"

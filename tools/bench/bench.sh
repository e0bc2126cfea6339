#!/bin/bash
# `make bench`: mbox-bench in a VM of each kernel of $KERNEL (default "6.1 6.12"), then
# the tables, targets, CSV and plot of tools/bench/report.py. The guest sends its CSV
# rows back on the second serial port, each prefixed "mbox-vm: csv ".
# MBOX_BENCH_ARGS (':' for blanks, e.g. --quick:--reps=3) go to mbox-bench.
# Then the cost cell and the round trip again on one vCPU whose clock counts
# instructions (vm.sh MBOX_VM_ICOUNT): their rows are the patterns
# "instructions" and "instructions-rtt".
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

# Boot $1 once to run mbox-bench ($2 names the run: $1, or $1-icount); its rows,
# the kernel first, go to the CSV, through the sed script $3.
bench_boot() {
	local k=$1 run=$2 rows=$3 report=$MBOX_BUILD/vm-$2/report.log
	mbox_log "bench: $run (guest progress: $MBOX_BUILD/vm-$run/console.log)"
	MBOX_VM_TIMEOUT=${MBOX_VM_TIMEOUT:-2400} \
		"$MBOX_TOP/tools/testing/vm.sh" "$k" bench >"$out/vm-$run.log" 2>&1 ||
		{ cat "$out/vm-$run.log" >&2; mbox_die "the VM run on $run failed"; }
	grep -qx 'mbox-vm: bench exit 0' "$report" ||
		{ grep -B2 -A20 'mbox-bench:' "$MBOX_BUILD/vm-$run/console.log" >&2 || true;
		  mbox_die "mbox-bench failed on $run (a bad payload fails it): $report"; }
	sed -n 's/^mbox-vm: csv //p' "$report" >"$out/raw-$run.csv"
	grep '^#' "$out/raw-$run.csv" >"$out/meta-$run.txt" || true
	grep -v -e '^#' -e '^pattern,' "$out/raw-$run.csv" | sed -e "$rows" -e "s/^/$k,/" >>"$csv"
}

for k in $kernels; do
	# figures from the debug kernel would measure its sanitizers
	[ "$k" != debug ] || mbox_die "no benchmark on the debug kernel"
	bench_boot "$k" "$k" ''
	# The cost cell and the round trip once more, on a vCPU whose clock counts
	# instructions: what each mechanism does per message and per round trip
	# (its two context switches included), free of the host's noise.
	MBOX_VM_ICOUNT=1 \
	MBOX_BENCH_ARGS=--patterns=cost,pingpong:--sizes=8,64:--reps=5:--settle=5 \
		bench_boot "$k" "$k-icount" 's/^cost,/instructions,/; s/^pingpong,/instructions-rtt,/'
done
exec /usr/bin/python3 "$MBOX_TOP/tools/bench/report.py" "$csv" "$out"

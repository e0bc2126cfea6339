#!/bin/bash
# Judge one VM run from its two logs: the guest's report (result.log, second serial port)
# and the kernel console (console.log). Prints each failure, then the line
#   kernel NAME (RELEASE): N passed, N failed, N skipped
# and exits 1 if anything failed. Counted: insmod, every selftest case, rmmod, a clean
# kernel log and, where the kernel has kmemleak, a leak scan that ran.
set -eu
[ $# -eq 5 ] || { echo "usage: vm-report.sh NAME RELEASE OUTDIR QEMU_RC KDIR" >&2; exit 2; }
name=$1 release=$2 out=$3 qemu_rc=$4 kdir=$5
con=$out/console.log res=$out/report.log
touch "$con" "$out/result.log"
# The guest's tty turned each newline into CR LF.
tr -d '\r' <"$out/result.log" >"$res"
pass=0 fail=0 skip=0

problem() { echo "  FAIL [$name] $*"; fail=$((fail + 1)); }
step() {
	if grep -qx "mbox-vm: $1" "$res"; then pass=$((pass + 1)); else problem "no '$1' from the guest"; fi
}

if ! grep -qx 'mbox-vm: end' "$res"; then
	problem "the VM did not finish (qemu exit $qemu_rc: crash, panic or timeout); console tail:"
	tail -n 40 "$con" | sed 's/^/    | /'
fi
step "insmod ok"

totals_re='Totals: pass:[0-9]+ fail:[0-9]+ xfail:[0-9]+ xpass:[0-9]+ skip:[0-9]+ error:[0-9]+'
for t in $(sed -n 's/^mbox-vm: run //p' "$res"); do
	section=$(sed -n "/^mbox-vm: run $t\$/,/^mbox-vm: exit $t /p" "$res")
	totals=$(printf '%s\n' "$section" | grep -oE "$totals_re" | tail -n 1 || true)
	if [ -z "$totals" ]; then
		problem "$t did not finish"
		continue
	fi
	set -- $(printf '%s\n' "$totals" | tr -c '0-9\n' ' ')
	pass=$((pass + $1 + $3)) fail=$((fail + $2 + $4 + $6)) skip=$((skip + $5))
	printf '%s\n' "$section" | grep -E '^not ok' | sed "s/^/  FAIL [$name] $t: /" || true
	# A failure seen only in CI must tell its story: the case's last diagnostics.
	if printf '%s\n' "$section" | grep -qE '^not ok'; then
		printf '%s\n' "$section" | sed -n '/^#  RUN /h; /^#  RUN /!H; /^not ok/{x; p; q}' |
			grep -E '^#' | tail -n 30 | sed 's/^/    | /'
	fi
done

step "rmmod ok"
if grep -q '^CONFIG_DEBUG_KMEMLEAK=y' "$kdir/.config" 2>/dev/null; then
	step "kmemleak scanned"
fi

report_re='BUG:|WARNING:|Oops|KASAN:|UBSAN:|Kernel panic|general protection|unreferenced object|Call Trace:'
first=$(grep -nE "$report_re" "$con" | head -n 1 | cut -d: -f1)
leaks=$(grep -cE 'unreferenced object' "$res" || true)
if [ -n "$first" ] || [ "$leaks" -gt 0 ]; then
	problem "kernel reports in the guest log ($con, $res):"
	[ -z "$first" ] || sed -n "$((first > 5 ? first - 5 : 1)),$((first + 40))p" "$con" | sed 's/^/    | /'
	[ "$leaks" -eq 0 ] || grep -A 20 -m 1 'unreferenced object' "$res" | sed 's/^/    | /'
else
	pass=$((pass + 1))
fi

# Campaign summaries the tests print ("stress: ...", "fuzz: ...", "faultinject: ..."), as
# they are.
grep -oE '(stress: [0-9]+ messages|fuzz: [0-9]+ calls|faultinject: [0-9]+ sites), .*' "$res" || true
echo "kernel $name ($release): $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]

#!/bin/bash
# The test command behind `make check`: install what is missing, run the static checks,
# then build the module for every kernel and run the selftests in a VM on each.
# Then the mbox-bridge test in two VMs (bridge-vm.sh), and a short `make profile`.
# Prints one line per static check and per kernel, the bridge's two lines, the
# profile's, and as its last line
#   N passed, N failed[, N skipped]
# KERNEL="6.1 6.12" (say) limits the kernels; the default is all of $MBOX_KERNELS_ALL.
set -u
. "$(dirname "$0")/lib.sh"
cd "$MBOX_TOP"
start=$(date +%s)
"$MBOX_TOP/tools/testing/install-deps.sh" || mbox_die "installing dependencies failed"
kernels=${KERNEL:-$MBOX_KERNELS_ALL}
mkdir -p "$MBOX_BUILD"
pass=0 fail=0 skip=0 summary=()

# The debug kernel takes long to build the first time: start it now, in parallel.
case " $kernels " in *" debug "*)
	"$MBOX_TOP/tools/testing/debug-kernel.sh" >"$MBOX_BUILD/debug-kernel.log" 2>&1 &
	debug_pid=$! ;;
esac

# A static check: its name, its log, the pattern of a warning, and a pattern proving
# the tool really ran; passes when the proof is there and no line is a warning.
static_check() {
	local name=$1 log=$2 pattern=$3 proof=$4 n
	n=$(grep -cE "$pattern" "$log")
	grep -qE "$proof" "$log" || { echo "error: $name did not run" >>"$log"; n=$((n + 1)); }
	summary+=("$name: $n warnings")
	if [ "$n" -eq 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "== $name ($log)"
		grep -E "$pattern" "$log" | head -n 30
	fi
}

src=$(mbox_linux_source)
kernel_files="module/*.c module/*.h uapi/linux/mbox.h"
# shellcheck disable=SC2086
perl "$src/scripts/checkpatch.pl" --strict --no-tree --show-types -f $kernel_files \
	>"$MBOX_BUILD/checkpatch.log" 2>&1
static_check checkpatch "$MBOX_BUILD/checkpatch.log" '^(ERROR|WARNING|CHECK):' 'lines checked'

read -r kdir _ _ < <(mbox_kernel 6.12)
tools/testing/build-module.sh "$kdir" "$MBOX_BUILD/module-sparse" C=2 \
	>"$MBOX_BUILD/sparse.log" 2>&1 || echo "error: sparse build failed" >>"$MBOX_BUILD/sparse.log"
static_check sparse "$MBOX_BUILD/sparse.log" 'warning:|error:' '^ +CHECK '

: >"$MBOX_BUILD/uapi.log"
for cc in "gcc -x c -std=c99" "g++ -x c++ -std=c++11"; do
	echo '#include <linux/mbox.h>' | $cc -fsyntax-only -Wall -Wextra -pedantic -Werror \
		-Iuapi - >>"$MBOX_BUILD/uapi.log" 2>&1 && echo "compiled: $cc" >>"$MBOX_BUILD/uapi.log" ||
		echo "error: $cc" >>"$MBOX_BUILD/uapi.log"
done
static_check "uapi header (C, C++)" "$MBOX_BUILD/uapi.log" 'warning:|error:' 'compiled: g\+\+'

: >"$MBOX_BUILD/man.log"
for page in Documentation/man/man*/*.[348]; do
	(cd Documentation/man && groff -ww -man -z "${page#Documentation/man/}") \
		>>"$MBOX_BUILD/man.log" 2>&1 && echo "formatted: $page" >>"$MBOX_BUILD/man.log"
done
static_check "man pages" "$MBOX_BUILD/man.log" 'warning|error' '^formatted: '

# The reStructuredText pages rendered by docutils, with the kernel-doc of the uapi header.
/usr/bin/python3 tools/testing/rst-check.py "$src/scripts/kernel-doc" "$MBOX_BUILD/docs" \
	Documentation/userspace-api/mbox.rst Documentation/admin-guide/mbox.rst \
	Documentation/userspace-api/mbox-mq.rst \
	Documentation/admin-guide/mbox-bridge.rst \
	>"$MBOX_BUILD/docs.log" 2>&1 || echo "error: rst-check.py failed" >>"$MBOX_BUILD/docs.log"
static_check docs "$MBOX_BUILD/docs.log" '\((WARNING|ERROR|SEVERE)/[0-9]\)|error|Traceback' '^rendered: '

# The bench report in the docs is report.py's of the CSV beside it, in issue 7's form.
tools/testing/bench-report-check.sh "$MBOX_BUILD/bench-report" >"$MBOX_BUILD/bench-report.log" 2>&1
static_check "bench report" "$MBOX_BUILD/bench-report.log" '^mismatch: ' '^checked: bench report$'

# Packaging, one line each: `make install` into a DESTDIR, and a DKMS build that loads.
for script in install-check dkms-check; do
	if line=$(tools/testing/$script.sh); then pass=$((pass + 1)); else fail=$((fail + 1)); fi
	summary+=("$(printf '%s\n' "$line" | tail -n 1)")
done

: >"$MBOX_BUILD/w1.log"
for k in $kernels; do
	[ "$k" = debug ] && { wait "$debug_pid" || { cat "$MBOX_BUILD/debug-kernel.log"; mbox_die "debug kernel build failed"; }; }
	read -r kdir _ _ < <(mbox_kernel "$k")
	rm -rf "$MBOX_BUILD/module-$k"	# from scratch, so every warning shows again
	tools/testing/build-module.sh "$kdir" "$MBOX_BUILD/module-$k" $MBOX_KBUILD_ARGS \
		>>"$MBOX_BUILD/w1.log" 2>&1 || echo "error: module build for $k failed" >>"$MBOX_BUILD/w1.log"
done
static_check "W=1 ($kernels)" "$MBOX_BUILD/w1.log" 'warning:|error:|WARNING:|ERROR:' 'LD \[M\] '

for k in $kernels; do
	line=$(tools/testing/vm.sh "$k" test | tee "$MBOX_BUILD/vm-$k.summary" | tail -n 1)
	grep -vE '^(kernel |stress: |fuzz: |faultinject: )' "$MBOX_BUILD/vm-$k.summary"
	summary+=("$line")
	while read -r campaign; do
		summary+=("$campaign")
	done < <(grep -E '^(stress|fuzz|faultinject): ' "$MBOX_BUILD/vm-$k.summary")
	set -- $(printf '%s\n' "$line" | sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/p')
	if [ $# -eq 3 ]; then
		pass=$((pass + $1)) fail=$((fail + $2)) skip=$((skip + $3))
	else
		fail=$((fail + 1))
	fi
done

# mbox-bridge end to end in two VMs: one check, its result lines in the summary.
if tools/testing/bridge-vm.sh >"$MBOX_BUILD/bridge.summary" 2>"$MBOX_BUILD/bridge.log"; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	grep -vE '^bridge( \(broker restart\))?: ' "$MBOX_BUILD/bridge.summary"
fi
while read -r line; do
	summary+=("$line")
done < <(grep -E '^bridge( \(broker restart\))?: ' "$MBOX_BUILD/bridge.summary")

# make profile in a short run: the plugin's counts must find mbox.ko's functions
# in mbox's sends and receives, and none in a pipe's. Prints the summary's line.
profile_line() {
	KERNEL=6.12 PROFILE_ARGS=--tiny tools/bench/profile/profile.sh \
		>"$MBOX_BUILD/profile.log" 2>&1 &&
	awk '/^mbox.ko /{m = $2; p = $3} /^total /{t = $2; tp = $3}
		END {if (m > 0 && p == 0 && tp > 0) printf "profile (6.12, 64 B): mbox %d " \
			"instructions per message sent and received (mbox.ko %d), pipe %d\n", t, m, tp}' \
		"$MBOX_BUILD/profile/profile.txt"
}
case " $kernels " in *" 6.12 "*)
	line=$(profile_line)
	if [ -n "$line" ]; then
		pass=$((pass + 1))
		summary+=("$line")
	else
		fail=$((fail + 1))
		summary+=("profile: failed ($MBOX_BUILD/profile.log)")
	fi ;;
esac

printf '%s\n' "${summary[@]}"
echo "time: $(( $(date +%s) - start )) s"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]

#!/bin/bash
# The planted-bug campaign: proves the suite catches the bugs it exists to catch.
# For each patch in tools/testing/planted/ (a missing unlock, a double free, a skipped
# copy_to_user length check, a leaked message), build a scratch copy of the committed
# tree (HEAD) with that one bug, run the selftests on the debug kernel, and print
#   planted NAME: caught by TESTS (FIRST KERNEL REPORT)      or      planted NAME: NOT caught
# then "planted: N bugs, N caught". Exits 1 unless every bug was caught.
# Long (one debug-kernel VM run per bug): run by hand, `make planted`, not by make check.
set -u
. "$(dirname "$0")/lib.sh"
kernel=${KERNEL:-debug}
work=$MBOX_BUILD/planted
total=0 caught=0
for patch in "$MBOX_TOP"/tools/testing/planted/*.patch; do
	name=$(basename "$patch" .patch) tree=$work/$name
	total=$((total + 1))
	rm -rf "$tree" && mkdir -p "$tree"
	git -C "$MBOX_TOP" archive HEAD | tar -x -C "$tree"
	patch -s -p1 -d "$tree" <"$patch" || { echo "planted $name: patch does not apply"; continue; }
	MBOX_BUILD=$tree/build "$tree/tools/testing/vm.sh" "$kernel" test >"$tree/report.txt" 2>&1 &&
		{ echo "planted $name: NOT caught"; continue; }
	caught=$((caught + 1))
	# Who: the selftests that failed or were cut short, and what the kernel said first.
	tests=$(sed -nE 's/^  FAIL \[[^]]*\] ([a-z_0-9-]+)(: | did not finish).*/\1/p' "$tree/report.txt" |
		sort -u | paste -sd, -)
	report=$(grep -m 1 -oE '(BUG|WARNING|KASAN|UBSAN): .*|unreferenced object.*' \
		"$tree/build/vm-$kernel/console.log" "$tree/build/vm-$kernel/report.log" 2>/dev/null |
		head -n 1 | cut -d: -f2- | cut -c1-100)
	echo "planted $name: caught by ${tests:-the kernel log scan}${report:+ (${report# })}"
done
echo "planted: $total bugs, $caught caught"
[ "$caught" -eq "$total" ]

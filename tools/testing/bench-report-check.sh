#!/bin/bash
# Is Documentation/bench/report.txt what tools/bench/report.py makes of
# Documentation/bench/results.csv, and does the report end as issue 7 asks: one
# line per target, then "results:" and "plot:"? And does README quote it
# faithfully? The figures in the docs then come from the CSV beside them, and the
# lines others read keep their form.
# Usage: bench-report-check.sh OUTDIR. Prints "mismatch: ..." per fault, and
# "checked: bench report" once it has looked.
set -u
. "$(dirname "$0")/lib.sh"
cd "$MBOX_TOP"
out=$1
mkdir -p "$out"
report=$out/report.txt
# where the CSV and the plot were written differs from run to run
paths='s|^results: .*|results: CSV|; s|^plot: .*|plot: PNG|'

/usr/bin/python3 tools/bench/report.py Documentation/bench/results.csv "$out" \
	>"$report" 2>"$out/report.err" || echo "mismatch: report.py failed: $(tail -n 1 "$out/report.err")"
diff <(sed "$paths" Documentation/bench/report.txt) <(sed "$paths" "$report") |
	grep '^[<>]' | head -n 20 | sed 's/^/mismatch: /'

n=$(grep -c '^target ' "$report")
[ "$n" -gt 0 ] || echo "mismatch: no target lines"
tail -n "$((n + 2))" "$report" | head -n "$n" |
	grep -vE '^target [A-Za-z0-9-]+ on [^ ]+: .+, goal (>=|<=) [0-9.]+: (met|not met)$' |
	sed 's/^/mismatch: not a target line: /'
tail -n 2 "$report" | head -n 1 | grep -q '^results: ' || echo "mismatch: no results: line"
tail -n 1 "$report" | grep -q '^plot: ' || echo "mismatch: the last line is not plot:"

# README quotes the report: each line of its bench section's indented blocks is one
# of report.txt's (make bench's tables, targets and floors, indented by four).
quoted=$(sed -n '/mbox-bench.png. On 6.12:$/,/^What they say/s/^    //p' README)
[ -n "$quoted" ] || echo "mismatch: README: no bench section found to check"
printf '%s\n' "$quoted" | grep -vxFf Documentation/bench/report.txt | head -n 20 |
	sed 's/^/mismatch: README: /'
echo "checked: bench report"

# shellcheck shell=sh
# Sourced by the shell selftests (busybox sh in the VM): kselftest-style TAP output
# and the closing "# Totals:" line the VM report counts.
#   ktap_plan N; ktap_ok "what" cmd...; ktap_skip "what" "why"; ktap_done

ktap_n=0 ktap_pass=0 ktap_fail=0 ktap_skipped=0

ktap_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

# Run cmd...; its output goes to the log as comments.
ktap_ok() {
	ktap_what=$1
	shift
	ktap_n=$((ktap_n + 1))
	if ktap_out=$("$@" 2>&1); then
		ktap_pass=$((ktap_pass + 1))
		echo "ok $ktap_n $ktap_what"
	else
		ktap_fail=$((ktap_fail + 1))
		[ -z "$ktap_out" ] || printf '%s\n' "$ktap_out" | sed 's/^/# /'
		echo "not ok $ktap_n $ktap_what"
	fi
}

ktap_skip() {
	ktap_n=$((ktap_n + 1))
	ktap_skipped=$((ktap_skipped + 1))
	echo "ok $ktap_n $1 # SKIP $2"
}

ktap_done() {
	echo "# Totals: pass:$ktap_pass fail:$ktap_fail xfail:0 xpass:0 skip:$ktap_skipped error:0"
	[ "$ktap_fail" -eq 0 ]
}

#!/bin/sh
# Run the libmbox examples against the loaded module (busybox sh in the VM), so they
# cannot rot: each must exit 0 and print what it promises. Examples that need an
# ioctl or flag the module does not report yet (mboxctl version) are skipped.
# EXAMPLES is where they are installed (default /examples).
. "${MBOX_KTAP:-/lib/mbox/ktap.sh}"

ex=${EXAMPLES:-/examples}
rpc=/rpc-$$

supports() {	# LINE WORD: mboxctl version lists WORD on LINE
	mboxctl version | sed -n "s/^$1 //p" | grep -qw "$2"
}

says() {	# PATTERN cmd...: cmd exits 0 within a minute and prints PATTERN
	pattern=$1
	shift
	out=$(timeout 60 "$@") || { echo "$out"; return 1; }
	echo "$out"
	echo "$out" | grep -q -- "$pattern"
}

rpc_ok() {
	timeout 60 "$ex/rpc-server" $rpc 2 >/tmp/rpc-server.out 2>&1 &
	server=$!
	i=0
	until mboxctl ls | grep -q "^$rpc "; do
		i=$((i + 1))
		[ $i -lt 50 ] || break
		sleep 0.1
	done
	says 'world -> WORLD' "$ex/rpc-client" $rpc hello world
	rc=$?
	[ $rc -eq 0 ] || kill $server
	wait $server || rc=1
	cat /tmp/rpc-server.out
	[ $rc -eq 0 ] && grep -q 'served 2' /tmp/rpc-server.out
}

ktap_plan 4
ktap_ok "producer-consumer" says '200 jobs, 0 bad, ids complete' "$ex/producer-consumer" 200
ktap_ok "ping-pong" says '500 rounds' "$ex/ping-pong" 500
if supports ioctls call; then
	ktap_ok "rpc-server and rpc-client" rpc_ok
else
	ktap_skip "rpc-server and rpc-client" "the module has no MBOX_IOC_CALL yet"
fi
if supports open_flags pidfd; then
	ktap_ok "port-send" says 'from pid' "$ex/port-send"
else
	ktap_skip "port-send" "the module has no ports (MBOX_OPEN_PIDFD) yet"
fi
ktap_done

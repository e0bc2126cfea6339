#!/bin/busybox sh
# shellcheck shell=dash
# One side of the mbox-bridge end-to-end test (bridge-vm.sh), run by /init in bridge mode
# with MBOX_BRIDGE_ROLE (a or b) and MBOX_BRIDGE_N from the kernel command line.
#   A (10.0.2.1): nats-server with JetStream, a bridge /run1 /run2 -> subjects, and the
#      sender; kills and restarts nats-server during the second run.
#   B (10.0.2.2): a bridge subjects -> /run1 /run2, and the receiver, which prints the
#      "bridge: ..." lines. B tells A it is done through the bridge itself (/ctl).
# Everything it prints goes to the host's report.
set -u
role=$MBOX_BRIDGE_ROLE n=$MBOX_BRIDGE_N
server=nats://10.0.2.1:4222
export PATH=/bin:/sbin
fail() { echo "bridge-guest: $*"; exit 1; }

net_up() {
	insmod /e1000.ko || fail "insmod e1000"
	ip link set lo up
	ip addr add "10.0.2.$1/24" dev eth0 || fail "eth0 address"
	ip link set eth0 up || fail "eth0 up"
	hostname "vm-$role"
}

# MAILBOX ROUTE...: start the bridge and wait until it made MAILBOX, its last. It drops to
# nobody once its mailboxes are open; the test's senders and receivers are root.
bridge_start() {
	mbox=$1
	shift
	mbox-bridge -v --run-as 65534:65534 -s $server --meta --max-msgs 64 \
		--ack-wait 3000 "$@" 2>>/tmp/bridge.log &
	bridge_pid=$!
	while ! mboxctl stat "$mbox" >/dev/null 2>&1; do
		kill -0 $bridge_pid 2>/dev/null || fail "mbox-bridge did not start"
		sleep 0.2
	done
}

# SIGTERM drains what is in flight; 0 is a clean exit.
bridge_stop() {
	kill -TERM $bridge_pid
	wait $bridge_pid
	echo "bridge-guest: mbox-bridge exit $?"
	sed 's/^/bridge-guest: log: /' /tmp/bridge.log
}

nats_start() {
	nats-server -js -sd /tmp/js -a 0.0.0.0 -p 4222 >>/tmp/nats.log 2>&1 &
	nats_pid=$!
}

# Received by the mailbox's bridge: how far the sender's messages have gone.
forwarded() {
	mboxctl stat "$1" | sed -n 's/^total_received: //p'
}

side_a() {
	net_up 1
	nats_start
	bridge_start /ctl --out /run1=mbox.run1 --out /run2=mbox.run2 --in mbox.ctl=/ctl
	bridge-peer send /run1 "$n" || fail "send run 1"
	mboxctl recv --timeout 900000 /ctl >/dev/null || fail "no word from B after run 1"
	bridge-peer send /run2 "$n" &
	sender=$!
	# Mid-stream: once a quarter has left, kill the broker hard, then restart it.
	while [ "$(forwarded /run2)" -lt $((n / 4)) ]; do sleep 0.1; done
	kill -9 $nats_pid
	wait $nats_pid 2>/dev/null
	echo "bridge-guest: nats-server killed after $(forwarded /run2) messages"
	sleep 1
	nats_start
	wait $sender || fail "send run 2"
	mboxctl recv --timeout 900000 /ctl >/dev/null || fail "no word from B after run 2"
	bridge_stop
	kill $nats_pid
	wait $nats_pid
}

side_b() {
	net_up 2
	bridge_start /ctl --in mbox.run1=/run1 --in mbox.run2=/run2 --out /ctl=mbox.ctl
	bridge-peer recv /run1 "$n" 600 bridge
	mboxctl send /ctl run1-done
	bridge-peer recv /run2 "$n" 600 "bridge (broker restart)"
	mboxctl send /ctl run2-done
	# The drain must get run2-done out before the bridge exits.
	bridge_stop
}

case $role in
a) side_a ;;
b) side_b ;;
*) fail "MBOX_BRIDGE_ROLE must be a or b" ;;
esac
echo "bridge-guest: done"

#!/bin/sh
# The demo `make run` shows inside the VM: the device and the module, mboxctl driving a
# mailbox from the shell, and the libmbox examples.
echo "== /dev/mbox"
ls -l /dev/mbox
echo "== /sys/module/mbox"
echo "version $(cat /sys/module/mbox/version), refcnt $(cat /sys/module/mbox/refcnt)"
echo "== mboxctl version"
mboxctl version
echo "== mboxctl: create /demo, send two messages, look, receive, remove"
mboxctl create --msgs 8 --size 256 /demo
mboxctl send /demo "hello from mboxctl"
echo "sent from stdin" | mboxctl send --prio 3 /demo
mboxctl ls
mboxctl stat /demo
echo "-- recv (priority 3 first):"
mboxctl recv /demo
mboxctl recv /demo; echo
mboxctl watch --count 1 /demo
mboxctl rm /demo
echo "-- recv after rm, an error that says what to do:"
mboxctl recv /demo
echo "== examples (tools/examples)"
/examples/producer-consumer 100
/examples/ping-pong 1000
if mboxctl version | grep -q '^ioctls .*call'; then
	timeout 20 /examples/rpc-server /demo-rpc 2 &
	sleep 1
	timeout 10 /examples/rpc-client /demo-rpc hello world || echo "(rpc-client failed)"
	wait
else
	echo "(rpc-server/rpc-client: the module has no MBOX_IOC_CALL yet)"
fi
if mboxctl version | grep -q '^open_flags .*pidfd'; then
	/examples/port-send
else
	echo "(port-send: the module has no ports yet)"
fi
echo "== selftests"
/selftests/device_test 2>&1 | grep -E '^(ok|not ok|# Totals)'

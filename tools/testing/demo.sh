#!/bin/sh
# The demo `make run` shows inside the VM: the device, the module and its ABI.
echo "== /dev/mbox"
ls -l /dev/mbox
echo "== /sys/module/mbox"
echo "version $(cat /sys/module/mbox/version), refcnt $(cat /sys/module/mbox/refcnt)"
echo "== selftests"
/selftests/device_test 2>&1 | grep -E '^(ok|not ok|# Totals)'

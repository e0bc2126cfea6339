#!/bin/busybox sh
# /init of the mbox test VM. Mounts the pseudo filesystems, loads /mbox.ko, does what
# mboxvm= on the kernel command line asks (test, demo, shell or
# bridge, one side of bridge-vm.sh), unloads the module,
# asks kmemleak for leaks, and reports every step on the second serial port (ttyS1),
# ending with the token "mbox-vm: end" that tells the host the run completed.
/bin/busybox --install -s /bin
export PATH=/bin HOME=/tmp
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t debugfs debug /sys/kernel/debug 2>/dev/null
mount -t tmpfs tmp /tmp
mkdir -p /dev/mqueue && mount -t mqueue mqueue /dev/mqueue

result=/dev/ttyS1
say() { echo "mbox-vm: $*" >$result; }
kmemleak=/sys/kernel/debug/kmemleak

say "uname $(uname -r)"
# MBOX_* campaign knobs from the kernel command line (see vm.sh): exported to the tests.
for var in $(env | sed -n 's/^\(MBOX_[A-Z0-9_]*\)=.*/\1/p'); do
	export "$var"
	eval "say \"env $var=\$$var\""
done
# Forget leaks from boot: only what happens from here on is ours.
[ -w $kmemleak ] && echo clear >$kmemleak
if insmod /mbox.ko; then say "insmod ok"; else say "insmod failed"; fi

case "$mboxvm" in
test)
	for t in /selftests/*; do
		[ -z "${MBOX_TESTS:-}" ] || case ",$MBOX_TESTS," in *",${t##*/},"*) ;; *) continue ;; esac
		say "run ${t##*/}"
		"$t" >$result 2>&1
		say "exit ${t##*/} $?"
	done ;;
demo)
	sh /demo.sh 2>&1 | tee $result ;;
bench)
	# mbox-bench's CSV back to the host, row by row; its progress on the console
	# shellcheck disable=SC2046
	/bin/mbox-bench $(echo "${MBOX_BENCH_ARGS:-}" | tr : ' ') >/tmp/bench.csv
	rc=$?
	sed 's/^/mbox-vm: csv /' /tmp/bench.csv >$result
	# A profile (tools/bench/profile/) maps instructions to the kernel's symbols.
	case ":${MBOX_BENCH_ARGS:-}:" in *:--profile:*)
		grep ' [tT] ' /proc/kallsyms | sed 's/^/mbox-vm: sym /' >>$result ;;
	esac
	say "bench exit $rc" ;;
bridge)
	sh /bridge-guest.sh >$result 2>&1 ;;
shell)
	echo "mbox VM: /dev/mbox is loaded; selftests in /selftests; exit to power off"
	setsid cttyhack sh ;;
esac

if rmmod mbox; then say "rmmod ok"; else say "rmmod failed"; fi
if [ -w $kmemleak ]; then
	# kmemleak reports only objects older than 5 s, found unreferenced twice.
	sleep 6
	echo scan >$kmemleak
	echo scan >$kmemleak
	cat $kmemleak >$result
	say "kmemleak scanned"
fi
say end
reboot -f

#!/bin/sh
# Run the plain POSIX mq programs of programs/ (busybox sh in the VM) on mbox
# three ways - linked with -lmbox-mq, static with libmbox-mq.a, and built for
# glibc alone under LD_PRELOAD - and once on the kernel's own queues, which
# they must not tell apart. MBOX_MQ is where guest-install.sh put the library
# and the programs (default /lib/mbox-mq).
# shellcheck source=../../../testing/ktap.sh
. "${MBOX_KTAP:-/lib/mbox/ktap.sh}"

dir=${MBOX_MQ:-/lib/mbox-mq}
export LD_LIBRARY_PATH="$dir"

run() {		# VARIANT PROGRAM ARGS...
	v=$1 p=$2
	shift 2
	case $v in
	preload) LD_PRELOAD=$dir/libmbox-mq.so.1 timeout 60 "$dir/programs/$p-glibc" "$@" ;;
	kernel) timeout 60 "$dir/programs/$p-glibc" "$@" ;;
	*) timeout 60 "$dir/programs/$p-$v" "$@" ;;
	esac
}

# The queue is an mbox one (in /proc/mbox, not /dev/mqueue), or for the
# kernel variant the reverse.
placed() {	# VARIANT NAME
	if [ "$1" = kernel ]; then
		[ -e "/dev/mqueue$2" ] && ! grep -q "^$2 " /proc/mbox
	else
		grep -q "^$2 " /proc/mbox && [ ! -e "/dev/mqueue$2" ]
	fi || { echo "queue $2 is not where variant $1 puts it"; return 1; }
}

# Separate sender and receiver processes; highest priority first, FIFO within one.
send_recv() {	# SENDER RECEIVER
	q=/mqprog-$1-$2-$$
	run "$1" mq-send "$q" 3 a b && run "$1" mq-send "$q" 9 c && placed "$1" "$q" || return 1
	out=$(run "$2" mq-recv -u "$q" 3) || return 1
	echo "$out"
	[ "$out" = "$(printf '9 c\n3 a\n3 b')" ]
}

says() {	# PATTERN VARIANT PROGRAM ARGS...
	pattern=$1
	shift
	out=$(run "$@") || { echo "$out"; return 1; }
	echo "$out"
	echo "$out" | grep -q -- "$pattern"
}

ktap_plan 13
for v in mbox static preload kernel; do
	if [ "$v" = kernel ] && ! grep -qw mqueue /proc/mounts; then
		for t in send-recv pingpong notify; do
			ktap_skip "$t on $v" "no mqueue filesystem"
		done
		continue
	fi
	ktap_ok "send-recv on $v" send_recv "$v" "$v"
	ktap_ok "pingpong on $v" says 'pingpong: 300 round trips' "$v" mq-pingpong 300
	ktap_ok "notify on $v" says 'notified: hello' "$v" mq-notify
done
ktap_ok "send linked, receive preloaded" send_recv mbox preload
ktap_done

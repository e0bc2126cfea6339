#!/bin/sh
# End-to-end test of mboxctl against the loaded module (busybox sh in the VM): create,
# send, ls, recv, rm and the rest of the verbs, the JSON output (checked with grep and
# sed, there is no jq), and that errors name their errno and say what to do.
# Needs mboxctl on PATH and root (it changes a module parameter for one check).
. "${MBOX_KTAP:-/lib/mbox/ktap.sh}"

box=/cli-$$
err=/tmp/mboxctl_test.err

# fails STATUS PATTERN cmd...: cmd exits with STATUS and says PATTERN on stderr.
fails() {
	want=$1 pattern=$2
	shift 2
	"$@" 2>"$err"
	rc=$?
	cat "$err"
	[ "$rc" -eq "$want" ] && grep -q -- "$pattern" "$err"
}

# json_num KEY: the number KEY has in the JSON on stdin.
json_num() {
	sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p"
}

ls_has() {	# NAME MSGS: ls shows NAME with MSGS messages
	mboxctl ls | grep -q "^$1  *$2 "
}

recv_is() {	# TEXT [OPTIONS]: recv prints exactly TEXT
	want=$1
	shift
	[ "$(mboxctl recv "$@" $box)" = "$want" ]
}

stat_json_ok() {
	out=$(mboxctl stat --json $box) || return 1
	echo "$out"
	case $out in "{\"name\": \"$box\", "*"}") ;; *) return 1 ;; esac
	[ "$(echo "$out" | json_num msgs)" = 2 ] &&
		[ "$(echo "$out" | json_num max_msgs)" = 4 ] &&
		[ "$(echo "$out" | json_num max_msg_size)" = 64 ]
}

ls_json_ok() {
	out=$(mboxctl ls --json) || return 1
	echo "$out"
	case $out in "["*"]") ;; *) return 1 ;; esac
	echo "$out" | grep -qF "{\"name\": \"$box\", \"msgs\": 1, \"bytes\": 11, \"mode\": \"0600\""
}

fill() {	# send until the 4-message mailbox is full
	for i in 1 2 3 4; do mboxctl send --nonblock $box "m$i" || return 1; done
}

drain() {
	while mboxctl recv --nonblock $box >/dev/null 2>&1; do :; done
	ls_has $box 0
}

over_quota() {
	old=$(cat /sys/module/mbox/parameters/user_bytes_max)
	echo 1 >/sys/module/mbox/parameters/user_bytes_max || return 1
	fails 1 "user quota exceeded (EDQUOT): user $(id -u) at [0-9]*/1 bytes: .*user_bytes_max" \
		mboxctl send $box x
	rc=$?
	echo "$old" >/sys/module/mbox/parameters/user_bytes_max
	return $rc
}

watch_ok() {
	out=$(mboxctl watch --interval 0.1 --count 2 $box) || return 1
	echo "$out"
	[ "$(echo "$out" | grep -c "^$box  *4/4 ")" = 2 ] &&
		echo "$out" | grep -q 'refresh 2$'
}

usage_errors() {
	mboxctl send
	[ $? -eq 2 ] || return 1
	mboxctl frobnicate
	[ $? -eq 2 ] || return 1
	for v in create ls stat send recv rm destroy watch usage version; do
		mboxctl $v --help | grep -q "^usage: mboxctl $v" || return 1
	done
}

ttl_key_ok() {	# --key keeps the latest value, --ttl drops the stale, stat counts both
	mboxctl send --key 7 $box old && mboxctl send --key 7 $box new &&
		mboxctl send --ttl 1 $box stale && sleep 1 &&
		recv_is new --nonblock && fails 1 '(EAGAIN)' mboxctl recv --nonblock $box || return 1
	out=$(mboxctl stat --json $box) || return 1
	echo "$out"
	[ "$(echo "$out" | json_num total_replaced)" = 1 ] &&
		[ "$(echo "$out" | json_num total_expired)" = 1 ]
}

fds_ok() {	# a file travels: recv --fds names it; without --fds, ETOOMANYREFS
	mboxctl send --fd 3 $box withfile 3</init || return 1
	fails 1 '(ETOOMANYREFS)' mboxctl recv --nonblock $box || return 1
	[ "$(mboxctl recv --fds $box 2>"$err")" = withfile ] || return 1
	cat "$err"
	grep -qx 'file: /init' "$err" &&
		fails 1 '(EOPNOTSUPP)' sh -c "mboxctl send --fd 0 $box x </dev/mbox"
}

rm_ok() {
	mboxctl rm $box && ! mboxctl ls | grep -q "^$box " &&
		fails 1 "rm $box: no such mailbox (ENOENT)" mboxctl rm $box
}

destroy_ok() {
	mboxctl create $box && mboxctl destroy $box &&
		fails 1 '(ENOENT)' mboxctl stat $box
}

owned_ok() {	# the name lives while COMMAND runs, and goes with it
	n=/cli-owned-$$
	mboxctl create --unlink-on-close $n sh -c "[ -n \"\$MBOX_FD\" ] && mboxctl ls | grep -q '^$n '" &&
		! mboxctl ls | grep -q "^$n "
}

sender_ok() {	# the sending mboxctl has exited: its pid and start, "gone"
	mboxctl send $box who || return 1
	[ "$(mboxctl recv --sender $box 2>"$err")" = who ] || return 1
	cat "$err"
	grep -q "^sender: pid [1-9][0-9]* tid [1-9][0-9]* uid $(id -u) gid $(id -g) start_ns [1-9][0-9]* gone$" "$err"
}

usage_ok() {	# one message of 5 bytes queued: counted, against the limits
	mboxctl send $box usage || return 1
	out=$(mboxctl usage) || return 1
	echo "$out"
	echo "$out" | grep -q "^user $(id -u)$" &&
		echo "$out" | grep -q "^bytes: [1-9][0-9]*/$(cat /sys/module/mbox/parameters/user_bytes_max)$" &&
		echo "$out" | grep -q "^mailboxes: [1-9][0-9]*/$(cat /sys/module/mbox/parameters/user_mailboxes_max)$" &&
		json=$(mboxctl usage --json --uid 65534) && echo "$json" &&
		[ "$(echo "$json" | json_num uid)" = 65534 ] &&
		[ "$(echo "$json" | json_num msgs)" = 0 ] &&
		mboxctl recv $box >/dev/null
}

fanout_ok() {	# two subscribers waiting in recv both get the one message sent
	f=/cli-fan-$$
	mboxctl create --fanout=drop-oldest --msgs 2 $f || return 1
	mboxctl recv --timeout 20000 $f >/tmp/fan1.out &
	p1=$!
	mboxctl recv --timeout 20000 $f >/tmp/fan2.out &
	p2=$!
	i=0
	until mboxctl stat $f | grep -q '^subscribers: 2$'; do
		i=$((i + 1))
		[ $i -lt 200 ] || break
		sleep 0.1
	done
	mboxctl send $f news
	wait $p1 && wait $p2 || return 1
	out=$(mboxctl stat --json $f)
	echo "$out"
	mboxctl rm $f
	[ "$(cat /tmp/fan1.out)" = news ] && [ "$(cat /tmp/fan2.out)" = news ] &&
		[ "$(echo "$out" | json_num total_received)" = 2 ] &&
		[ "$(echo "$out" | json_num flags)" = $((0x300)) ]
}

too_many_mailboxes() {	# ENOSPC names how many exist, of how many
	old=$(cat /sys/module/mbox/parameters/max_mailboxes)
	n=$(mboxctl usage --json | json_num all_mailboxes)
	echo "$n" >/sys/module/mbox/parameters/max_mailboxes || return 1
	fails 1 "too many mailboxes (ENOSPC): $n/$n mailboxes exist: " mboxctl create /cli-full-$$
	rc=$?
	echo "$old" >/sys/module/mbox/parameters/max_mailboxes
	return $rc
}

ktap_plan 32
ktap_ok "create" mboxctl create --msgs 4 --size 64 $box
ktap_ok "create --excl on an existing name names EEXIST" fails 1 '(EEXIST)' mboxctl create --excl $box
ktap_ok "send words" mboxctl send $box hello world
ktap_ok "ls shows 1 message" ls_has $box 1
ktap_ok "ls --json" ls_json_ok
ktap_ok "send stdin" sh -c "printf 'from stdin' | mboxctl send $box"
ktap_ok "stat --json" stat_json_ok
ktap_ok "send --prio" mboxctl send --prio 5 $box urgent
ktap_ok "recv takes the highest priority first" recv_is urgent
ktap_ok "recv --peek leaves it" recv_is "hello world" --peek
ktap_ok "recv prints the message" recv_is "hello world"
ktap_ok "recv the stdin message" recv_is "from stdin"
ktap_ok "recv --nonblock on empty says EAGAIN" fails 1 'mailbox empty (EAGAIN): ' mboxctl recv --nonblock $box
ktap_ok "send --nonblock until full" fill
ktap_ok "send --nonblock on full: mailbox full (EAGAIN): receive some messages" \
	fails 1 "send $box: mailbox full (EAGAIN): receive some messages" mboxctl send --nonblock $box m5
ktap_ok "recv --timeout on empty says ETIMEDOUT" sh -c "mboxctl create /cli-empty-$$ &&
	mboxctl recv --timeout 50 /cli-empty-$$ 2>&1 | grep -q '(ETIMEDOUT)'; rc=\$?; mboxctl rm /cli-empty-$$; exit \$rc"
ktap_ok "watch --count 2 shows the full mailbox" watch_ok
ktap_ok "drain" drain
ktap_ok "recv --sender names the sender, gone once it exited" sender_ok
ktap_ok "send over the user quota names the usage and user_bytes_max" over_quota
ktap_ok "usage shows the queued bytes and mailboxes against the limits" usage_ok
ktap_ok "create at max_mailboxes names N/N mailboxes (ENOSPC)" too_many_mailboxes
ktap_ok "send too long says EMSGSIZE" fails 1 '(EMSGSIZE)' mboxctl send $box \
	0123456789012345678901234567890123456789012345678901234567890123456789
ktap_ok "send --key replaces, --ttl expires, stat counts them" ttl_key_ok
ktap_ok "send --fd carries a file, recv --fds takes it" fds_ok
ktap_ok "rm, and rm again says ENOENT" rm_ok
ktap_ok "destroy" destroy_ok
ktap_ok "usage errors exit 2, every verb has --help" usage_errors
ktap_ok "create --unlink-on-close COMMAND: the name goes with COMMAND" owned_ok
ktap_ok "create --unlink-on-close without COMMAND exits 2" \
	fails 2 'needs a COMMAND' mboxctl create --unlink-on-close /cli-owned-$$
ktap_ok "create --fanout: every subscriber gets the message" fanout_ok
ktap_ok "create --fanout=POLICY with an unknown policy exits 2" \
	fails 2 'drop-oldest' mboxctl create --fanout=sometimes /cli-fan-bad-$$
ktap_done

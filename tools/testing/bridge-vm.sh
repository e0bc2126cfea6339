#!/bin/bash
# The mbox-bridge end-to-end test: two VMs of Debian's 6.12 kernel (QEMU TCG, one CPU
# each) joined by a virtual Ethernet link, a QEMU socket netdev on the host's loopback.
# VM A runs nats-server (JetStream) and a bridge, VM B a bridge; N messages go from a
# mailbox in A to one in B, then N more while A kills and restarts nats-server
# (tools/testing/bridge-guest.sh is what each guest does). Prints
#   bridge: N messages across 2 VMs, 0 lost, 0 duplicated, R msg/s
#   bridge (broker restart): N messages across 2 VMs, 0 lost, 0 duplicated, R msg/s
# and exits 1 if either line is missing or says otherwise, a VM did not finish, or a
# guest kernel reported a problem. MBOX_BRIDGE_N (default 2000) sets N; logs go to
# build/bridge-vm/{a,b}/.
set -eu
. "$(dirname "$0")/lib.sh"
n=${MBOX_BRIDGE_N:-2000}
read -r kdir image release < <(mbox_kernel 6.12)
out=$MBOX_BUILD/bridge-vm
mkdir -p "$out/a" "$out/b"

# The test VM's initramfs, plus the bridge, nats-server, the libraries they load
# (at the same paths as here) and the NIC driver, decompressed for busybox insmod.
root=$out/initramfs
mbox_guest_root 6.12 "$kdir" "$root" "$out/build.log"
make -s -C "$MBOX_TOP" bridge BUILD="$MBOX_BUILD" >>"$out/build.log" 2>&1 ||
	{ cat "$out/build.log" >&2; mbox_die "building mbox-bridge failed"; }
cp "$MBOX_BUILD/bridge/mbox-bridge" "$MBOX_BUILD/bridge/bridge-peer" "$root/bin/"
cp "$(command -v nats-server || echo /usr/sbin/nats-server)" "$root/bin/"
for lib in $(ldd "$root/bin/mbox-bridge" "$root/bin/nats-server" |
		grep -oE '/[^ ]+\.so[^ ]*' | sort -u); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
xz -dc "/lib/modules/$release/kernel/drivers/net/ethernet/intel/e1000/e1000.ko.xz" \
	>"$root/e1000.ko"
install -m 755 "$MBOX_TOP/tools/testing/bridge-guest.sh" "$root/bridge-guest.sh"
mbox_cpio "$root" "$out/initramfs.cpio"

# A port free on the loopback for the link: A listens, B connects.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# ROLE NETDEV: boot one side, its logs in $out/ROLE/.
boot() {
	local role=$1 netdev=$2 mac=52:54:00:12:34:5${3}
	rm -f "$out/$role/console.log" "$out/$role/result.log"
	timeout -k 10 "${MBOX_VM_TIMEOUT:-1200}" qemu-system-x86_64 -accel tcg -smp 1 -m 768 \
		-nodefaults -no-reboot -display none -monitor none \
		-kernel "$image" -initrd "$out/initramfs.cpio" \
		-append "$MBOX_GUEST_CMDLINE mboxvm=bridge MBOX_BRIDGE_ROLE=$role MBOX_BRIDGE_N=$n" \
		-netdev "socket,id=net0,$netdev" -device "e1000,netdev=net0,mac=$mac" \
		-serial file:"$out/$role/console.log" -serial file:"$out/$role/result.log" \
		</dev/null
}

start=$(date +%s)
boot a "listen=127.0.0.1:$port" 1 &
pid_a=$!
sleep 1		# A's QEMU listens before B's connects
boot b "connect=127.0.0.1:$port" 2 &
pid_b=$!
declare -A rc=([a]=0 [b]=0)
wait $pid_b || rc[b]=$?
wait $pid_a || rc[a]=$?

# Each guest's kernel log and steps judged as for the selftest VMs.
ok=1
for role in a b; do
	"$MBOX_TOP/tools/testing/vm-report.sh" "bridge-$role" "$release" "$out/$role" "${rc[$role]}" \
		"$kdir" >"$out/$role/summary" || { ok=0; grep -v '^kernel ' "$out/$role/summary"; }
done
for role in a b; do
	if ! grep -qx 'bridge-guest: done' "$out/$role/report.log" ||
		! grep -qx 'bridge-guest: mbox-bridge exit 0' "$out/$role/report.log"; then
		ok=0
		echo "  FAIL [bridge-$role] the guest's side did not finish cleanly:"
		grep '^bridge-guest: ' "$out/$role/report.log" | grep -v ': log: ' | sed 's/^/    | /'
	fi
done
lines=$(grep -E '^bridge( \(broker restart\))?: ' "$out/b/report.log" | grep -v 'out of order' || true)
good='^bridge( \(broker restart\))?: [0-9]+ messages across 2 VMs, 0 lost, 0 duplicated, [0-9]+ msg/s$'
[ "$(printf '%s\n' "$lines" | grep -cE "$good")" -eq 2 ] || ok=0
grep -h 'out of order' "$out/b/report.log" || true
printf '%s\n' "$lines"
[ -n "$lines" ] || echo "bridge: no result from VM B (see $out/b/report.log)"
echo "bridge-vm: $(( $(date +%s) - start )) s for both VMs" >&2
[ "$ok" -eq 1 ]

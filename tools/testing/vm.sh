#!/bin/bash
# Boot one kernel under QEMU (TCG) with mbox.ko, the selftests and busybox in an initramfs.
#   vm.sh KERNEL test    run the selftests, print one summary line, exit 1 on any failure
#   vm.sh KERNEL demo    load the module and show the demo
#   vm.sh KERNEL shell   interactive shell on this terminal
#   vm.sh KERNEL bench   run mbox-bench (MBOX_BENCH_ARGS, ':' for blanks); tools/bench/bench.sh
# KERNEL is one of $MBOX_KERNELS_ALL. The guest reports on its second serial port; a run
# counts only if that report ends with the token "mbox-vm: end". Logs: build/vm-KERNEL/.
# Campaign knobs in the environment (MBOX_STRESS_*, MBOX_FUZZ_*, MBOX_FAULT_*, MBOX_RACE_*,
# and MBOX_TESTS, the selftests to run) go to the guest on the kernel command line, which
# passes them to /init as environment variables; values must not contain blanks.
# MBOX_KO=FILE boots that mbox.ko (one DKMS built, say) instead of the one built here;
# its logs go to build/vm-KERNEL-ko/.
# MBOX_VM_ICOUNT=1 boots one vCPU whose clock counts the instructions it runs
# (QEMU -icount, 1 ns each): guest timings become instruction counts, the same
# from boot to boot. Logs: build/vm-KERNEL-icount/.
# MBOX_VM_PLUGIN=FILE[,ARGS] loads that QEMU TCG plugin (tools/bench/profile/).
set -eu
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || mbox_die "usage: vm.sh KERNEL test|demo|shell"
name=$1 mode=$2
read -r kdir image release < <(mbox_kernel "$name")
out=$MBOX_BUILD/vm-$name${MBOX_KO:+-ko}${MBOX_VM_ICOUNT:+-icount}
mkdir -p "$out"

# Build what goes into the guest.
mbox_guest_root "$name" "$kdir" "$out/initramfs" "$out/build.log"
mbox_cpio "$out/initramfs" "$out/initramfs.cpio"

cmdline="$MBOX_GUEST_CMDLINE mboxvm=$mode"
for var in $(compgen -e | grep -E '^MBOX_(TESTS|(STRESS|FUZZ|FAULT|RACE|BENCH)_[A-Z0-9_]+)$' || true); do
	case ${!var} in *[[:space:]]*|'') mbox_die "$var: empty or blank value for the guest" ;; esac
	cmdline+=" $var=${!var}"
done
cpus=(-smp 2)
[ -z "${MBOX_VM_ICOUNT:-}" ] || cpus=(-icount shift=0,sleep=off -smp 1)
plugin=()
[ -z "${MBOX_VM_PLUGIN:-}" ] || plugin=(-plugin "$MBOX_VM_PLUGIN")
qemu=(qemu-system-x86_64 -accel tcg "${cpus[@]}" "${plugin[@]}" -m 1024 -nodefaults -no-reboot
	-display none -kernel "$image" -initrd "$out/initramfs.cpio" -append "$cmdline")

if [ "$mode" = shell ]; then
	exec "${qemu[@]}" -serial mon:stdio -serial null
fi

# Under TCG a vCPU can run stale code across the kernel's own text patching (int3
# left by text_poke_bp, as static keys flip at boot) and the guest dies before it
# gets to mbox.ko. Such a boot proves nothing either way: boot once more. The
# first console is kept.
for boot in 1 2; do
	rm -f "$out/console.log" "$out/result.log"
	rc=0
	timeout -k 10 "${MBOX_VM_TIMEOUT:-1200}" "${qemu[@]}" -monitor none \
		-serial file:"$out/console.log" -serial file:"$out/result.log" </dev/null || rc=$?
	grep -q 'Oops: int3' "$out/console.log" && ! grep -q '^mbox-vm: insmod' "$out/result.log" ||
		break
	[ "$boot" = 2 ] && break
	mv "$out/console.log" "$out/console-boot1.log"
	echo "mbox-vm [$name]: the guest died booting (int3 Oops, before insmod): booting again"
done
[ "$mode" = demo ] && sed -n '/^mbox-vm: insmod/,/^mbox-vm: rmmod/p' "$out/result.log"
exec "$MBOX_TOP/tools/testing/vm-report.sh" "$name" "$release" "$out" "$rc" "$kdir"

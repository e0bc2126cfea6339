#!/bin/bash
# Boot one kernel under QEMU (TCG) with mbox.ko, the selftests and busybox in an initramfs.
#   vm.sh KERNEL test    run the selftests, print one summary line, exit 1 on any failure
#   vm.sh KERNEL demo    load the module and show the demo
#   vm.sh KERNEL shell   interactive shell on this terminal
# KERNEL is one of $MBOX_KERNELS_ALL. The guest reports on its second serial port; a run
# counts only if that report ends with the token "mbox-vm: end". Logs: build/vm-KERNEL/.
set -eu
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || mbox_die "usage: vm.sh KERNEL test|demo|shell"
name=$1 mode=$2
read -r kdir image release < <(mbox_kernel "$name")
out=$MBOX_BUILD/vm-$name
mkdir -p "$out"

# Build what goes into the guest.
"$MBOX_TOP/tools/testing/build-module.sh" "$kdir" "$MBOX_BUILD/module-$name" $MBOX_KBUILD_ARGS \
	>"$out/build.log" 2>&1 ||
	{ cat "$out/build.log" >&2; mbox_die "module build for $name failed"; }
root=$out/initramfs
rm -rf "$root" && mkdir -p "$root"/{bin,dev,proc,sys,tmp}
"$MBOX_TOP/tools/testing/guest-install.sh" "$root" >>"$out/build.log" 2>&1 ||
	{ cat "$out/build.log" >&2; mbox_die "building the guest's programs failed"; }
cp /bin/busybox "$root/bin/busybox"
cp "$MBOX_TOP/tools/testing/guest-init.sh" "$root/init"
cp "$MBOX_TOP/tools/testing/demo.sh" "$root/demo.sh"
cp "$MBOX_BUILD/module-$name/module/mbox.ko" "$root/mbox.ko"
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) >"$out/initramfs.cpio"

cmdline="console=ttyS0 panic=-1 panic_on_warn=1 oops=panic mboxvm=$mode"
qemu=(qemu-system-x86_64 -accel tcg -smp 2 -m 1024 -nodefaults -no-reboot
	-display none -kernel "$image" -initrd "$out/initramfs.cpio" -append "$cmdline")

if [ "$mode" = shell ]; then
	exec "${qemu[@]}" -serial mon:stdio -serial null
fi

rm -f "$out/console.log" "$out/result.log"
rc=0
timeout -k 10 "${MBOX_VM_TIMEOUT:-1200}" "${qemu[@]}" -monitor none \
	-serial file:"$out/console.log" -serial file:"$out/result.log" </dev/null || rc=$?
[ "$mode" = demo ] && sed -n '/^mbox-vm: insmod/,/^mbox-vm: rmmod/p' "$out/result.log"
exec "$MBOX_TOP/tools/testing/vm-report.sh" "$name" "$release" "$out" "$rc" "$kdir"

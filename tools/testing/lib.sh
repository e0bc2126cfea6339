# shellcheck shell=bash
# Shared by the mbox test scripts: where things are cached and which kernels exist.
# Sourced, not run.

MBOX_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MBOX_CACHE=${MBOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mbox}
MBOX_BUILD=${MBOX_BUILD:-$MBOX_TOP/build}
MBOX_KERNELS_ALL="6.1 6.12 rt debug"
# Every module build warns as W=1 would; the test command counts the warnings.
MBOX_KBUILD_ARGS="W=1"
# The kernel command line every test VM starts with: a warning is a failure.
# QEMU's TSC is one clock for all vCPUs, but 6.1 distrusts it on the default
# (AMD) CPU model and falls back to the emulated HPET, which makes every
# clock read, in the kernel and in the vDSO, many times slower.
MBOX_GUEST_CMDLINE="console=ttyS0 panic=-1 panic_on_warn=1 oops=panic tsc=reliable"

mbox_log() { printf '%s\n' "$*" >&2; }
mbox_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Newest installed Debian headers of one kernel series, generic flavour or,
# with a second argument "rt", the PREEMPT_RT one.
mbox_headers() {
	if [ "${2:-}" = rt ]; then
		ls -d /usr/src/linux-headers-"$1".*-rt-amd64 2>/dev/null
	else
		ls -d /usr/src/linux-headers-"$1".*-amd64 2>/dev/null |
			grep -v -e '-rt-' -e '-cloud-'
	fi | sort -V | tail -n 1
}

# Tree of linux-source-6.12, extracted once per package version into the cache.
mbox_linux_source() {
	local ver dir
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) ||
		mbox_die "linux-source-6.12 is not installed (run tools/testing/install-deps.sh)"
	dir=$MBOX_CACHE/linux-source-$ver
	mkdir -p "$MBOX_CACHE"
	# One extraction at a time: the checks and the debug kernel build both ask.
	(
		flock 9
		if [ ! -e "$dir/.mbox-extracted" ]; then
			mbox_log "extracting linux-source-6.12 $ver into $dir"
			rm -rf "$dir" && mkdir -p "$dir"
			tar -xJf /usr/src/linux-source-6.12.tar.xz -C "$dir" --strip-components=1
			touch "$dir/.mbox-extracted"
		fi
	) 9>"$MBOX_CACHE/.linux-source.lock" || mbox_die "extracting linux-source-6.12 failed"
	printf '%s\n' "$dir"
}

# "KDIR IMAGE UNAME" for a kernel name of $MBOX_KERNELS_ALL.
mbox_kernel() {
	local kdir rel
	case $1 in
	6.1|6.12|rt)
		if [ "$1" = rt ]; then kdir=$(mbox_headers 6.12 rt); else kdir=$(mbox_headers "$1"); fi
		[ -n "$kdir" ] || mbox_die "no linux-headers for $1 installed"
		rel=${kdir#/usr/src/linux-headers-}
		printf '%s /boot/vmlinuz-%s %s\n' "$kdir" "$rel" "$rel" ;;
	debug)
		kdir=$("$MBOX_TOP/tools/testing/debug-kernel.sh")
		printf '%s %s %s\n' "$kdir" "$kdir/arch/x86/boot/bzImage" \
			"$(cat "$kdir/include/config/kernel.release")" ;;
	*)
		mbox_die "unknown kernel '$1' (choose from: $MBOX_KERNELS_ALL)" ;;
	esac
}

# Build mbox.ko for kernel NAME (headers KDIR) into $MBOX_BUILD/module-NAME and fill
# ROOT with what every test VM boots: busybox, /init, the demo, the module and the
# programs of guest-install.sh. Build output goes to LOG. MBOX_KO=FILE: that module.
mbox_guest_root() {
	local name=$1 kdir=$2 root=$3 log=$4
	# shellcheck disable=SC2086
	"$MBOX_TOP/tools/testing/build-module.sh" "$kdir" "$MBOX_BUILD/module-$name" \
		$MBOX_KBUILD_ARGS >"$log" 2>&1 ||
		{ cat "$log" >&2; mbox_die "module build for $name failed"; }
	rm -rf "$root" && mkdir -p "$root"/{bin,dev,proc,sys,tmp}
	"$MBOX_TOP/tools/testing/guest-install.sh" "$root" >>"$log" 2>&1 ||
		{ cat "$log" >&2; mbox_die "building the guest's programs failed"; }
	cp /bin/busybox "$root/bin/busybox"
	cp "$MBOX_TOP/tools/testing/guest-init.sh" "$root/init"
	cp "$MBOX_TOP/tools/testing/demo.sh" "$root/demo.sh"
	cp "${MBOX_KO:-$MBOX_BUILD/module-$name/module/mbox.ko}" "$root/mbox.ko"
	chmod 755 "$root/init"
}

# Pack ROOT into the newc cpio archive FILE, the initramfs QEMU boots.
mbox_cpio() {
	(cd "$1" && find . | cpio -o -H newc --quiet) >"$2"
}

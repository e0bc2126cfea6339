#!/bin/bash
# Build the debug kernel (linux-source-6.12, allnoconfig + kconfig/*.config) unless the cache
# already holds one built from the same source version, fragments and script; print its
# build directory, which serves as KDIR for the module and holds arch/x86/boot/bzImage.
set -eu
. "$(dirname "$0")/lib.sh"

src=$(mbox_linux_source)
frags="$MBOX_TOP/tools/testing/kconfig/base.config $MBOX_TOP/tools/testing/kconfig/debug.config"
key=$( { basename "$src"; cat $frags "$0"; } | sha256sum | cut -c1-16)
out=$MBOX_CACHE/debug-kernel-$key
# One build at a time per cache: a second caller waits and finds it built.
exec 9>"$MBOX_CACHE/.debug-kernel.lock"
flock 9
if [ -e "$out/.mbox-built" ]; then
	printf '%s\n' "$out"
	exit 0
fi

mbox_log "building the debug kernel in $out (cold: ~20 min on 2 cores; log: $out/build.log)"
rm -rf "$out" && mkdir -p "$out"
start=$(date +%s)
{
	make -C "$src" O="$out" allnoconfig
	# shellcheck disable=SC2086
	(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" $frags)
	make -C "$src" O="$out" olddefconfig
	# Fail now if Kconfig dropped a fragment option (missing dependency).
	for opt in $(grep -h '^CONFIG_.*=y' $frags | cut -d= -f1); do
		grep -q "^$opt=y" "$out/.config" || { echo "debug-kernel: $opt did not stick" >&2; exit 1; }
	done
	# bzImage to boot; modules for Module.symvers, which external modules link against.
	make -C "$src" O="$out" -j"$(nproc)" bzImage modules
} >"$out/build.log" 2>&1 || { tail -n 30 "$out/build.log" >&2; mbox_die "debug kernel build failed"; }
echo $(( $(date +%s) - start )) >"$out/.mbox-build-seconds"
touch "$out/.mbox-built"
mbox_log "debug kernel built in $(cat "$out/.mbox-build-seconds") s"
printf '%s\n' "$out"

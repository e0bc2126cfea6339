#!/bin/bash
# Build mbox with DKMS as a user of the package would, but into scratch trees (no
# /var/lib/dkms, no /usr/src): stage `make dkms-install`, then dkms add and build for
# the installed Debian 6.12 headers, signing with a scratch MOK key; then boot that
# kernel with the DKMS-built mbox.ko and check it loads and unloads cleanly.
# Prints "dkms: built VERSION for RELEASE, loads", or "dkms: ..." saying what failed.
set -eu
. "$(dirname "$0")/lib.sh"
read -r kdir _ release < <(mbox_kernel 6.12)
tmp=$MBOX_BUILD/dkms log=$MBOX_BUILD/dkms.log
version=$(sed -n 's/^#define MBOX_VERSION "\(.*\)"/\1/p' "$MBOX_TOP/module/version.h")
fail() { echo "dkms: $* ($log)"; exit 1; }
rm -rf "$tmp" && mkdir -p "$tmp/tree"
: >"$log"

make -C "$MBOX_TOP" -s dkms-install DESTDIR="$tmp/root" >>"$log" 2>&1 || fail "make dkms-install failed"
trees=(--sourcetree "$tmp/root/usr/src" --dkmstree "$tmp/tree")
export mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub
dkms add -m mbox -v "$version" "${trees[@]}" >>"$log" 2>&1 || fail "dkms add failed"
dkms build -m mbox -v "$version" -k "$release" --kernelsourcedir "$kdir" "${trees[@]}" \
	>>"$log" 2>&1 || fail "dkms build for $release failed"
ko=$(ls "$tmp/tree/mbox/$version/$release"/*/module/mbox.ko* 2>/dev/null | head -n 1)
[ -n "$ko" ] || fail "no mbox.ko in $tmp/tree"
case $ko in
*.xz) xz -dc "$ko" >"$tmp/mbox.ko" ;;
*.zst) zstd -qdc "$ko" >"$tmp/mbox.ko" ;;
*.gz) gzip -dc "$ko" >"$tmp/mbox.ko" ;;
*) cp "$ko" "$tmp/mbox.ko" ;;
esac
[ "$(modinfo -F version "$tmp/mbox.ko")" = "$version" ] || fail "built module is not version $version"

# Only insmod and rmmod: no selftest is called "none".
MBOX_KO=$tmp/mbox.ko MBOX_TESTS=none "$MBOX_TOP/tools/testing/vm.sh" 6.12 test >>"$log" 2>&1 ||
	fail "built $version for $release, but it does not load cleanly (see $MBOX_BUILD/vm-6.12-ko/)"
echo "dkms: built $version for $release, loads"

#!/bin/bash
# Stage `make install` into a scratch DESTDIR for the 6.12 headers, compare the files it
# installs with tools/testing/install-manifest.txt (the release written @RELEASE@; of
# depmod's index only modules.dep, whose other files vary with the kmod version), check
# that depmod indexed the module and that libmbox.so keeps the symbols of its earlier
# versions, then `make uninstall` and check nothing is left.
# Prints "install: N files, as expected", or "install: ..." saying what failed (details on
# stderr) and exits 1.
set -eu
. "$(dirname "$0")/lib.sh"
read -r kdir _ release < <(mbox_kernel 6.12)
dest=$MBOX_BUILD/install-root log=$MBOX_BUILD/install.log
rm -rf "$dest"
files() {
	(cd "$dest" && find . ! -type d | sed 's|^\./||' | sed "s|$release|@RELEASE@|g" |
		grep -vE '^lib/modules/@RELEASE@/modules\.[a-z.]+$|modules\.dep$' | sort)
	[ ! -e "$dest/lib/modules/$release/modules.dep" ] || echo "lib/modules/@RELEASE@/modules.dep"
}
fail() { echo "install: $*"; exit 1; }

# A copy of the tree, so the in-place module build leaves nothing in the sources.
src=$MBOX_BUILD/install-src
mkdir -p "$src"
rsync -a --delete --exclude='/.git' --exclude='/build*' "$MBOX_TOP/" "$src/"
make -C "$src" -s install DESTDIR="$dest" KDIR="$kdir" BUILD="$MBOX_BUILD/install-build" >"$log" 2>&1 ||
	fail "make install failed ($log)"
expected=$(grep -v '^#' "$MBOX_TOP/tools/testing/install-manifest.txt" | sort)
got=$(files | sort)
if [ "$got" != "$expected" ]; then
	diff <(printf '%s\n' "$expected") <(printf '%s\n' "$got") | grep '^[<>]' |
		sed 's/^</  expected, missing: /; s/^>/  installed, unexpected: /' >&2
	fail "files differ from tools/testing/install-manifest.txt"
fi
grep -q "^extra/module/mbox.ko[.a-z]*:" "$dest/lib/modules/$release/modules.dep" ||
	fail "depmod did not index mbox.ko ($dest/lib/modules/$release/modules.dep)"
# Programs linked against an earlier libmbox find the functions of their version.
for sym in mbox_sendx@LIBMBOX_1.0 mbox_recvx@LIBMBOX_1.0 mbox_stat@LIBMBOX_1.0 \
	mbox_send_batch@LIBMBOX_1.1 mbox_recv_batch@LIBMBOX_1.1 mbox_sendx_sized@@LIBMBOX_1.2 \
	mbox_reply_recv_sized@@LIBMBOX_1.3; do
	readelf --dyn-syms -W "$dest/usr/local/lib/libmbox.so" | grep -qw "$sym" ||
		fail "libmbox.so does not export $sym"
done

make -C "$src" -s uninstall DESTDIR="$dest" KDIR="$kdir" BUILD="$MBOX_BUILD/install-build" >>"$log" 2>&1 ||
	fail "make uninstall failed ($log)"
left=$(files | grep -v '/modules\.dep$' || true)
[ -z "$left" ] || fail "make uninstall left: $(echo $left)"
echo "install: $(printf '%s\n' "$expected" | wc -l) files, as expected"

#!/bin/bash
# Build what the test VM runs besides the module and install it under ROOT:
# every program in ROOT/selftests is run by the guest and must print a kselftest
# "# Totals:" line. Build output goes to $MBOX_BUILD.
#   selftests/mbox             the kernel ABI tests
#   libmbox tests              static, and -asan builds with their shared libraries
#   mboxctl_test, examples_test  shell tests of the CLI and the examples
#   libmbox-mq tests           tools/lib/mbox-mq/tests/guest-install.sh says which
#   bench_test, /bin/mbox-bench  the benchmark, once in a tiny configuration
#   /bin/mboxctl, /examples/*  for those tests, the demo and the shell
set -eu
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || mbox_die "usage: guest-install.sh ROOT"
root=$1
mkdir -p "$MBOX_BUILD/selftests" "$root/selftests" "$root/bin" "$root/examples" "$root/lib/mbox"
make -s -C "$MBOX_TOP/selftests/mbox" OUTPUT="$MBOX_BUILD/selftests"
cp "$MBOX_BUILD"/selftests/*_test "$root/selftests/"

make -s -C "$MBOX_TOP" tools examples lib-tests BUILD="$MBOX_BUILD"
cp "$MBOX_BUILD"/lib/tests/*_test "$MBOX_BUILD"/lib/tests/*_test-asan "$root/selftests/"
cp "$MBOX_BUILD/mboxctl/mboxctl" "$root/bin/"
cp "$MBOX_BUILD"/examples/* "$root/examples/"
cp "$MBOX_TOP/tools/testing/ktap.sh" "$root/lib/mbox/"
make -s -C "$MBOX_TOP/tools/bench" OUTPUT="$MBOX_BUILD/bench"
cp "$MBOX_BUILD/bench/mbox-bench" "$root/bin/"
for t in mboxctl_test examples_test bench_test; do
	install -m 755 "$MBOX_TOP/tools/testing/$t.sh" "$root/selftests/$t"
done

# The sanitizer runtimes exist only as shared libraries: give the -asan tests the
# dynamic loader and every library ldd names, at the same paths as here.
for lib in $(ldd "$MBOX_BUILD"/lib/tests/*_test-asan | grep -oE '/[^ ]+\.so[^ ]*' | sort -u); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done

make -s -C "$MBOX_TOP" mq-lib-tests BUILD="$MBOX_BUILD"
"$MBOX_TOP/tools/lib/mbox-mq/tests/guest-install.sh" "$root" "$MBOX_BUILD/mq-lib"

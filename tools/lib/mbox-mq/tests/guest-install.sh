#!/bin/bash
# Put libmbox-mq's tests into the test VM's ROOT (tools/testing/guest-install.sh calls
# this with BUILD, where `make mq-lib-tests` built them):
#   /selftests/NAME_test            the conformance tests, static with libmbox-mq.a
#   /selftests/NAME_test-shared     the same linked with -lmbox-mq ahead of libc
#   /selftests/NAME_test-preload    the same built for glibc alone, under LD_PRELOAD
#   /selftests/mq_programs_test     the plain POSIX programs, every way
# with the library, the programs and the shared libraries they load in /lib/mbox-mq
# and at their own paths.
set -eu
[ $# -eq 2 ] || { echo "usage: guest-install.sh ROOT BUILD" >&2; exit 2; }
root=$1 build=$2 dir=/lib/mbox-mq
mkdir -p "$root$dir/programs" "$root/selftests"
cp -L "$build/libmbox-mq.so.1" "$root$dir/"
cp "$build"/tests/programs/* "$root$dir/programs/"
for t in "$build"/tests/*_test; do
	n=${t##*/}
	cp "$t" "$root/selftests/"
	cp "$t-shared" "$t-glibc" "$root$dir/"
	printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s/%s-shared\n' "$dir" "$dir" "$n" \
		>"$root/selftests/$n-shared"
	printf '#!/bin/sh\nLD_PRELOAD=%s/libmbox-mq.so.1 exec %s/%s-glibc\n' "$dir" "$dir" "$n" \
		>"$root/selftests/$n-preload"
	chmod 755 "$root/selftests/$n-shared" "$root/selftests/$n-preload"
done
install -m 755 "$(dirname "$0")/mq_programs_test.sh" "$root/selftests/mq_programs_test"

# The dynamic loader and every library ldd names, at the same paths as here.
for lib in $(ldd "$build"/tests/*-glibc "$build"/tests/programs/*-glibc | grep -oE '/[^ ]+\.so[^ :]*' |
	sort -u); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done

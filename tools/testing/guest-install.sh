#!/bin/bash
# Build what the test VM runs besides the module and install it under ROOT:
# every program in ROOT/selftests is run by the guest and must print a kselftest
# "# Totals:" line. Build output goes to $MBOX_BUILD.
set -eu
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || mbox_die "usage: guest-install.sh ROOT"
root=$1
mkdir -p "$MBOX_BUILD/selftests" "$root/selftests"
make -s -C "$MBOX_TOP/selftests/mbox" OUTPUT="$MBOX_BUILD/selftests"
cp "$MBOX_BUILD"/selftests/*_test "$root/selftests/"

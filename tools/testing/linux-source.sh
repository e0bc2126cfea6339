#!/bin/bash
# Print the tree of the installed linux-source-6.12 (extracting it into the cache once):
# the selftests take kselftest_harness.h and lib.mk from it, the checks checkpatch.pl.
set -eu
. "$(dirname "$0")/lib.sh"
mbox_linux_source

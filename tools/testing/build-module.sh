#!/bin/bash
# Build mbox.ko against KDIR in a private copy of the sources under OUTDIR, so that
# builds for several kernels never share object files. Extra arguments go to kbuild
# (W=1, C=2, ...). Prints kbuild's output; the module is OUTDIR/module/mbox.ko.
set -eu
. "$(dirname "$0")/lib.sh"
[ $# -ge 2 ] || mbox_die "usage: build-module.sh KDIR OUTDIR [kbuild args...]"
kdir=$1 outdir=$2
shift 2
mkdir -p "$outdir"
rsync -a --delete --include='*/' --include='*.[ch]' --include=Kbuild --exclude='*' \
	"$MBOX_TOP/Kbuild" "$MBOX_TOP/module" "$MBOX_TOP/uapi" "$outdir/"
make -C "$kdir" M="$outdir" "$@" modules

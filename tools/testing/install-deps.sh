#!/bin/bash
# Install what building, checking and VM-testing mbox needs on a Debian 12 machine:
# the 6.1 and newest 6.12 kernels (generic and PREEMPT_RT) with headers, linux-source-6.12,
# QEMU, busybox, sparse,
# groff (man page checks), dkms and python3-docutils (packaging and docs checks),
# nats-server and libnats-dev (mbox-bridge and its two-VM test), gnuplot-nox (make bench)
# and the toolchain for a debug kernel. Versions are discovered
# from apt, never hard-coded.
# Idempotent: when everything is present it does nothing (and does not touch the network).
set -eu

newest() {	# newest package name matching an anchored regex
	apt-cache search --names-only "$1" | awk '{print $1}' | sort -V | tail -n 1
}

base_pkgs="linux-image-amd64 linux-headers-amd64 linux-source-6.12 qemu-system-x86
	busybox-static sparse make gcc libc6-dev bc bison flex libelf-dev libssl-dev
	xz-utils cpio kmod perl python3 g++ rsync dwarves groff-base
	dkms python3-docutils nats-server libnats-dev pkg-config gnuplot-nox"

missing() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
			printf '%s ' "$p"
	done
}

# Fast path: 6.12 kernels are already installed and nothing else is missing.
have612=$(ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null | grep -v -e rt -e cloud | tail -n 1 || true)
have612rt=$(ls -d /usr/src/linux-headers-6.12.*-rt-amd64 2>/dev/null | tail -n 1 || true)
todo=$(missing $base_pkgs)
if [ -n "$have612" ] && [ -n "$have612rt" ] && [ -z "$todo" ]; then
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
v612=$(newest '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$')
[ -n "$v612" ] || { echo "install-deps: no linux-image-6.12.*-amd64-unsigned in apt" >&2; exit 1; }
abi=${v612#linux-image-}; abi=${abi%-unsigned}
rt=$(newest '^linux-image-6\.12\.[0-9]+\+deb12-rt-amd64-unsigned$')
[ -n "$rt" ] || { echo "install-deps: no linux-image-6.12.*-rt-amd64-unsigned in apt" >&2; exit 1; }
abi_rt=${rt#linux-image-}; abi_rt=${abi_rt%-unsigned}
todo=$(missing $base_pkgs "$v612" "linux-headers-$abi" "$rt" "linux-headers-$abi_rt")
[ -z "$todo" ] && exit 0
echo "install-deps: installing $todo"
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $todo >/dev/null

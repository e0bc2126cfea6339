# SPDX-License-Identifier: GPL-2.0
#
# mbox: message-passing IPC through /dev/mbox.
#
#   make                  build module/mbox.ko against KDIR
#   make load | unload    insmod / rmmod it on this machine (root)
#   make run              boot a VM with /dev/mbox loaded and show a short demo
#   make vm               the same VM with an interactive shell
#   make check            the test command: static checks, then the selftests in a
#                         VM on every kernel; KERNEL="6.1 6.12 debug" picks kernels
#   make selftests        build the kselftests into selftests/mbox/
#   make clean
#
# KDIR defaults to the running kernel's build tree, else the newest installed
# Debian headers. V=1 shows the commands.

KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | \
		grep -v -e -rt- -e -cloud- | sort -V | tail -n 1))
KERNEL ?= 6.12
TESTING := tools/testing

all: modules

modules:
	@test -n "$(KDIR)" || { echo "no kernel headers: install linux-headers-$$(uname -r) or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

load: modules
	insmod module/mbox.ko

unload:
	rmmod mbox

run:
	@$(TESTING)/install-deps.sh
	@$(TESTING)/vm.sh $(firstword $(KERNEL)) demo

vm:
	@$(TESTING)/install-deps.sh
	@$(TESTING)/vm.sh $(firstword $(KERNEL)) shell

check:
	@$(if $(filter command line environment,$(origin KERNEL)),KERNEL="$(KERNEL)") \
		$(TESTING)/check.sh

selftests:
	$(MAKE) -C selftests/mbox

clean:
	$(if $(KDIR),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	rm -rf build selftests/mbox/*_test

.PHONY: all modules load unload run vm check selftests clean

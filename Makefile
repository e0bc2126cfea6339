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
#   make lib              libmbox (static, shared, pkg-config file) into BUILD/lib
#   make tools            mboxctl into BUILD/mboxctl
#   make examples         the libmbox examples into BUILD/examples
#   make lib-tests        the libmbox tests (plain and -asan) into BUILD/lib/tests
#   make install | uninstall   libmbox, its headers and .pc, mboxctl and the man
#                         pages; DESTDIR, prefix, libdir, includedir, mandir apply
#   make clean
#
# KDIR defaults to the running kernel's build tree, else the newest installed
# Debian headers. BUILD (default build/, or $MBOX_BUILD) receives what the tools
# build. V=1 shows the commands.

KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | \
		grep -v -e -rt- -e -cloud- | sort -V | tail -n 1))
KERNEL ?= 6.12
TESTING := tools/testing
BUILD ?= $(or $(MBOX_BUILD),$(CURDIR)/build)
prefix ?= /usr/local
mandir ?= $(prefix)/share/man
export prefix
SUBMAKE = $(MAKE) $(if $(filter 1,$(V)),,--no-print-directory)
# Every tools/ Makefile links the one libmbox built in BUILD/lib.
TOOLS_MAKE = $(SUBMAKE) LIBMBOX_OUTPUT=$(BUILD)/lib

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

lib:
	@$(SUBMAKE) -C tools/lib/mbox OUTPUT=$(BUILD)/lib

tools: lib
	@$(TOOLS_MAKE) -C tools/mboxctl OUTPUT=$(BUILD)/mboxctl

examples: lib
	@$(TOOLS_MAKE) -C tools/examples OUTPUT=$(BUILD)/examples

lib-tests: lib
	@$(TOOLS_MAKE) -C tools/lib/mbox/tests OUTPUT=$(BUILD)/lib/tests

install: lib tools
	$(MAKE) -C tools/lib/mbox OUTPUT=$(BUILD)/lib install
	$(TOOLS_MAKE) -C tools/mboxctl OUTPUT=$(BUILD)/mboxctl install
	install -d $(addprefix $(DESTDIR)$(mandir)/,man3 man4 man8)
	install -m 644 Documentation/man/man3/*.3 $(DESTDIR)$(mandir)/man3/
	install -m 644 Documentation/man/man4/*.4 $(DESTDIR)$(mandir)/man4/
	install -m 644 Documentation/man/man8/*.8 $(DESTDIR)$(mandir)/man8/

uninstall:
	$(MAKE) -C tools/lib/mbox uninstall
	$(MAKE) -C tools/mboxctl uninstall
	rm -f $(patsubst Documentation/man/%,$(DESTDIR)$(mandir)/%,\
		$(wildcard Documentation/man/man*/*.[348]))

clean:
	$(if $(KDIR),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	rm -rf build selftests/mbox/*_test

.PHONY: all modules load unload run vm check selftests lib tools examples lib-tests \
	install uninstall clean

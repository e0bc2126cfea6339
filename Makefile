# SPDX-License-Identifier: GPL-2.0
#
# mbox: message-passing IPC through /dev/mbox.
#
#   make                  build module/mbox.ko against KDIR
#   make load | unload    insmod / rmmod it on this machine (root)
#   make run              boot a VM with /dev/mbox loaded and show a short demo
#   make vm               the same VM with an interactive shell
#   make check            the test command: static checks, then the selftests in a
#                         VM on every kernel; KERNEL="6.1 6.12 rt debug" picks kernels
#   make selftests        build the kselftests into selftests/mbox/
#   make lib              libmbox (static, shared, pkg-config file) into BUILD/lib
#   make tools            mboxctl into BUILD/mboxctl
#   make examples         the libmbox examples into BUILD/examples
#   make lib-tests        the libmbox tests (plain and -asan) into BUILD/lib/tests
#   make mq-lib           libmbox-mq, POSIX message queues over mbox, into BUILD/mq-lib
#   make mq-lib-tests     its conformance tests and mq programs into BUILD/mq-lib/tests
#   make bridge           mbox-bridge (needs libnats-dev) into BUILD/bridge
#   make bridge-test      mbox-bridge end to end: two VMs, nats-server in one
#   make bench            mbox-bench against pipes, sockets, POSIX mq, SysV msg in a VM
#                         of each KERNEL (default "6.1 6.12"): tables, targets, CSV,
#                         plot; MBOX_BENCH_ARGS=--quick for a short run
#   make profile          where the instructions of a send and a receive go, by
#                         function, mbox against a pipe, on KERNEL (default 6.12)
#   make install | uninstall   libmbox, its headers and .pc, libmbox-mq, mboxctl and
#                         the man pages; DESTDIR, prefix, libdir, includedir, mandir apply
#   make install | uninstall   also the module (modules_install into
#                         DESTDIR/lib/modules/RELEASE/extra, then depmod) for
#                         KDIR, and the udev rule into DESTDIR$(udevdir)
#   make dkms-install | dkms-uninstall   the sources as /usr/src/mbox-VERSION,
#                         then dkms add and install (DESTDIR: only the sources)
#   make sign             sign module/mbox.ko with the DKMS MOK key (Secure Boot)
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

bridge: lib
	@$(TOOLS_MAKE) -C tools/bridge OUTPUT=$(BUILD)/bridge

bridge-test:
	@$(TESTING)/install-deps.sh
	@$(TESTING)/bridge-vm.sh

bench:
	@$(TESTING)/install-deps.sh
	@KERNEL="$(if $(filter command line environment,$(origin KERNEL)),$(KERNEL),6.1 6.12)" \
		tools/bench/bench.sh

profile:
	@$(TESTING)/install-deps.sh
	@KERNEL="$(if $(filter command line environment,$(origin KERNEL)),$(KERNEL),6.12)" \
		tools/bench/profile/profile.sh

mq-lib:
	@$(SUBMAKE) -C tools/lib/mbox-mq OUTPUT=$(BUILD)/mq-lib

mq-lib-tests:
	@$(SUBMAKE) -C tools/lib/mbox-mq OUTPUT=$(BUILD)/mq-lib tests

install: lib tools mq-lib
	$(MAKE) -C tools/lib/mbox OUTPUT=$(BUILD)/lib install
	$(MAKE) -C tools/lib/mbox-mq OUTPUT=$(BUILD)/mq-lib install
	$(TOOLS_MAKE) -C tools/mboxctl OUTPUT=$(BUILD)/mboxctl install
	install -d $(addprefix $(DESTDIR)$(mandir)/,man3 man4 man8)
	install -m 644 Documentation/man/man3/*.3 $(DESTDIR)$(mandir)/man3/
	install -m 644 Documentation/man/man4/*.4 $(DESTDIR)$(mandir)/man4/
	install -m 644 Documentation/man/man8/*.8 $(DESTDIR)$(mandir)/man8/

uninstall:
	$(MAKE) -C tools/lib/mbox uninstall
	$(MAKE) -C tools/lib/mbox-mq uninstall
	$(MAKE) -C tools/mboxctl uninstall
	rm -f $(patsubst Documentation/man/%,$(DESTDIR)$(mandir)/%,\
		$(wildcard Documentation/man/man*/*.[348]))

# The module, the udev rule and the DKMS sources, for install and uninstall.
# Documentation/admin-guide/mbox.rst describes them.
MBOX_VERSION := $(shell sed -n 's/^\#define MBOX_VERSION "\(.*\)"/\1/p' module/version.h)
KRELEASE = $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
udevdir ?= /usr/lib/udev
DKMS_SRC = $(DESTDIR)/usr/src/mbox-$(MBOX_VERSION)
DKMS_VER = mbox/$(MBOX_VERSION)
# The DKMS MOK key, as dkms itself finds it (framework.conf, else its default).
dkms_conf = $(shell sed -n 's/^$(1)=["]*\([^"]*\)["]*$$/\1/p' \
	/etc/dkms/framework.conf /etc/dkms/framework.conf.d/*.conf 2>/dev/null | tail -n 1)
MOK_KEY ?= $(or $(call dkms_conf,mok_signing_key),/var/lib/dkms/mok.key)
MOK_CERT ?= $(or $(call dkms_conf,mok_certificate),/var/lib/dkms/mok.pub)
SIGN_HASH = $(or $(shell sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"/\1/p' $(KDIR)/.config),sha512)

install: module-install udev-install
uninstall: module-uninstall udev-uninstall

module-install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=extra \
		modules_install
	depmod -b $(or $(DESTDIR),/) $(KRELEASE)

module-uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KRELEASE)/extra/module/mbox.ko*
	-rmdir $(DESTDIR)/lib/modules/$(KRELEASE)/extra/module \
		$(DESTDIR)/lib/modules/$(KRELEASE)/extra 2>/dev/null
	depmod -b $(or $(DESTDIR),/) $(KRELEASE)

udev-install:
	install -D -m 644 tools/udev/60-mbox.rules $(DESTDIR)$(udevdir)/rules.d/60-mbox.rules

udev-uninstall:
	rm -f $(DESTDIR)$(udevdir)/rules.d/60-mbox.rules

# Exactly the files a module build reads, and dkms.conf with the version filled in.
dkms-install:
	install -d $(DKMS_SRC)/module $(DKMS_SRC)/uapi/linux
	install -m 644 Kbuild $(DKMS_SRC)/
	install -m 644 module/Kbuild $(filter-out %.mod.c,$(wildcard module/*.[ch])) $(DKMS_SRC)/module/
	install -m 644 uapi/linux/mbox.h $(DKMS_SRC)/uapi/linux/
	sed 's/@VERSION@/$(MBOX_VERSION)/' module/dkms.conf >$(DKMS_SRC)/dkms.conf
ifeq ($(DESTDIR),)
	dkms status $(DKMS_VER) | grep -q . || dkms add $(DKMS_VER)
	dkms install $(DKMS_VER) $(if $(KRELEASE),-k $(KRELEASE))
endif

dkms-uninstall:
ifeq ($(DESTDIR),)
	-dkms remove $(DKMS_VER) --all
endif
	rm -rf $(DKMS_SRC)

sign: modules
	$(KDIR)/scripts/sign-file $(SIGN_HASH) $(MOK_KEY) $(MOK_CERT) module/mbox.ko

.PHONY: module-install module-uninstall udev-install udev-uninstall dkms-install \
	dkms-uninstall sign

# Longer reliability campaigns by hand, in a VM of $(KERNEL) (debug: the sanitisers):
#   make stress [MBOX_STRESS_MESSAGES=1000000] [MBOX_STRESS_SEED=N] [KERNEL=debug]
#   make fuzz [MBOX_FUZZ_CALLS=1000000] [MBOX_FUZZ_SEED=N] [KERNEL=debug]
# A seed is drawn unless given, and printed for a replay; MBOX_VM_TIMEOUT (s) bounds a run.
MBOX_STRESS_MESSAGES ?= 1000000
MBOX_FUZZ_CALLS ?= 1000000
CAMPAIGN_SEED = $$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')

stress fuzz:
	@$(TESTING)/install-deps.sh
	@seed=$${MBOX_$(shell echo $@ | tr a-z A-Z)_SEED:-$(CAMPAIGN_SEED)}; \
	echo "$@ campaign on $(firstword $(KERNEL)), seed $$seed (replay: make $@ MBOX_$(shell echo $@ | tr a-z A-Z)_SEED=$$seed)"; \
	MBOX_TESTS=$@_test MBOX_$(shell echo $@ | tr a-z A-Z)_SEED=$$seed \
	MBOX_STRESS_MESSAGES=$(MBOX_STRESS_MESSAGES) MBOX_FUZZ_CALLS=$(MBOX_FUZZ_CALLS) \
	MBOX_VM_TIMEOUT=$${MBOX_VM_TIMEOUT:-7200} $(TESTING)/vm.sh $(firstword $(KERNEL)) test

.PHONY: stress fuzz

# The planted-bug campaign: the suite on the debug kernel once per bug planted in a
# scratch copy of HEAD (tools/testing/planted/*.patch); says which test caught each.
planted:
	@$(TESTING)/install-deps.sh
	@MBOX_VM_TIMEOUT=$${MBOX_VM_TIMEOUT:-1800} $(TESTING)/planted-bugs.sh

.PHONY: planted

clean:
	$(if $(KDIR),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	rm -rf build selftests/mbox/*_test

.PHONY: all modules load unload run vm check selftests lib tools examples lib-tests \
	mq-lib mq-lib-tests bridge bridge-test bench profile install uninstall clean

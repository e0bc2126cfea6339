# SPDX-License-Identifier: GPL-2.0
# Included by the Makefiles of programs that link libmbox (after Makefile.include):
# where it is built (LIBMBOX_OUTPUT, default next to its sources), the flags to
# compile against it, and the rule that has the library's Makefile build it.

LIBMBOX_DIR := $(MBOX_TOP)/tools/lib/mbox
LIBMBOX_OUTPUT ?= $(LIBMBOX_DIR)
override LIBMBOX_OUTPUT := $(abspath $(LIBMBOX_OUTPUT))
LIBMBOX_A := $(LIBMBOX_OUTPUT)/libmbox.a
LIBMBOX_CFLAGS := -I$(LIBMBOX_DIR)/include -I$(LIBMBOX_OUTPUT)/include

# Always ask the library's Makefile: it knows whether the archive is current, and
# make re-reads its time stamp afterwards, so programs relink only when it changed.
$(LIBMBOX_A): FORCE
	$(Q)$(MAKE) -C $(LIBMBOX_DIR) OUTPUT=$(LIBMBOX_OUTPUT) static

FORCE:
.PHONY: FORCE

# SPDX-License-Identifier: GPL-2.0
# Build the fscache-rs modules against a configured kernel build tree:
#
#   make KDIR=/path/to/kernel/build [LLVM=-14 RUSTC=... BINDGEN=...]
#
# The scripts (scripts/build-modules) pass the right toolchain for the test
# kernels and build in a copy under ~/.cache, so the checkout stays clean.

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $@

.PHONY: all modules clean

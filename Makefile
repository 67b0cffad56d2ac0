# SPDX-License-Identifier: GPL-2.0
# Build and install the fscache-rs modules against a configured kernel
# build tree (the running kernel's by default):
#
#   make [KDIR=/path/to/kernel/build] [LLVM=-14 RUSTC=... BINDGEN=...]
#   make install [KDIR=...] [INSTALL_MOD_PATH=/staging/root]
#
# `install` (or `modules_install`) builds fscache.ko and cachefiles.ko
# alone, without the test modules, puts them under
# /lib/modules/<release>/updates/, where depmod finds them before the
# kernel's own, and runs depmod: then `modprobe cachefiles` loads ours.
# The kernel must be one with the fscache split (our patch,
# scripts/kernel/patches/0001-*), so that fscache is a module to replace.
#
# The scripts (scripts/build-modules) pass the right toolchain for the test
# kernels and build in a copy under ~/.cache, so the checkout stays clean.

KDIR ?= /lib/modules/$(shell uname -r)/build
INSTALL_MOD_DIR ?= updates

# With a versioned LLVM (LLVM=-14, as Debian installs clang-14 without a
# plain `clang`), the compiler and linker are the ones LLVM= names. DKMS
# appends CC=clang LD=ld.lld to its make command for a clang-built kernel,
# which would override them with names that do not exist; passing them
# again to the kernel's make puts them back.
ifneq ($(filter -%,$(LLVM)),)
LLVM_TOOLS := CC=clang$(LLVM) LD=ld.lld$(LLVM)
endif

all: modules

modules clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(LLVM_TOOLS) $@

install modules_install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(LLVM_TOOLS) FSRS_NO_TESTS=1 modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(LLVM_TOOLS) FSRS_NO_TESTS=1 \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) modules_install

.PHONY: all modules clean install modules_install

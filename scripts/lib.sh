# Shared settings for the fscache-rs scripts. Source it; do not run it.
# shellcheck shell=bash

FSRS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FSRS_CACHE=${FSCACHE_RS_CACHE:-$HOME/.cache/fscache-rs}

# Versions this project was verified with (see Documentation/build-and-test.rst).
FSRS_VERIFIED_KERNEL="6.12.117 (linux-source-6.12 6.12.117-1~deb12u1)"
FSRS_VERIFIED_RUSTC="1.96.0 (rustc-web 1.96.0+dfsg1-1~deb12u2)"
FSRS_BINDGEN_VERSION=0.71.1
FSRS_CARGO_FUZZ_VERSION=0.13.2
# nydusd and nydus-image (crates.io's nydus-rs), for the on-demand tests.
FSRS_NYDUS_VERSION=2.2.0
FSRS_KERNEL_TARBALL=/usr/src/linux-source-6.12.tar.xz

FSRS_RUSTC=/usr/bin/rustc
# Debian's clippy matching that rustc (rustup's on PATH does not).
FSRS_CLIPPY_DRIVER=/usr/bin/clippy-driver
FSRS_BINDGEN=${CARGO_HOME:-$HOME/.cargo}/bin/bindgen
FSRS_LLVM_SUFFIX=-14
FSRS_JOBS=${FSRS_JOBS:-$(nproc)}

# Every variant is built with LLVM: the kernel only allows Rust together
# with KASAN when the C side is compiled by clang (init/Kconfig, RUST).
fsrs_kmake_args() {
	printf '%s\n' \
		"LLVM=$FSRS_LLVM_SUFFIX" \
		"RUSTC=$FSRS_RUSTC" \
		"HOSTRUSTC=$FSRS_RUSTC" \
		"BINDGEN=$FSRS_BINDGEN" \
		"LIBCLANG_PATH=/usr/lib/llvm${FSRS_LLVM_SUFFIX}/lib"
}

fsrs_log() { printf '[fscache-rs] %s\n' "$*" >&2; }
fsrs_die() { printf '[fscache-rs] error: %s\n' "$*" >&2; exit 1; }

# Directory of a finished kernel build of VARIANT (fast|debug); empty if the
# key has no finished build. The key covers everything that changes the
# result: kernel version, patches, config fragments, toolchain versions and
# the build script itself.
fsrs_kernel_key() {
	local variant=$1 ver
	ver=$(fsrs_kernel_version)
	{
		echo "$ver"
		cat "$FSRS_ROOT"/scripts/kernel/patches/*.patch
		cat "$FSRS_ROOT/scripts/kernel/config/common.config" \
			"$FSRS_ROOT/scripts/kernel/config/$variant.config"
		cat "$FSRS_ROOT/scripts/build-kernel"
		"$FSRS_RUSTC" --version
		"$FSRS_BINDGEN" --version
		"clang$FSRS_LLVM_SUFFIX" --version | head -1
	} | sha256sum | cut -c1-16
}

# Version of the Debian kernel source tarball, read from its Makefile.
fsrs_kernel_version() {
	local stamp="$FSRS_CACHE/tarball.version"
	local tb_id
	tb_id=$(stat -c '%s-%Y' "$FSRS_KERNEL_TARBALL")
	if [ -f "$stamp" ] && [ "$(head -1 "$stamp")" = "$tb_id" ]; then
		sed -n 2p "$stamp"
		return
	fi
	mkdir -p "$FSRS_CACHE"
	local v
	v=$(tar xJf "$FSRS_KERNEL_TARBALL" --to-stdout linux-source-6.12/Makefile |
		awk '/^VERSION =/{a=$3} /^PATCHLEVEL =/{b=$3} /^SUBLEVEL =/{c=$3}
		     END{print a"."b"."c}')
	printf '%s\n%s\n' "$tb_id" "$v" >"$stamp"
	echo "$v"
}

fsrs_kernel_dir() {
	local variant=$1
	echo "$FSRS_CACHE/kernel/$variant-$(fsrs_kernel_version)-$(fsrs_kernel_key "$variant")"
}

# Where scripts/build-modules builds our modules against the kernel build
# in KDIR: one directory per checkout, so two checkouts (a CI clone and a
# working tree) never build over each other's modules.
fsrs_modules_dir() {
	echo "$1/ourmods-$(printf '%s' "$FSRS_ROOT" | sha256sum | cut -c1-12)"
}

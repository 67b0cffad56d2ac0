# SPDX-License-Identifier: GPL-2.0
"""What scripts/vmtest's guests are made of, built on the host.

The guest's content: the initramfs of a cell (busybox, kmod, the daemons
and their libraries, the kernel's modules with ours, the guest tests and
their static tools), the extra cpio archives of the tests that ask for
host files or trees, and a boot's 9p share (random files, erofs and
nydus images). Also the basics scripts/vmtest shares with it: the
tree's paths, the cache root, log() and run().

scripts/vmtest imports this module (and re-exports its names, for the
scripts that load vmtest as a module); nothing here boots or judges a VM.
"""

import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

# The basics the runner shares: the tree, its guest tests, the cache root
# (FSCACHE_RS_CACHE moves it), and log() and run().
ROOT = Path(__file__).resolve().parent.parent
GUEST = ROOT / "tests" / "guest"
CACHE = Path(os.environ.get("FSCACHE_RS_CACHE", Path.home() / ".cache" / "fscache-rs"))

PRINT_LOCK = threading.Lock()


def log(msg):
    with PRINT_LOCK:
        print(f"[vmtest] {msg}", file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, **kw)


# Host binaries the guest needs, with their shared libraries.
GUEST_BINARIES = [
    "/bin/busybox", "/bin/kmod", "/sbin/cachefilesd",
    # A loopback NFSv4 server (kernel nfsd) and client: nfs-kernel-server
    # and nfs-common.
    "/usr/sbin/rpc.nfsd", "/usr/sbin/exportfs", "/usr/sbin/rpc.mountd", "/sbin/mount.nfs4",
]
# nydusd (crates.io's nydus-rs, installed by scripts/setup-host), in every
# guest when present, and nydus-image, which makes the images on the host.
CARGO_BIN = Path(os.environ.get("CARGO_HOME", Path.home() / ".cargo")) / "bin"
NYDUSD = CARGO_BIN / "nydusd"
NYDUS_IMAGE = CARGO_BIN / "nydus-image"
# perf (Debian's linux-perf), in the guest when FSRS_GUEST_PERF=1 and the
# host has it: for profiling a workload by hand (it adds 10 MB to every
# initramfs, so not by default).
PERF = Path("/usr/bin/perf") if os.environ.get("FSRS_GUEST_PERF") == "1" else None
# Host files the guest gets as they are (libtirpc's transport table).
GUEST_FILES = ["/etc/netconfig"]


def ldd_closure(binaries):
    libs = set()
    for b in binaries:
        out = subprocess.run(["ldd", b], text=True, capture_output=True).stdout
        for m in re.finditer(r"(/\S+\.so[^\s]*)", out):
            libs.add(m.group(1))
    return sorted(libs)


def copy_into(root, path):
    dest = root / path.lstrip("/")
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(os.path.realpath(path), dest)


OUR_MODULES = {
    "fscache": "fscache/fscache.ko",
    "cachefiles": "cachefiles/cachefiles.ko",
}
# Test modules (KUnit suites, harness self-tests) go to /fsrs/modules.
TEST_MODULE_DIRS = ["tests/kunit", "tests/selftest", "tests/bench"]


def guest_tools():
    """Static builds of tests/guest/tools/*.c. The cache is shared by every
    checkout on the machine, so each build is filed under a hash of its
    source and flags: a checkout whose tool differs from another's never
    runs the other's build, whatever the files' times say."""
    out = CACHE / "guest-tools"
    out.mkdir(parents=True, exist_ok=True)
    flags = ["-static", "-O2", "-Wall", "-Wextra", "-Werror"]
    tools = []
    # The headers the tools share are part of each tool's source.
    headers = b"".join(h.read_bytes() for h in sorted((GUEST / "tools").glob("*.h")))
    for src in sorted((GUEST / "tools").glob("*.c")):
        key = hashlib.sha256(src.read_bytes() + headers + "\0".join(flags).encode()).hexdigest()[:16]
        exe = out / "c" / key / src.stem
        if not exe.exists():
            exe.parent.mkdir(parents=True, exist_ok=True)
            # Built aside and renamed into place: another run may be
            # building the same one.
            tmp = exe.with_name(f".{src.stem}.{os.getpid()}.{threading.get_ident()}")
            run(["gcc", *flags, "-o", str(tmp), str(src)])
            tmp.replace(exe)
        tools.append(exe)
    # The on-demand daemon (ondemand/), static like the C tools so the
    # guest needs no libraries for it; cargo rebuilds only on change.
    env = dict(os.environ, RUSTFLAGS="-C target-feature=+crt-static")
    target = "x86_64-unknown-linux-gnu"
    run(["cargo", "build", "--quiet", "--release", "--locked", "-p", "fsrs-ondemandd",
         "--target", target, "--target-dir", str(out / "cargo"),
         "--manifest-path", str(ROOT / "Cargo.toml")], env=env)
    tools.append(out / "cargo" / target / "release" / "fsrs-ondemandd")
    return tools


def make_initramfs(kdir, mdir, variant, fscache, cachefiles, workdir):
    """An uncompressed cpio for one cell: busybox, kmod, daemons, the
    kernel's modules with ours under updates/ for each module of the cell
    that is Rust, the guest library and every guest test. Which tests run
    is on the kernel command line, so one cpio serves every boot of the
    cell."""
    root = workdir / "root"
    for d in ["bin", "sbin", "etc", "proc", "sys", "dev", "tmp", "run", "mnt", "var/cache/fscache",
              "fsrs/tests", "fsrs/modules"]:
        (root / d).mkdir(parents=True, exist_ok=True)
    for b in GUEST_BINARIES:
        copy_into(root, b)
    for lib in ldd_closure(GUEST_BINARIES):
        copy_into(root, lib)
    for f in GUEST_FILES:
        copy_into(root, f)
    for tool in guest_tools():
        shutil.copy2(tool, root / "bin")
    if PERF and PERF.exists():
        copy_into(root, str(PERF))
        for lib in ldd_closure([str(PERF)]):
            copy_into(root, lib)
    if NYDUSD.exists():
        shutil.copy2(NYDUSD, root / "bin")
        for lib in ldd_closure([str(NYDUSD)]):
            copy_into(root, lib)
    # The module tree: the kernel's, plus ours under updates/ for each module
    # of the cell that is Rust. depmod prefers updates/, as on a distro.
    krel = (kdir / "kernelrelease").read_text().strip()
    moddir = root / "lib/modules" / krel
    shutil.copytree(kdir / "modroot/lib/modules" / krel, moddir, symlinks=True,
                    ignore=shutil.ignore_patterns("build", "source"))
    if fscache == cachefiles == "rust":
        # The rust/rust cell gets ours as a user does: `make install`
        # (scripts/install-modules), so every test of the cell checks the
        # install path too.
        run([ROOT / "scripts/install-modules", variant, str(root)])
    else:
        for mod, impl in (("fscache", fscache), ("cachefiles", cachefiles)):
            if impl == "rust":
                (moddir / "updates").mkdir(exist_ok=True)
                shutil.copy2(mdir / OUR_MODULES[mod], moddir / "updates")
    # Both implementations in every guest, so a test can swap them by hand
    # (lib.sh's load_cachefiles_impl): ours in /fsrs/modules/rust, the C
    # ones where the kernel installs them.
    (root / "fsrs/modules/rust").mkdir(parents=True, exist_ok=True)
    for path in OUR_MODULES.values():
        shutil.copy2(mdir / path, root / "fsrs/modules/rust")
    for d in TEST_MODULE_DIRS:
        for m in (mdir / d).glob("*.ko"):
            shutil.copy2(m, root / "fsrs/modules")
    conf = workdir / "depmod.d"
    conf.mkdir(exist_ok=True)
    (conf / "search.conf").write_text("search updates built-in\n")
    run(["depmod", "-C", str(conf), "-b", str(root), krel])
    shutil.copy2(GUEST / "init", root / "init")
    os.chmod(root / "init", 0o755)
    shutil.copy2(GUEST / "lib.sh", root / "fsrs/lib.sh")
    for script in GUEST.glob("*.sh"):
        if script.name != "lib.sh":
            shutil.copy2(script, root / "fsrs/tests" / script.name)
    (root / "etc/passwd").write_text("root:x:0:0:root:/:/bin/sh\n")
    (root / "etc/group").write_text("root:x:0:\n")
    cpio = workdir / f"initramfs-{fscache}-{cachefiles}.cpio"
    files = subprocess.run("find . -print0 | sort -z", shell=True, cwd=root, capture_output=True).stdout
    with open(cpio, "wb") as out:
        subprocess.run(["cpio", "--null", "-o", "-H", "newc", "--quiet", "-R", "0:0"], cwd=root,
                       input=files, stdout=out, check=True)
    shutil.rmtree(root)
    return cpio


def make_extra_cpio(paths, workdir):
    """A cpio of host files that only some tests need (a server's
    programs, libraries and data): each path is a file or a directory
    tree, copied as it is on the host; every ELF executable among them
    brings its ldd closure. The kernel unpacks concatenated cpio archives
    in turn, so a boot that asks for it gets the cell's archive followed
    by this one, and the other tests' guests stay small."""
    root = workdir / "root"
    root.mkdir()
    execs = []
    for p in paths:
        if not os.path.exists(p):
            raise SystemExit(f"guest-files: {p} is not on this host (scripts/setup-host installs it)")
        files = [p] if not os.path.isdir(p) else [
            os.path.join(d, f) for d, _, fs in os.walk(p) for f in fs]
        for f in files:
            if os.path.islink(f) and not os.path.exists(f):
                continue
            copy_into(root, f)
            if os.access(f, os.X_OK):
                with open(f, "rb") as fh:
                    if fh.read(4) == b"\x7fELF":
                        execs.append(f)
    for lib in ldd_closure(execs):
        copy_into(root, lib)
    cpio = workdir / "extra.cpio"
    files = subprocess.run("find . -print0 | sort -z", shell=True, cwd=root, capture_output=True).stdout
    with open(cpio, "wb") as out:
        subprocess.run(["cpio", "--null", "-o", "-H", "newc", "--quiet", "-R", "0:0"], cwd=root,
                       input=files, stdout=out, check=True)
    shutil.rmtree(root)
    return cpio


def make_tree_cpio(trees, workdir):
    """A cpio of host directories, each packed as the guest's root: what a
    tree holds at DIR/usr/bin/x the guest gets at /usr/bin/x. For files
    staged on the host in the guest's layout (scripts/fstests)."""
    cpio = workdir / "trees.cpio"
    with open(cpio, "wb") as out:
        for tree in trees:
            if not os.path.isdir(tree):
                raise SystemExit(f"guest-tree: {tree} is not a directory")
            files = subprocess.run("find . -print0 | sort -z", shell=True, cwd=tree,
                                   capture_output=True, check=True).stdout
            subprocess.run(["cpio", "--null", "-o", "-H", "newc", "--quiet", "-R", "0:0"],
                           cwd=tree, input=files, stdout=out, check=True)
    return cpio


class Initramfs:
    """One cpio per cell, built on first use and kept for the run; extra
    archives for tests that ask for guest files, likewise."""

    def __init__(self, kdir, mdir, variant, workdir):
        self.kdir, self.mdir, self.variant, self.workdir = kdir, mdir, variant, workdir
        self.lock = threading.Lock()
        self.cpios = {}
        self.extras = {}
        self.seconds = 0.0

    def extra(self, paths, trees=False):
        with self.lock:
            key = (trees,) + tuple(paths)
            if key not in self.extras:
                start = time.monotonic()
                d = self.workdir / f"extra-{len(self.extras)}"
                d.mkdir()
                self.extras[key] = (make_tree_cpio if trees else make_extra_cpio)(paths, d)
                self.seconds += time.monotonic() - start
            return self.extras[key]

    def get(self, fscache, cachefiles):
        with self.lock:
            key = (fscache, cachefiles)
            if key not in self.cpios:
                start = time.monotonic()
                d = self.workdir / f"cell-{fscache}-{cachefiles}"
                d.mkdir()
                self.cpios[key] = make_initramfs(self.kdir, self.mdir, self.variant, fscache,
                                                 cachefiles, d)
                self.seconds += time.monotonic() - start
            return self.cpios[key]


def make_share(test, workdir):
    share = workdir / "share"
    share.mkdir()
    if test.share_mb:
        data = os.urandom(test.share_mb << 20)
        (share / "data.bin").write_bytes(data)
        (share / "data.sha256").write_text(hashlib.sha256(data).hexdigest() + "\n")
    if test.share_files:
        # f00, f01, ... of random data, and SHA256SUMS for sha256sum -c.
        count, mb = test.share_files
        sums = []
        for i in range(count):
            data = os.urandom(mb << 20)
            (share / f"f{i:02d}").write_bytes(data)
            sums.append(f"{hashlib.sha256(data).hexdigest()}  f{i:02d}\n")
        (share / "SHA256SUMS").write_text("".join(sums))
    if test.share_small:
        # small/f00000, f00001, ...: 1 KiB of random data each (many small
        # files: one cookie and one cache file each).
        (share / "small").mkdir()
        blob = os.urandom(test.share_small + 1024)
        for i in range(test.share_small):
            (share / "small" / f"f{i:05d}").write_bytes(blob[i:i + 1024])
    for name in test.erofs_image or []:
        make_erofs_image(share, name, workdir)
    if test.nydus_image:
        make_nydus_image(share, test.nydus_image, workdir)
    return share


# NAME[:KIND] of '# erofs-image:': KIND is blobdev or a size, SIZEM.
EROFS_KIND = re.compile(r"|blobdev|\d+M")


def make_erofs_image(share, spec, workdir):
    """share/NAME: an erofs image of a few files (one spanning many
    blocks), and share/NAME.sha256sums to check them with sha256sum -c.
    NAME:SIZEM makes data.bin SIZE MiB instead of 3.
    NAME:blobdev makes a bootstrap whose file data is in a separate blob,
    share/NAME-data, chunk-indexed (as nydus images are): its device slot's
    tag, which fscache mode uses as the blob's cookie key, is set to
    NAME-data (mkfs.erofs leaves it empty)."""
    name, _, kind = spec.partition(":")
    src = workdir / f"erofs-src-{name}"
    (src / "dir").mkdir(parents=True)
    (src / "hello.txt").write_text("hello from an erofs image served on demand\n")
    (src / "dir/nested.txt").write_text("nested file\n" * 100)
    size_mb = int(kind[:-1]) if re.fullmatch(r"\d+M", kind) else 3
    (src / "data.bin").write_bytes(os.urandom(size_mb << 20))
    if kind == "blobdev":
        blob = f"{name}-data"
        run(["mkfs.erofs", "--quiet", "--chunksize=65536", f"--blobdev={share / blob}",
             str(share / name), str(src)])
        set_erofs_device_tag(share / name, 0, blob)
    elif not EROFS_KIND.fullmatch(kind):
        raise SystemExit(f"erofs-image: unknown kind '{kind}' in '{spec}'")
    else:
        run(["mkfs.erofs", "--quiet", str(share / name), str(src)])
    sums = []
    for f in sorted(p for p in src.rglob("*") if p.is_file()):
        sums.append(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.relative_to(src)}\n")
    (share / f"{name}.sha256sums").write_text("".join(sums))


def make_nydus_image(share, name, workdir):
    """A nydus (RAFS v6) image as nydus-image makes it: share/NAME.boot
    (the bootstrap, erofs metadata with a device table) and its data blob
    in share/NAME-blobs/, named by its digest (the erofs device tag, so
    the blob's cookie key); share/NAME.sha256sums checks the files."""
    if not NYDUS_IMAGE.exists():
        raise SystemExit(f"{NYDUS_IMAGE} is missing: scripts/setup-host installs nydus-rs")
    src = workdir / f"nydus-src-{name}"
    (src / "dir").mkdir(parents=True)
    (src / "hello.txt").write_text("hello from a nydus image served by nydusd\n")
    (src / "dir/nested.txt").write_text("nested file\n" * 100)
    (src / "data.bin").write_bytes(os.urandom(3 << 20))
    (share / f"{name}-blobs").mkdir()
    made = subprocess.run([str(NYDUS_IMAGE), "create", "--fs-version", "6", "--bootstrap",
                           str(share / f"{name}.boot"), "--blob-dir",
                           str(share / f"{name}-blobs"), str(src)],
                          text=True, capture_output=True)
    if made.returncode != 0:
        raise SystemExit(f"nydus-image failed for {name}:\n{made.stdout}{made.stderr}")
    sums = []
    for f in sorted(p for p in src.rglob("*") if p.is_file()):
        sums.append(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.relative_to(src)}\n")
    (share / f"{name}.sha256sums").write_text("".join(sums))


def set_erofs_device_tag(image, index, tag):
    """Writes `tag` into extra device `index`'s slot of an erofs image
    (struct erofs_deviceslot: tag[64] first; the superblock at 1024 gives
    extra_devices at +0x56 and the slot table's offset, in 128-byte
    slots, at +0x58)."""
    with open(image, "r+b") as f:
        f.seek(1024 + 0x56)
        count, slotoff = struct.unpack("<HH", f.read(4))
        if index >= count:
            raise SystemExit(f"{image}: no extra device {index} (has {count})")
        f.seek(slotoff * 128 + index * 128)
        f.write(tag.encode().ljust(64, b"\0"))
        # The superblock's checksum (feature_compat bit 0) covers the rest
        # of its block, the slot included: crc32c(~0, block from 1024 with
        # the checksum field zeroed), with no final inversion.
        f.seek(1024 + 0x08)
        compat = struct.unpack("<I", f.read(4))[0]
        if compat & 1:
            f.seek(1024 + 0x0c)
            blksz = 1 << f.read(1)[0]
            f.seek(1024)
            sb = bytearray(f.read(blksz - 1024))
            sb[4:8] = b"\0\0\0\0"
            f.seek(1024 + 4)
            f.write(struct.pack("<I", crc32c_raw(sb)))


def crc32c_raw(data, crc=0xFFFFFFFF):
    """CRC-32C (Castagnoli, reflected) without the final inversion, as
    the kernel's crc32c() computes it."""
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc

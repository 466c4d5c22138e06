"""Run the training commands under jemalloc when it is installed.

PyTorch on the CPU allocates and frees activation tensors of tens of megabytes every step. glibc's malloc
serves those with mmap/munmap, so every step faults its memory in again; on the 2-core development machine a
third of the training process's CPU time went to the kernel (~60-100 thousand page faults a second) and
SegFormer-B0 trained at 1.4 images/s. Under jemalloc told to keep freed pages (`dirty_decay_ms:-1`), the same
run, resumed from the same checkpoint, trained at ~5 images/s with no page faults (docs/training-history.md, "The memory allocator, measured").

`reexec_with_jemalloc()` replaces the current process with the same command, with `LD_PRELOAD` naming
libjemalloc, when that library is found and not already loaded. `FACEPARSE_MALLOC=system` turns it off;
`FACEPARSE_JEMALLOC=/path/libjemalloc.so.2` names a library in another place. Debian/Ubuntu:
`apt-get install libjemalloc2`.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from pathlib import Path
from collections.abc import Callable, Mapping

# Keep freed pages (no purging back to the kernel) and back the heap with transparent huge pages.
# lg_extent_max_active_fit:30 lets a kept free block serve a request of any smaller size. With jemalloc's default (6), a
# block more than 64x larger than the request is passed over and fresh memory is mapped instead; since kept blocks are
# never purged and neighbours merge into ever larger ones, a training process grew by 0.15-0.45 GiB a minute after each
# validation pass (different tensor sizes) until it swapped (docs/training-history.md, "The memory allocator, measured").
MALLOC_CONF = "dirty_decay_ms:-1,muzzy_decay_ms:-1,thp:always,lg_extent_max_active_fit:30"

CANDIDATES = (
    "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
    "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
    "/usr/lib64/libjemalloc.so.2",
    "/usr/lib/libjemalloc.so.2",
    "/usr/local/lib/libjemalloc.so.2",
)

HINT = "faceparse_train: jemalloc not found; CPU training ran ~3x faster with it here (apt-get install libjemalloc2)"


def find_jemalloc(environ: Mapping[str, str] = os.environ) -> str | None:
    named = environ.get("FACEPARSE_JEMALLOC")
    if named:
        return named if Path(named).is_file() else None
    for path in CANDIDATES:
        if Path(path).is_file():
            return path
    found = ctypes.util.find_library("jemalloc")
    return found if found and Path(found).is_absolute() and Path(found).is_file() else None


def _wanted(environ: Mapping[str, str], platform: str) -> bool:
    """Linux, not turned off, not already under jemalloc."""
    return (
        platform == "linux"
        and environ.get("FACEPARSE_MALLOC", "").lower() != "system"
        and "jemalloc" not in environ.get("LD_PRELOAD", "")
    )


def jemalloc_env(
    environ: Mapping[str, str],
    find: Callable[[Mapping[str, str]], str | None] = find_jemalloc,
    platform: str = sys.platform,
) -> dict[str, str] | None:
    """The environment to re-run the command with, or None to run as is (not Linux, turned off, already
    under jemalloc, or no library)."""
    if not _wanted(environ, platform):
        return None
    lib = find(environ)
    if lib is None:
        return None
    env = dict(environ)
    env["LD_PRELOAD"] = lib + (" " + environ["LD_PRELOAD"] if environ.get("LD_PRELOAD") else "")
    env.setdefault("MALLOC_CONF", MALLOC_CONF)
    return env


def reexec_with_jemalloc() -> None:
    """Call first thing in a command's `__main__` block; returns only when the process stays as it is."""
    if not _wanted(os.environ, sys.platform):
        return
    env = jemalloc_env(os.environ)
    if env is None:
        print(HINT, file=sys.stderr, flush=True)
        return
    print(
        f"faceparse_train: running under jemalloc ({env['LD_PRELOAD'].split()[0]}; FACEPARSE_MALLOC=system turns this off)",
        file=sys.stderr,
        flush=True,
    )
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)

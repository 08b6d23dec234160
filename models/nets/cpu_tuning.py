"""Process-wide CPU settings: glibc malloc tuning and torch's thread count.

glibc serves allocations above its mmap threshold with a fresh mmap and returns them to the
kernel on free, so every forward pass page-faults its large activation buffers back in
(25-40% of the larger networks' time, measured on a 2-core CPU). Raising the mmap threshold
and the trim threshold keeps those buffers in the heap between calls.

Call `tune_for_inference()` once at program start (the CLI does, before the GUI starts). The
trainers call `tune_malloc()`: it took one appearance training step at 128 px from about 3.5 s
to 2.7 s on 2 cores shared by two training jobs.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys
from dataclasses import dataclass

import torch

# mallopt parameter numbers from glibc's <malloc.h>.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# glibc rejects an mmap threshold above HEAP_MAX_SIZE / 2, which is 32 MiB on 64-bit
# (mallopt then returns 0 and changes nothing). The PAPER networks' largest activations are
# 16 MiB (64 ch x 256 x 256 float32; 8 x 32 ch x 128 x 128), so 32 MiB covers them.
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024
# Never give freed heap tops back to the kernel during a session (mallopt takes a C int).
TRIM_THRESHOLD = 2**31 - 1


@dataclass(frozen=True)
class CpuTuning:
    malloc_tuned: bool      # mallopt accepted both thresholds
    threads: int            # torch intra-op threads now in force


def tune_malloc() -> bool:
    """Raise glibc's mmap and trim thresholds; False (and no change) where there is no glibc."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):     # musl and other libcs have no mallopt
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    mmap_ok = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX) == 1
    trim_ok = mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    return mmap_ok and trim_ok


def set_threads(threads: int | None) -> int:
    """Use `threads` intra-op threads (None keeps torch's default: one per physical core)."""
    if threads is not None:
        if threads < 1:
            raise ValueError(f"thread count must be at least 1, got {threads}")
        if threads != torch.get_num_threads():  # the worker asks on every request
            torch.set_num_threads(threads)
    return torch.get_num_threads()


def tune_for_inference(threads: int | None = None, malloc: bool = True) -> CpuTuning:
    """The start-up settings the app and the benchmark use."""
    return CpuTuning(malloc_tuned=tune_malloc() if malloc else False, threads=set_threads(threads))

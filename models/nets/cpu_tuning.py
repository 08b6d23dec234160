"""Process-wide CPU settings: glibc malloc tuning and torch's thread count.

glibc serves allocations above its mmap threshold with a fresh mmap and returns them to the
kernel on free, so every forward pass page-faults its large activation buffers back in
(25-40% of the larger networks' time, measured on a 2-core CPU). Raising the mmap threshold
and the trim threshold keeps those buffers in the heap between calls.

The app calls `tune_malloc()` at start (torch, if it is imported at all, keeps its default
threads); the benchmarks call `tune_for_inference()`, which also sets torch's threads. The
trainers call `tune_malloc()`: it took one appearance training step at 128 px from about 3.5 s
to 2.7 s on 2 cores shared by two training jobs.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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
    import torch

    if threads is not None:
        if threads < 1:
            raise ValueError(f"thread count must be at least 1, got {threads}")
        if threads != torch.get_num_threads():  # the worker asks on every request
            torch.set_num_threads(threads)
    return torch.get_num_threads()


def tune_for_inference(threads: int | None = None, malloc: bool = True) -> CpuTuning:
    """The start-up settings the app and the benchmark use."""
    return CpuTuning(malloc_tuned=tune_malloc() if malloc else False, threads=set_threads(threads))


# Native bf16 (AVX-512 BF16 or AMX) decides whether bf16 autocast pays on a CPU: elsewhere oneDNN
# emulates it and a network runs 15-30x slower than in float32 (the shipped shape network at
# batch 8 on an AVX2-only CPU: 2855 ms vs 97 ms). Inference (app.runtime) and training
# (models.training.loop.autocast) both ask here; bf16 is never assumed from the device type.
BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # /proc/cpuinfo flags of native bf16 arithmetic


@lru_cache(maxsize=1)
def _cpuinfo() -> tuple[str, frozenset[str]]:
    """(model name, flags) from /proc/cpuinfo; ("", {}) where there is none (not Linux)."""
    path = Path("/proc/cpuinfo")
    if not path.exists():
        return "", frozenset()
    model, flags = "", frozenset()
    for line in path.read_text(errors="replace").splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and not model:
            model = value.strip()
        elif key.strip() == "flags" and not flags:
            flags = frozenset(value.split())
    return model, flags


def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags (/proc/cpuinfo; empty where there is none)."""
    return _cpuinfo()[1]


def cpu_model() -> str:
    return _cpuinfo()[0] or platform.processor() or platform.machine() or "unknown CPU"


def native_bf16() -> bool:
    """Whether bf16 runs in hardware here. torch must say oneDNN can use bf16 and its kernels
    must be allowed AVX-512 (ATEN_CPU_CAPABILITY / ONEDNN_MAX_CPU_ISA can hold them to AVX2);
    on Linux the CPU must also list a native bf16 flag (AVX-512 without BF16 emulates it)."""
    import torch

    if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        return False
    if not torch.backends.cpu.get_cpu_capability().upper().startswith("AVX512"):
        return False
    if os.environ.get("ONEDNN_MAX_CPU_ISA", "").upper().startswith(("AVX2", "SSE")):
        return False
    _, flags = _cpuinfo()
    return not flags or any(flag in flags for flag in BF16_FLAGS)

"""What the CPU can do, as far as the choice of numeric path and runtime needs to know.

bf16 is fast only where the CPU has it natively (AVX-512 BF16 or AMX). Elsewhere oneDNN emulates
it and a network runs 15-30x slower than in float32 (the shipped shape network at batch 8 on an
AVX2-only CPU: 2855 ms vs 97 ms), so bf16 is never assumed from the device type alone.
"""
from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # /proc/cpuinfo flags of native bf16 arithmetic


@dataclass(frozen=True)
class CpuFacts:
    model: str          # e.g. "AMD EPYC 7B13"
    capability: str     # torch.backends.cpu.get_cpu_capability(): "AVX2", "AVX512", ...
    native_bf16: bool   # bf16 arithmetic in hardware (not emulated)
    threads: int        # torch intra-op threads now in force

    def line(self) -> str:
        """One line for benchmark output, the About box and --version."""
        bf16 = "yes" if self.native_bf16 else "no"
        return (f"CPU {self.model}, capability {self.capability}, native bf16 {bf16}, "
                f"{self.threads} threads")


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


def cpu_model() -> str:
    return _cpuinfo()[0] or platform.processor() or platform.machine() or "unknown CPU"


def native_bf16() -> bool:
    """Whether bf16 runs in hardware here. torch must say oneDNN can use bf16 and its kernels
    must be allowed AVX-512 (ATEN_CPU_CAPABILITY / ONEDNN_MAX_CPU_ISA can hold them to AVX2);
    on Linux the CPU must also list a native bf16 flag (AVX-512 without BF16 emulates it)."""
    if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        return False
    if not torch.backends.cpu.get_cpu_capability().upper().startswith("AVX512"):
        return False
    if os.environ.get("ONEDNN_MAX_CPU_ISA", "").upper().startswith(("AVX2", "SSE")):
        return False
    _, flags = _cpuinfo()
    return not flags or any(flag in flags for flag in BF16_FLAGS)


def cpu_facts() -> CpuFacts:
    return CpuFacts(cpu_model(), torch.backends.cpu.get_cpu_capability(), native_bf16(),
                    torch.get_num_threads())

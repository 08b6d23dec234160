"""What the CPU can do, as far as the choice of numeric path and runtime needs to know.

bf16 is fast only where the CPU has it natively (AVX-512 BF16 or AMX). Elsewhere oneDNN emulates
it and a network runs 15-30x slower than in float32 (the shipped shape network at batch 8 on an
AVX2-only CPU: 2855 ms vs 97 ms), so bf16 is never assumed from the device type alone.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from sketchfill.app.runtime.cores import physical_cores, usable_cpus
from sketchfill.models.nets.cpu_tuning import cpu_model, native_bf16


@dataclass(frozen=True)
class CpuFacts:
    model: str          # e.g. "AMD EPYC 7B13"
    capability: str     # torch.backends.cpu.get_cpu_capability(): "AVX2", "AVX512", ...
    native_bf16: bool   # bf16 arithmetic in hardware (not emulated)
    threads: int        # torch intra-op threads now in force
    cores: int = 1      # physical cores this process may run on (runtime.cores)
    logical: int = 1    # logical CPUs it may run on (two per core with hyper-threading)

    def line(self) -> str:
        """One line for benchmark output, the About box and --version."""
        bf16 = "yes" if self.native_bf16 else "no"
        return (f"CPU {self.model}, capability {self.capability}, native bf16 {bf16}, "
                f"{self.cores} cores ({self.logical} logical), {self.threads} threads")


def cpu_facts() -> CpuFacts:
    return CpuFacts(cpu_model(), torch.backends.cpu.get_cpu_capability(), native_bf16(),
                    torch.get_num_threads(), physical_cores(), len(usable_cpus()))


def main(argv: list[str] | None = None) -> int:
    """`python -m app.runtime.cpu`: the CPU line the benchmarks print."""
    del argv  # no options
    print(cpu_facts().line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

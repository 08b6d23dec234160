"""How many cores the networks can use: the physical cores this process may run on.

Torch and ONNX Runtime each default to one thread per physical core: a second thread on a
core's other hyper-thread shares its vector units, and the convolutions gain little from it
while their threads wait on each other more. The app's thread counts
(document.worker_threads, document.rest_threads, sharing.colour_threads) start from this
count, so on a laptop with two threads per core they are what the runtimes would pick.
"""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

SYSFS_CPUS = Path("/sys/devices/system/cpu")  # Linux: each CPU's topology/ folder


def usable_cpus() -> set[int]:
    """The logical CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return set(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return set(range(os.cpu_count() or 1))


def linux_cores(cpus: set[int], root: Path = SYSFS_CPUS) -> int | None:
    """Physical cores among `cpus`, from each one's list of hyper-thread siblings; None where
    a CPU's topology cannot be read (some containers hide /sys)."""
    cores = set()
    for cpu in cpus:
        topology = root / f"cpu{cpu}" / "topology"
        try:
            # core_cpus_list is the newer name of thread_siblings_list (Linux 5.x)
            name = "core_cpus_list" if (topology / "core_cpus_list").exists() \
                else "thread_siblings_list"
            cores.add((topology / name).read_text().strip())
        except OSError:
            return None
    return len(cores) or None


def ratio_cores(usable: int) -> int:
    """Where no topology can be read per CPU: `usable` logical CPUs scaled by the machine's
    physical-to-logical ratio (psutil, on Windows and macOS); `usable` when that is unknown."""
    try:
        import psutil
    except ImportError:
        return usable
    physical, logical = psutil.cpu_count(logical=False), psutil.cpu_count(logical=True)
    if not physical or not logical:
        return usable
    return max(1, usable * physical // logical)


@functools.cache
def physical_cores() -> int:
    """Physical cores this process may run on, at least 1 (read once per process)."""
    cpus = usable_cpus()
    found = linux_cores(cpus) if sys.platform.startswith("linux") else None
    return found or ratio_cores(len(cpus))

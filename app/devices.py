"""Which device the networks run on, decided without importing torch where that is exact.

"auto" means CUDA when torch can use a CUDA GPU, else the CPU. torch cannot where its build
has no CUDA (a "+cpu" version) or where no CUDA driver library loads; only otherwise is torch
imported to ask it (a second of the start where the app may not need torch at all).
"""
from __future__ import annotations

import ctypes
import importlib.metadata
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

DRIVERS = {"win32": ("nvcuda.dll",)}  # elsewhere (Linux) the libcuda the driver installs
LINUX_DRIVERS = ("libcuda.so.1", "libcuda.so")


def cuda_possible() -> bool:
    """False where torch certainly cannot use CUDA; True where it may (then ask torch)."""
    if "torch" in sys.modules:
        return True  # asking torch costs nothing now
    try:
        if "+cpu" in importlib.metadata.version("torch") or sys.platform == "darwin":
            return False
    except importlib.metadata.PackageNotFoundError:
        pass
    for name in DRIVERS.get(sys.platform, LINUX_DRIVERS):
        try:
            ctypes.CDLL(name)
            return True
        except OSError:
            continue
    return False


def cuda_available() -> bool:
    if not cuda_possible():
        return False
    import torch

    return bool(torch.cuda.is_available())


def device_name(name: str) -> str:
    """ "auto" -> "cuda" when a CUDA GPU is usable, else "cpu"; an explicit "cuda" without
    CUDA, or an unknown name, is a ValueError."""
    if name == "auto":
        return "cuda" if cuda_available() else "cpu"
    if name not in ("cpu", "cuda") and not name.startswith("cuda:"):
        raise ValueError(f"unknown device {name!r}; expected auto, cpu or cuda")
    if name != "cpu" and not cuda_available():
        raise ValueError(
            "device 'cuda' requested but no CUDA GPU is available; use 'cpu' or 'auto'"
        )
    return name


def resolve_device(name: str) -> "torch.device":
    """device_name() as a torch device."""
    import torch

    return torch.device(device_name(name))

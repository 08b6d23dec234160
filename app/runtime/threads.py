"""How many threads the networks may use on the calling thread, with or without torch.

OpenMP keeps its thread count per calling thread, and the worker changes it on every request
(document.worker_threads while the pen is down, every core after). ONNX Runtime and OpenVINO
fix their threads when a session is made, so each call picks the session made for the count in
force on its thread (external._PerThreadCount). The count is kept here, per thread, so a
process that runs only those runtimes never has to import torch to know it; where torch is
loaded it is told too.
"""
from __future__ import annotations

import sys
import threading

from sketchfill.app.runtime import cores

_local = threading.local()


def _torch():
    """torch if it is imported and done importing (another thread may be importing it: the
    models' load), else None."""
    torch = sys.modules.get("torch")
    spec = getattr(torch, "__spec__", None)
    if torch is None or getattr(spec, "_initializing", False):
        return None
    return torch if hasattr(torch, "get_num_threads") else None


def default_threads() -> int:
    """torch's own default where it is loaded, else one per physical core this process may
    run on (torch's default too)."""
    torch = _torch()
    if torch is not None:
        return int(torch.get_num_threads())
    return cores.physical_cores()


def current_threads() -> int:
    """torch's count on this thread where torch is loaded (set_threads keeps it in step; a
    count set while torch was still importing reaches it at the next set_threads), else the
    count set on this thread, else default_threads()."""
    if _torch() is not None:
        return default_threads()
    return getattr(_local, "threads", None) or default_threads()


def sync_torch() -> None:
    """Tell torch, just imported, the count set on this thread before it was (only that: a
    count torch was told since stands, however it was told)."""
    if getattr(_local, "untold", False):
        set_threads(_local.threads)


def set_threads(threads: int | None) -> int:
    """Use `threads` on this thread (None keeps the count in force); torch too where loaded.
    The count now in force."""
    if threads is not None:
        if threads < 1:
            raise ValueError(f"thread count must be at least 1, got {threads}")
        _local.threads = threads
        torch = _torch()
        _local.untold = torch is None  # sync_torch tells it once it is loaded
        if torch is not None and torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
    return current_threads()

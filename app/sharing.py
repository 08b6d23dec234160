"""How one update shares the cores: the outline work on one thread, the chosen outline's image
on the others.

Turning network outputs into outlines is many small NumPy and OpenCV calls, and the GIL is
held for most of their time: a second outline thread made them no faster (3.2 against 3.5 ms
per outline) and took the core the image needed (docs/runtime.md).
"""
from __future__ import annotations

from typing import Callable, TypeVar

from sketchfill.app.document import rest_threads
from sketchfill.app.runtime.threads import set_threads

R = TypeVar("R")
OUTLINE_THREADS = 1  # threads that turn network outputs into outlines


def colour_threads() -> int:
    """Threads for the image coloured while the other completions' outlines are made: every
    core but the outline thread's."""
    return max(1, rest_threads() - OUTLINE_THREADS)


def beside_outlines(render: Callable[..., R], *args) -> R:
    """`render(*args)` (Engine.render) for the image coloured on a thread of its own while the
    outline work goes on: on colour_threads(); the count stays set on the calling thread."""
    set_threads(colour_threads())
    return render(*args)

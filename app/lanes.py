"""How many of one request's outline tasks may run at once: every outline thread, or one while
an image is coloured beside them.

Two cores shared by three busy threads cost more than they look: the appearance runtime's
threads meet at the end of every layer, and a thread of it waiting for a core holds the
others up. With one outline thread and the image on the other core each has a core of its
own (docs/runtime.md).
"""
from __future__ import annotations

import threading
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

from sketchfill.app.document import colour_threads
from sketchfill.app.runtime.threads import set_threads

T = TypeVar("T")
R = TypeVar("R")


class Lanes:
    """A limit on the tasks of one request running at once, `width` unless narrowed."""

    def __init__(self, width: int) -> None:
        self.width = width
        self._limit = width
        self._busy = 0
        self._changed = threading.Condition()

    def narrow_until(self, done: Future) -> None:
        """One task at a time until `done` has finished (at once if it already has)."""
        with self._changed:
            self._limit = 1
        done.add_done_callback(lambda _: self._widen())

    def _widen(self) -> None:
        with self._changed:
            self._limit = self.width
            self._changed.notify_all()

    @contextmanager
    def lane(self) -> Iterator[None]:
        """Held while one task runs; waits for a free lane first."""
        with self._changed:
            self._changed.wait_for(lambda: self._busy < self._limit)
            self._busy += 1
        try:
            yield
        finally:
            with self._changed:
                self._busy -= 1
                self._changed.notify_all()

    def wrap(self, fn: Callable[[T], R]) -> Callable[[T], R]:
        """`fn` run in a lane."""
        def in_lane(item: T) -> R:
            with self.lane():
                return fn(item)
        return in_lane


def beside_outlines(render: Callable[..., R], *args) -> R:
    """`render(*args)` (Engine.render) for the image coloured on a thread of its own while the
    outline work, narrowed to one thread, goes on: on every core but that one
    (document.colour_threads); the count stays set on the calling thread."""
    set_threads(colour_threads())
    return render(*args)

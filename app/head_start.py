"""The models' head start: loading begins while the window is still being built.

Loading the networks (reading the checkpoints, making the runtimes' sessions, their first
calls) spends much of its time outside the GIL, in the runtimes' own threads; importing Qt and
the window's modules and building the window is pure Python. Started first, on a thread of its
own, the load overlaps the window's making instead of following it. The worker thread then
takes the engine that was loaded for it (`factory`) instead of loading again; any other load
request (another folder, device or thread count) loads as before.
"""
from __future__ import annotations

import threading
from concurrent.futures import Future
from sketchfill.app.worker import EngineLike, Factory, LoadRequest, load_engine, use_threads


class HeadStart:
    """One load of `request`, begun at once on a daemon thread; its engine (or its error)
    goes to the first matching load the worker asks `factory` for."""

    def __init__(self, request: LoadRequest, load: Factory | None = None) -> None:
        self.request, self._load = request, load or load_engine
        self._future: Future[EngineLike] = Future()
        self._taken = False
        self._lock = threading.Lock()
        threading.Thread(target=self._run, name="model-head-start", daemon=True).start()

    def _run(self) -> None:
        try:
            use_threads(self.request.threads)  # as the worker would: calibration measures at it
            self._future.set_result(self._load(self.request))
        except BaseException as exc:  # noqa: BLE001 - handed to the worker, which reports it
            self._future.set_exception(exc)

    def settle(self) -> None:
        """Wait for the load to end (its result unused): a process that exits early (a bad
        session file in a replay) must not end while the runtimes' threads are mid-load."""
        self._future.exception()

    def factory(self, request: LoadRequest) -> EngineLike:
        """The worker's engine factory: the head start's engine for its own request (once:
        a later reload of the same models loads afresh), else a new load."""
        with self._lock:
            mine = not self._taken and request == self.request
            self._taken = self._taken or mine
        return self._future.result() if mine else self._load(request)

"""The models' head start (app/head_start.py): loaded while the window is made, taken by the
worker once for its own request, errors handed on; the program's start uses it."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image

from sketchfill import main as entry
from sketchfill.app import head_start
from sketchfill.app.head_start import HeadStart
from sketchfill.app.worker import LoadRequest, load_engine
from sketchfill.gui.arguments import models_request, parse_args
from tests.test_gui_replay import write_session


class CountingLoad:
    """A loader that records its requests; `gate` holds the load until set."""

    def __init__(self, error: Exception | None = None) -> None:
        self.requests: list[LoadRequest] = []
        self.gate = threading.Event()
        self.error = error

    def __call__(self, request: LoadRequest):
        self.gate.wait(10)
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        return f"engine {len(self.requests)}"


def test_the_workers_own_request_takes_the_engine_loaded_ahead_once() -> None:
    load = CountingLoad()
    request = LoadRequest("ckpt", "cpu", 1)
    head = HeadStart(request, load)
    load.gate.set()
    assert head.factory(LoadRequest("ckpt", "cpu", 1)) == "engine 1"
    assert head.factory(request) == "engine 2"  # a reload of the same models loads afresh
    assert load.requests == [request, request]


def test_another_request_loads_anew_and_leaves_the_head_start_alone() -> None:
    load = CountingLoad()
    head = HeadStart(LoadRequest("ckpt", "cpu", 1), load)
    load.gate.set()
    head.settle()
    assert head.factory(LoadRequest("other", "cpu", 1)) == "engine 2"
    assert head.factory(LoadRequest("ckpt", "cpu", 1)) == "engine 1"


def test_a_failed_head_start_reaches_the_worker_as_its_error() -> None:
    load = CountingLoad(ValueError("bad checkpoint"))
    head = HeadStart(LoadRequest(None, "cpu", 1), load)
    load.gate.set()
    head.settle()
    with pytest.raises(ValueError, match="bad checkpoint"):
        head.factory(LoadRequest(None, "cpu", 1))


def test_settle_waits_for_the_load_to_end() -> None:
    load = CountingLoad()
    head = HeadStart(LoadRequest(None, "cpu", 1), load)
    threading.Timer(0.2, load.gate.set).start()
    head.settle()
    assert len(load.requests) == 1


def test_the_request_is_the_one_the_window_makes(tmp_path) -> None:
    args = parse_args(["--checkpoints", str(tmp_path), "--device", "cpu"])
    request = models_request(args)
    assert request.checkpoint_dir == str(tmp_path) and request.device == "cpu"
    assert request.threads is not None and request.threads >= 1


def test_the_program_loads_its_models_once_through_the_head_start(
        qtbot, tmp_path, tiny_checkpoint_dir, monkeypatch) -> None:
    loads: list[LoadRequest] = []

    def counting(request: LoadRequest):
        loads.append(request)
        return load_engine(request)

    monkeypatch.setattr(head_start, "load_engine", counting)
    write_session(tmp_path / "s.json")
    code = entry.main(["--open", str(tmp_path / "s.json"), "--screenshot", str(tmp_path / "x.png"),
                       "--checkpoints", str(tiny_checkpoint_dir), "--device", "cpu"])
    assert code == 0
    assert [r.checkpoint_dir for r in loads] == [str(tiny_checkpoint_dir)]
    assert np.asarray(Image.open(tmp_path / "x.png")).shape[0] >= 400

"""The inference thread (app/worker.py) with the real tiny engine: loading, latest-wins
coalescing (made deterministic by blocking the engine on an event), error survival."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from sketchfill.app.overlay import DisplaySizes
from sketchfill.app.worker import (
    InferenceRequest,
    InferenceThread,
    JobSlot,
    LoadRequest,
    ResultGate,
    load_engine,
)

WAIT_S = 30  # generous ceiling for a shared 2-core machine; the tests never sleep


class Recording:
    """Wraps the real engine: records which requests ran (by the seq marked in pixel [0, 0]),
    can hold request 1 until released, and can fail chosen requests."""

    def __init__(self, engine, hold_first: bool = False, fail: tuple[int, ...] = ()) -> None:
        self.engine = engine
        self.classes, self.provenance, self.device = (
            engine.classes,
            engine.provenance,
            engine.device,
        )
        self.ran: list[int] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()
        self.fail = fail
        self.rendered: list[int] = []  # seeds coloured
        self.render_release = threading.Event()  # cleared by a test to hold render()
        self.render_release.set()

    def complete(self, sketch, class_name, seeds, **kwargs):
        seq = int(sketch[0, 0])
        self.ran.append(seq)
        self.entered.set()
        assert self.release.wait(WAIT_S)
        if seq in self.fail:
            raise RuntimeError(f"boom on {seq}")
        return self.engine.complete(sketch, class_name, seeds, **kwargs)

    def render(self, outline, class_name, seed):
        self.rendered.append(seed)
        assert self.render_release.wait(WAIT_S)
        return self.engine.render(outline, class_name, seed)


def request(
    seq: int, class_name: str, chosen: int = 0, k: int = 2, display=None, render: bool = True
) -> InferenceRequest:
    sketch = np.full((64, 64), 255, np.uint8)
    sketch[30:34, 10:50] = 0
    sketch[0, 0] = seq  # marker read by Recording
    sketch.flags.writeable = False
    return InferenceRequest(seq, sketch, class_name, tuple(range(k)), chosen, display, render)


@pytest.fixture
def started(qtbot):
    threads: list[InferenceThread] = []

    def start(factory) -> InferenceThread:
        thread = InferenceThread(factory)
        threads.append(thread)
        thread.start()
        return thread

    yield start
    for thread in threads:
        assert thread.shutdown()


def load(qtbot, thread: InferenceThread, directory=None):
    with qtbot.waitSignal(thread.worker.loaded, timeout=WAIT_S * 1000) as blocker:
        thread.load(directory, "cpu")
    return blocker.args[0]


def test_loads_and_renders(qtbot, started, tiny_checkpoint_dir):
    thread = started(load_engine)
    info = load(qtbot, thread, tiny_checkpoint_dir)
    assert info.classes == ("orange", "watermelon", "moon") and info.device == "cpu"
    assert set(info.provenance) == {"shape", "appearance"}
    with qtbot.waitSignal(thread.worker.ready, timeout=WAIT_S * 1000) as blocker:
        thread.submit(request(1, "moon", chosen=1))
    result = blocker.args[0]
    assert result.seq == 1 and result.chosen == 1 and result.class_name == "moon"
    assert result.outlines.shape == (2, 64, 64) and result.outlines.dtype == np.uint8
    assert result.shadow.shape == (64, 64) and result.image.shape == (64, 64, 3)
    assert not result.image.flags.writeable and result.latency_ms >= result.compute_ms >= 0
    assert result.layers is None
    with qtbot.waitSignal(thread.worker.ready, timeout=WAIT_S * 1000) as blocker:
        thread.submit(request(2, "moon", chosen=1, display=DisplaySizes((100, 100), (80, 80))))
    layers = blocker.args[0].layers
    assert layers.blend.shape == (100, 100, 4) and layers.image.shape == (80, 80, 3)


def test_latest_request_wins(qtbot, started, tiny_engine):
    engine = Recording(tiny_engine, hold_first=True)
    thread = started(lambda _: engine)
    load(qtbot, thread)
    results = []
    thread.worker.ready.connect(results.append)
    thread.submit(request(1, "orange"))
    assert engine.entered.wait(WAIT_S)  # request 1 is inside the engine, blocked
    for seq in (2, 3, 4):
        thread.submit(request(seq, "orange"))
    engine.release.set()
    qtbot.waitUntil(lambda: any(r.seq == 4 for r in results), timeout=WAIT_S * 1000)
    assert engine.ran == [1, 4]
    assert [r.seq for r in results] == [1, 4]


def test_engine_error_is_reported_and_thread_lives_on(qtbot, started, tiny_engine):
    engine = Recording(tiny_engine, fail=(1,))
    thread = started(lambda _: engine)
    load(qtbot, thread)
    with qtbot.waitSignal(thread.worker.failed, timeout=WAIT_S * 1000) as failed:
        thread.submit(request(1, "orange"))
    assert failed.args == [1, "RuntimeError: boom on 1"]
    with qtbot.waitSignal(thread.worker.failed, timeout=WAIT_S * 1000) as failed:
        thread.submit(request(2, "no-such-class"))  # the real engine's ValueError
    assert failed.args[0] == 2 and "no-such-class" in failed.args[1]
    with qtbot.waitSignal(thread.worker.ready, timeout=WAIT_S * 1000) as ready:
        thread.submit(request(3, "watermelon"))
    assert ready.args[0].seq == 3 and thread.is_running()


def test_only_chosen_change_reuses_completions(qtbot, started, tiny_engine):
    engine = Recording(tiny_engine)
    thread = started(lambda _: engine)
    load(qtbot, thread)
    for seq, chosen in ((7, 0), (7, 1)):
        with qtbot.waitSignal(thread.worker.ready, timeout=WAIT_S * 1000) as ready:
            thread.submit(request(seq, "moon", chosen=chosen))
    assert engine.ran == [7] and ready.args[0].chosen == 1


def test_corrupt_checkpoint_gives_readable_load_failure(qtbot, started, tiny_checkpoint_dir):
    (tiny_checkpoint_dir / "shape.pt").write_bytes(b"not a checkpoint")
    thread = started(load_engine)
    with qtbot.waitSignal(thread.worker.load_failed, timeout=WAIT_S * 1000) as blocker:
        thread.load(tiny_checkpoint_dir, "cpu")
    assert "shape.pt" in blocker.args[0]
    with qtbot.waitSignal(thread.worker.failed, timeout=WAIT_S * 1000) as failed:
        thread.submit(request(1, "orange"))
    assert failed.args == [1, "the models are not loaded"]


def test_slot_keeps_newest_and_loads_first():
    slot = JobSlot()
    slot.put_request(request(1, "a"))
    slot.put_request(request(2, "a"))
    slot.put_load(LoadRequest(None))
    assert isinstance(slot.take(), LoadRequest)
    assert slot.take().seq == 2
    slot.close()
    assert slot.take() is None


def test_result_gate_drops_stale():
    gate = ResultGate()
    assert gate.admit(2) and not gate.admit(1) and not gate.admit(2) and gate.admit(5)


def test_result_gate_lets_a_final_result_follow_its_own_shadow():
    gate = ResultGate()
    assert gate.admit(3, final=False) and gate.admit(3) and not gate.admit(3, final=False)
    assert gate.admit(4, final=False) and not gate.admit(3) and not gate.admit(4, final=False)
    assert gate.admit(5) and not gate.admit(4)


def test_the_shadow_goes_out_before_the_image_is_coloured(qtbot, started, tiny_engine):
    """The image is held inside render(); the shadow of the same request arrives meanwhile."""
    engine = Recording(tiny_engine)
    engine.render_release.clear()
    thread = started(lambda _: engine)
    load(qtbot, thread)
    sizes = DisplaySizes((100, 100), (80, 80))
    with qtbot.waitSignal(thread.worker.shadow_ready, timeout=WAIT_S * 1000) as shadow:
        thread.submit(request(1, "moon", display=sizes))
    partial = shadow.args[0]
    assert partial.seq == 1 and not partial.final and partial.image is None
    assert partial.layers.blend.shape == (100, 100, 4) and partial.layers.image is None
    with qtbot.waitSignal(thread.worker.ready, timeout=WAIT_S * 1000) as ready:
        engine.render_release.set()
    final = ready.args[0]
    assert final.final and final.image.shape == (64, 64, 3)
    assert final.layers.image.shape == (80, 80, 3) and final.layers.blend is partial.layers.blend


def test_the_chosen_outline_is_coloured_while_the_others_are_made(qtbot, started, tiny_engine):
    """The worker asks complete() for the chosen outline first and starts colouring it from
    there (before complete() returns); the final image is that render."""
    order: list[str] = []

    class Ordered(Recording):
        def complete(self, sketch, class_name, seeds, first=0, on_first=None):
            def handed(outline):
                order.append(f"outline {first} handed")
                on_first(outline)

            done = super().complete(sketch, class_name, seeds, first=first, on_first=handed)
            order.append("complete returned")
            return done

    engine = Ordered(tiny_engine)
    engine.render_release.clear()  # the colouring waits inside render()
    thread = started(lambda _: engine)
    load(qtbot, thread)
    with qtbot.waitSignal(thread.worker.shadow_ready, timeout=WAIT_S * 1000):
        thread.submit(request(1, "moon", chosen=1, k=3))
    assert order == ["outline 1 handed", "complete returned"]
    qtbot.waitUntil(lambda: engine.rendered == [1], timeout=WAIT_S * 1000)
    with qtbot.waitSignal(thread.worker.ready, timeout=WAIT_S * 1000) as ready:
        engine.render_release.set()
    final = ready.args[0]
    assert engine.rendered == [1]
    assert np.array_equal(final.image, tiny_engine.render(final.outlines[1], "moon", 1))


def test_a_request_without_render_colours_nothing(qtbot, started, tiny_engine):
    engine = Recording(tiny_engine)
    thread = started(lambda _: engine)
    load(qtbot, thread)
    partials = []
    thread.worker.shadow_ready.connect(partials.append)
    with qtbot.waitSignal(thread.worker.ready, timeout=WAIT_S * 1000) as ready:
        thread.submit(request(1, "moon", render=False))
    assert ready.args[0].final and ready.args[0].image is None
    assert engine.rendered == [] and partials == []

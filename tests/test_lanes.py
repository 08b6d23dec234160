"""app.lanes: one request's outline tasks run one at a time while its image is coloured."""
from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from sketchfill.app.lanes import Lanes, beside_outlines
from sketchfill.app.document import colour_threads
from sketchfill.app.runtime.threads import current_threads

WAIT = 0.3  # s a task waits for the other to come in beside it


def _meet(lanes: Lanes) -> list[bool]:
    """Two tasks in two threads, each waiting up to WAIT for the other to be running too:
    whether each met the other."""
    both = threading.Barrier(2, timeout=WAIT)

    def task(_: int) -> bool:
        try:
            both.wait()
        except threading.BrokenBarrierError:  # the other never came in meanwhile
            return False
        return True

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(lanes.wrap(task), [0, 1]))


def test_tasks_run_side_by_side_unless_narrowed() -> None:
    lanes = Lanes(2)
    assert _meet(lanes) == [True, True]
    colouring: Future = Future()
    lanes.narrow_until(colouring)
    assert _meet(lanes) == [False, False]  # one at a time: neither saw the other
    colouring.set_result(None)
    assert _meet(lanes) == [True, True]


def test_narrowing_to_a_finished_image_changes_nothing() -> None:
    lanes, done = Lanes(2), Future()
    done.set_result(None)
    lanes.narrow_until(done)
    assert _meet(lanes) == [True, True]


def test_the_image_beside_the_outlines_has_every_core_but_one() -> None:
    with ThreadPoolExecutor(1) as colour:
        threads = colour.submit(beside_outlines, lambda x: (x, current_threads()), 7).result()
    assert threads == (7, colour_threads()) and colour_threads() >= 1


def test_the_engine_makes_outlines_one_at_a_time_while_its_image_is_coloured(
        tiny_engine, monkeypatch) -> None:
    """With on_first returning the image's Future, no two outline tasks overlap until it is
    done; with on_first returning nothing they do (so this test can fail); the outlines are
    the same either way."""
    import sketchfill.app.engine as engine_module
    from tests.test_engine import _draws, _line_engine, _stroke

    engine = _line_engine(tiny_engine)
    seeds = [s for s in range(200) if _draws(s)][:6]  # no idle completion: no reserves
    spans: list[tuple[float, float]] = []
    real = engine_module.drawn_outline

    def slow(*args):
        start = time.perf_counter()
        time.sleep(0.05)
        out = real(*args)
        spans.append((start, time.perf_counter()))
        return out

    monkeypatch.setattr(engine_module, "drawn_outline", slow)

    handed: list[float] = []

    def overlaps() -> int:  # among the tasks running after the hand-over
        ordered = sorted(span for span in spans if span[1] > handed[-1])
        return sum(b[0] < a[1] for a, b in zip(ordered, ordered[1:]))

    def hand_over(image: Future | None):
        return lambda outline: handed.append(time.perf_counter()) or image

    free = engine.complete(_stroke(), "orange", seeds, on_first=hand_over(None))
    assert overlaps() > 0
    spans.clear()
    narrowed = engine.complete(_stroke(), "orange", seeds, on_first=hand_over(Future()))
    assert len(spans) == len(seeds) and overlaps() == 0
    assert np.array_equal(narrowed.outlines, free.outlines)
    assert np.array_equal(narrowed.shadow, free.shadow)

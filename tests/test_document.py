"""Strokes, pure sketch edits and rasterisation (app/document.py)."""

import numpy as np
import pytest

from sketchfill.app.document import INK, PAPER, Rasteriser, Sketch, Stroke, draw_stroke, rasterise


def line(tool="pen", width=8.0, pressure=1.0, y=50.0):
    return Stroke(tool, width, ((10.0, y, pressure), (90.0, y, pressure)))


def ink_rows(raster: np.ndarray, x: int = 50) -> int:
    return int((raster[:, x] < 128).sum())


def test_pen_draws_ink_and_eraser_restores_paper():
    sketch = Sketch(100, 100).with_stroke(line())
    raster = rasterise(sketch)
    assert raster.dtype == np.uint8 and raster.shape == (100, 100)
    assert raster[50, 50] == INK and raster[10, 50] == PAPER
    erased = rasterise(sketch.with_stroke(line("eraser", width=20)))
    assert (erased == PAPER).all()


def test_pressure_scales_width():
    full = ink_rows(rasterise(Sketch(100, 100).with_stroke(line(width=16, pressure=1.0))))
    light = ink_rows(rasterise(Sketch(100, 100).with_stroke(line(width=16, pressure=0.25))))
    assert 14 <= full <= 18
    assert 3 <= light <= 6


def test_single_point_draws_a_dot():
    raster = np.full((20, 20), PAPER, np.uint8)
    draw_stroke(raster, Stroke("pen", 6.0, ((10.0, 10.0, 1.0),)))
    assert raster[10, 10] == INK and raster[0, 0] == PAPER


@pytest.mark.parametrize("kwargs, words", [
    ({"tool": "brush", "width": 1.0, "points": ((0, 0, 1),)}, "tool"),
    ({"tool": "pen", "width": 0.0, "points": ((0, 0, 1),)}, "width"),
    ({"tool": "pen", "width": 1.0, "points": ()}, "point"),
])  # fmt: skip
def test_stroke_rejects_bad_fields(kwargs, words):
    with pytest.raises(ValueError, match=words):
        Stroke(**kwargs)


def test_edits_are_pure():
    s0 = Sketch(100, 100, class_name="moon", seed=3)
    s1 = s0.with_stroke(line())
    assert s0.strokes == () and len(s1.strokes) == 1
    assert s1.cleared().strokes == () and s1.cleared().class_name == "moon"
    assert s1.with_class("orange").strokes == s1.strokes
    moved = s1.moved((0,), 5, -3)
    assert moved.strokes[0].points[0] == (15.0, 47.0, 1.0)
    assert s1.strokes[0].points[0] == (10.0, 50.0, 1.0)


def test_strokes_in_selects_by_points():
    sketch = Sketch(100, 100).with_strokes([line(y=20), line(y=80)])
    assert sketch.strokes_in((0, 0, 100, 50)) == (0,)
    assert sketch.strokes_in((0, 0, 100, 100)) == (0, 1)
    assert sketch.strokes_in((0, 30, 100, 60)) == ()


def test_completion_seeds_are_stable_and_distinct():
    seeds = Sketch(seed=7).completion_seeds(8)
    assert seeds == Sketch(seed=7).completion_seeds(8)
    assert len(set(seeds)) == 8 and seeds != Sketch(seed=8).completion_seeds(8)
    assert [s % 2 for s in seeds] == [0, 1] * 4  # half see the sketch mirrored
    assert all(0 <= s < 2**31 for s in seeds)


def test_rasteriser_incremental_matches_full_and_is_read_only():
    rasteriser = Rasteriser()
    sketch = Sketch(100, 100).with_stroke(line(y=30))
    first = rasteriser.ink(sketch)
    assert not first.flags.writeable
    longer = sketch.with_stroke(line("eraser", width=4, y=30))
    np.testing.assert_array_equal(rasteriser.ink(longer), rasterise(longer))
    np.testing.assert_array_equal(rasteriser.ink(Sketch(100, 100)), rasterise(Sketch(100, 100)))
    live = rasteriser.with_live(sketch, line(y=70))
    assert live.flags.writeable and live[70, 50] == INK and rasteriser.ink(sketch)[70, 50] == PAPER


def test_growing_live_stroke_is_drawn_incrementally_and_exactly():
    rasteriser = Rasteriser()
    sketch = Sketch(100, 100).with_stroke(line(y=30))
    points = [(10.0 + 7 * i, 60.0 + (i % 3), 0.3 + 0.05 * i) for i in range(12)]
    for n in range(1, len(points) + 1):
        live = Stroke("pen", 6.0, tuple(points[:n]))
        np.testing.assert_array_equal(rasteriser.with_live(sketch, live), rasterise(sketch, [live]))
    other = Stroke("eraser", 6.0, tuple(points[:3]))  # a new stroke starts afresh
    np.testing.assert_array_equal(rasteriser.with_live(sketch, other), rasterise(sketch, [other]))


def test_an_eraser_belongs_to_the_strokes_it_cut():
    cut = Sketch(200, 200).with_stroke(line(y=50.0)).with_stroke(line(y=150.0))
    eraser = Stroke("eraser", 10.0, ((50.0, 30.0, 1.0), (50.0, 70.0, 1.0)))
    cut = cut.with_stroke(eraser)
    assert [len(s.erased) for s in cut.strokes] == [1, 0]
    assert rasterise(cut)[50, 50] == PAPER and rasterise(cut)[50, 20] < PAPER
    moved = rasterise(cut.moved((0,), 0, 40))             # the gap travels with its stroke
    assert moved[90, 50] == PAPER and moved[90, 20] < PAPER and moved[50, 20] == PAPER
    across = rasterise(cut.moved((1,), 0, -100))          # an older stroke moved across the
    assert across[50, 50] < PAPER                         # old eraser path is not cut


def test_erasing_blank_paper_changes_nothing():
    sketch = Sketch(200, 200).with_stroke(line(y=50.0))
    assert sketch.with_stroke(Stroke("eraser", 5.0, ((150.0, 150.0, 1.0),))) is sketch

"""Session JSON: exact round trip and readable errors (app/session.py)."""

import json
import os

import pytest

from sketchfill.app import session
from sketchfill.app.document import Sketch, Stroke
from sketchfill.app.overlay import OverlayMode
from sketchfill.app.session import SessionError

EXAMPLE = {
    "format": "sketchfill-session",
    "version": 1,
    "canvas": {"width": 512, "height": 384},
    "class": "watermelon",
    "seed": 123456789,
    "strokes": [
        {
            "tool": "pen",
            "width": 6.5,
            "points": [[10.25, 20.125, 0.3], [11, 22, 1], [12.0, 23.5, 0.75]],
            "erased": [{"width": 12, "points": [[11.0, 21.0, 1.0]]}],
        },
        {"tool": "pen", "width": 3, "points": [[100.0, 100.0, 1.0]]},
    ],
    "view": {"chosen": 0, "overlay": "blend"},
}


def test_round_trip_is_exact(tmp_path):
    sketch = session.from_dict(EXAMPLE)
    assert session.to_dict(sketch) == EXAMPLE
    path = tmp_path / "s.json"
    session.save(path, sketch)
    again = session.load(path)
    assert again == sketch
    assert json.loads(path.read_text()) == EXAMPLE


def test_round_trip_of_float_noise():
    points = tuple((0.1 * i + 1e-9, 1 / 3 + i, 0.123456789) for i in range(50))
    sketch = Sketch(300, 200, (Stroke("pen", 2.2, points),), "moon", 2**31 - 1)
    assert session.loads(session.dumps(sketch)) == sketch


def test_extra_fields_are_ignored():
    data = dict(EXAMPLE, app={"chosen": 3})
    assert session.from_dict(data) == session.from_dict(EXAMPLE)


@pytest.mark.parametrize("change, words", [
    ({"format": "other"}, '"format"'),
    ({"version": 2}, "version"),
    ({"canvas": {"width": 0, "height": 10}}, "canvas"),
    ({"class": None}, '"class"'),
    ({"seed": 1.5}, '"seed"'),
    ({"strokes": {}}, '"strokes"'),
    ({"strokes": [{"tool": "brush", "width": 1, "points": [[0, 0, 1]]}]}, r"strokes\[0\].*tool"),
    ({"strokes": [{"tool": "pen", "width": -1, "points": [[0, 0, 1]]}]}, r"strokes\[0\].*width"),
    ({"strokes": [{"tool": "pen", "width": 1, "points": []}]}, r"strokes\[0\].*points"),
    ({"strokes": [{"tool": "pen", "width": 1, "points": [[0, 0]]}]}, r"points\[0\]"),
    ({"strokes": [{"tool": "pen", "width": 1, "points": [[0, 0, 2]]}]}, "pressure"),
])  # fmt: skip
def test_bad_sessions_name_the_problem(change, words):
    with pytest.raises(SessionError, match=words):
        session.from_dict(dict(EXAMPLE, **change))


def test_load_errors_name_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(SessionError, match="broken.json.*JSON"):
        session.load(path)
    with pytest.raises(SessionError, match="missing.json"):
        session.load(tmp_path / "missing.json")


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    session.save(path, session.from_dict(EXAMPLE))
    before = path.read_bytes()

    def fail(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        session.save(path, Sketch())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]  # no temp file left behind


def test_a_point_far_outside_the_canvas_is_a_clear_error():
    data = session.to_dict(Sketch().with_stroke(Stroke("pen", 4.0, ((10.0, 10.0, 1.0),))))
    data["strokes"][0]["points"][0][0] = 2e8
    with pytest.raises(SessionError, match="far outside"):
        session.from_dict(data)


def test_a_png_or_a_folder_is_not_a_session_file(tmp_path):
    png = tmp_path / "sketch.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(SessionError, match="not a session file"):
        session.load(png)
    with pytest.raises(SessionError, match="is a directory"):
        session.load(tmp_path)


def test_an_old_eraser_stroke_cuts_the_strokes_before_it_that_it_touches():
    data = json.loads(json.dumps(EXAMPLE))
    data["strokes"] = [
        {"tool": "pen", "width": 4, "points": [[10, 50, 1], [90, 50, 1]]},
        {"tool": "pen", "width": 4, "points": [[10, 150, 1], [90, 150, 1]]},
        {"tool": "eraser", "width": 10, "points": [[50, 30, 1], [50, 70, 1]]},
        {"tool": "pen", "width": 4, "points": [[50, 10, 1], [50, 90, 1]]},
    ]
    sketch = session.from_dict(data)
    assert [len(s.erased) for s in sketch.strokes] == [1, 0, 0]   # drawn after: not cut
    assert all(s.tool == "pen" for s in sketch.strokes)


def test_the_view_keeps_brush_and_shadow_and_older_files_load(tmp_path):
    sketch = session.from_dict(EXAMPLE)
    view = session.View(5, OverlayMode.ONE, brush=17.0, opacity=0.35)
    session.save(tmp_path / "v.json", sketch, view)
    assert session.load_with_view(tmp_path / "v.json") == (sketch, view)
    old = session.view_from_dict(EXAMPLE)  # written before brush and opacity were kept
    assert (old.brush, old.opacity) == (None, None)


@pytest.mark.parametrize("bad", [{"brush": 0}, {"brush": "big"}, {"opacity": 1.5}])
def test_a_bad_view_value_is_named(bad):
    data = dict(EXAMPLE, view={"chosen": 0, "overlay": "blend", **bad})
    with pytest.raises(SessionError, match=next(iter(bad))):
        session.view_from_dict(data)

"""Crash-recovery autosave (app/autosave.py)."""

from app.autosave import Autosave
from app.document import Sketch, Stroke


def test_write_recover_discard(tmp_path):
    autosave = Autosave(tmp_path / "data")
    assert not autosave.pending()
    sketch = Sketch(class_name="moon", seed=5).with_stroke(Stroke("pen", 3.0, ((1, 1, 1.0),)))
    autosave.write(sketch)
    assert Autosave(tmp_path / "data").pending()
    assert Autosave(tmp_path / "data").recover() == sketch
    autosave.discard()
    assert not autosave.pending()

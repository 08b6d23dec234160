"""Crash-recovery autosave (app/autosave.py): one file per running copy, locked while it runs."""

from sketchfill.app.autosave import LEGACY_NAME, Autosave
from sketchfill.app.document import Sketch, Stroke
from sketchfill.app.session import save
from tests.gui_support import crash_leaving_autosave

SKETCH = Sketch(class_name="moon", seed=5).with_stroke(Stroke("pen", 3.0, ((1, 1, 1.0),)))


def test_a_live_copys_autosave_is_neither_offered_nor_removed(tmp_path):
    live = Autosave(tmp_path / "data")
    live.write(SKETCH)
    other = Autosave(tmp_path / "data")
    assert other.path != live.path
    assert not other.pending() and other.orphans() == []
    other.remove_orphan(live.path)
    assert live.path.is_file()
    live.discard()
    assert not live.path.exists() and not list((tmp_path / "data").iterdir())


def test_a_dead_copys_autosave_is_offered_then_removed(tmp_path):
    crash_leaving_autosave(tmp_path / "data", SKETCH)
    autosave = Autosave(tmp_path / "data")
    [orphan] = autosave.orphans()
    assert autosave.recover() == SKETCH
    autosave.remove_orphan(orphan)
    assert not autosave.pending() and not list((tmp_path / "data").iterdir())


def test_the_older_single_file_is_a_dead_copys(tmp_path):
    (tmp_path / "data").mkdir()
    save(tmp_path / "data" / LEGACY_NAME, SKETCH)
    autosave = Autosave(tmp_path / "data")
    assert autosave.recover() == SKETCH
    autosave.remove_orphan(tmp_path / "data" / LEGACY_NAME)
    assert not autosave.pending()

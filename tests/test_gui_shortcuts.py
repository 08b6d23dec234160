"""Every shortcut works through real key events, and none fires while a text box is typed in."""
from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QKeySequence
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication

from sketchfill.app.document import Stroke
from sketchfill.gui.actions import key_sequences
from tests.gui_support import WAIT_MS, drag
from tests.test_gui_main_window import CIRCLE


def press(widget, sequence: QKeySequence) -> None:
    combo = sequence[0]
    key, mods = combo & ~int(Qt.KeyboardModifierMask), combo & int(Qt.KeyboardModifierMask)
    QTest.keyClick(widget, key, Qt.KeyboardModifiers(mods))


def counters(window) -> dict[str, list[int]]:
    fired = {}
    for action in window.actions.all():
        fired[action.text()] = hits = []
        action.triggered.connect(lambda *_, hits=hits: hits.append(1))
    return fired


def test_redo_has_both_linux_bindings_and_no_sequence_is_bound_twice(window):
    redo = [s.toString() for s in window.actions.redo.shortcuts()]
    assert "Ctrl+Shift+Z" in redo and "Ctrl+Y" in redo
    assert "F1" in [s.toString() for s in window.actions.help.shortcuts()]
    every = [s.toString() for a in window.actions.all() for s in a.shortcuts()]
    assert len(every) == len(set(every)), "a sequence bound twice is an ambiguous shortcut"


def test_a_standard_key_stands_for_all_its_bindings():
    assert key_sequences((QKeySequence.Redo, "Ctrl+Y")) == QKeySequence.keyBindings(
        QKeySequence.Redo) + [s for s in [QKeySequence("Ctrl+Y")]
                              if s not in QKeySequence.keyBindings(QKeySequence.Redo)]


def test_every_shortcut_triggers_its_action_through_real_key_events(qtbot, window):
    window.dialogs.confirm_answer = False        # New / Quit prompts: keep the window
    window.canvas.setFocus()
    drag(window.canvas, CIRCLE)                  # something to undo, clear, accept
    qtbot.waitUntil(window.controller.is_idle, timeout=WAIT_MS)
    fired = counters(window)
    for action in window.actions.all():
        if action in (window.actions.undo, window.actions.quit):   # last: they change the state
            continue
        for sequence in action.shortcuts():
            if action is window.actions.redo:    # something to redo
                drag(window.canvas, CIRCLE)
                window.actions.undo.trigger()
            before = len(fired[action.text()])
            press(window.canvas, sequence)
            qtbot.wait(1)
            assert len(fired[action.text()]) == before + 1, (action.text(), sequence.toString())
            if window.help_window is not None and window.help_window.isVisible():
                window.help_window.close()  # F1's window took the keys: back to the drawing
                window.activateWindow()
                qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT_MS)
    for sequence in window.actions.undo.shortcuts():
        drag(window.canvas, CIRCLE)
        press(window.canvas, sequence)
        assert len(fired["&Undo"]) >= 1, sequence.toString()
    press(window.canvas, window.actions.quit.shortcut())
    assert fired["&Quit"] and not window.isVisible()


def test_redo_by_ctrl_shift_z_and_ctrl_y(qtbot, window):
    window.canvas.setFocus()
    drag(window.canvas, CIRCLE)
    for redo in ("Ctrl+Shift+Z", "Ctrl+Y"):
        press(window.canvas, QKeySequence("Ctrl+Z"))
        assert window.controller.sketch.strokes == ()
        press(window.canvas, QKeySequence(redo))
        assert len(window.controller.sketch.strokes) == 1, redo


def test_digits_typed_in_the_brush_box_fire_no_shortcut(qtbot, window):
    """The box keeps what it can take (digits, editing keys); the letters it cannot take are
    the drawing's keys (tests/test_gui_focus.py), so they are not typed here."""
    fired = counters(window)
    box = window.panel.brush
    box.setFocus()
    box.lineEdit().selectAll()
    for text in ("2", "0"):
        QTest.keyClicks(box, text)
    QTest.keyClick(box, Qt.Key_Backspace)
    QTest.keyClicks(box, "4")
    assert box.value() == 24
    QTest.keyClick(box, Qt.Key_Return)
    assert not [name for name, hits in fired.items() if hits]
    assert window.controller.sketch.strokes == () and window.canvas.brush() == 24


def readme_keys() -> list[str]:
    """Every key sequence the README's Drawing table lists (mouse gestures left out)."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = text.split("| do this | with |", 1)[1].split("\n\n", 1)[0]
    key = re.compile(r"^((Ctrl|Shift|Alt)\+)*([A-Z]|F\d+|[\[\].,=0-9-]|PgUp|PgDown|Backspace"
                     r"|Delete|Escape|Left|Right)$")
    keys = []
    for row in table.splitlines()[2:]:
        cell = re.sub(r"\(.*?\)", "", row.split("|")[2]).replace("`,`", "COMMA")
        cell = cell.replace("`", "").replace("←", "Left").replace("→", "Right")
        tokens = re.split(r"\s*(?:,\s+|\s+/\s+|\s+or\s+)\s*", cell.strip())
        keys += [t for t in (t.replace("COMMA", ",") for t in tokens) if key.match(t)]
    return keys


def test_every_key_in_the_readme_fires_an_action(qtbot, window):
    from PyQt5.QtWidgets import QAction

    keys = readme_keys()
    assert {"Ctrl+Y", "Ctrl+Shift+Z", "F1", "A", "Ctrl+A", "Delete", "Ctrl+0", "."} <= set(keys)
    window.dialogs.confirm_answer = False  # New / Quit prompts: keep the drawing
    window.canvas.setFocus()
    drag(window.canvas, CIRCLE)
    qtbot.waitUntil(window.controller.is_idle, timeout=WAIT_MS)
    actions = window.findChildren(QAction)
    fired = {id(a): [] for a in actions}
    for a in actions:
        a.triggered.connect(lambda *_, hits=fired[id(a)]: hits.append(1))
    for name in sorted(keys, key=lambda k: k == "Ctrl+Q"):  # Quit last
        sequence = QKeySequence(name)
        bound = [a for a in actions if sequence in a.shortcuts()]
        assert bound, f"README lists {name}, but no action has it"
        if window.actions.redo in bound:  # something to redo
            drag(window.canvas, CIRCLE)
            window.actions.undo.trigger()
        before = sum(len(fired[id(a)]) for a in bound)
        press(window.canvas, sequence)
        assert sum(len(fired[id(a)]) for a in bound) == before + 1, name


def test_editing_keys_in_the_brush_box_stay_in_the_box(qtbot, window):
    c = window.controller
    c.reset(c.sketch.with_stroke(Stroke("pen", 4.0, ((10.0, 10.0, 1.0), (90.0, 90.0, 1.0)))))
    fired = counters(window)
    box = window.panel.brush
    box.setFocus()
    QTest.keyClick(box, Qt.Key_A, Qt.ControlModifier)
    QTest.keyClick(box, Qt.Key_Delete)
    QTest.keyClick(box, Qt.Key_Backspace)
    assert not fired["Select &All Strokes"] and not fired["&Delete Selected Strokes"]
    assert len(c.sketch.strokes) == 1 and window.canvas.tool() == "pen"

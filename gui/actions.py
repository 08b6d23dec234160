"""Every command of the window as a QAction with its shortcut, so menus, toolbar, panel buttons
and the keyboard all trigger the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QAction, QActionGroup, QWidget

Key = QKeySequence.StandardKey | str


@dataclass
class Actions:
    new: QAction
    open_session: QAction
    save_session: QAction
    save_session_as: QAction
    open_image: QAction
    save_sketch: QAction
    save_image: QAction
    export_svg: QAction
    load_models: QAction
    quit: QAction
    undo: QAction
    redo: QAction
    clear: QAction
    pen: QAction
    eraser: QAction
    move: QAction
    select_all: QAction
    delete_selection: QAction
    drop_selection: QAction
    brush_bigger: QAction
    brush_smaller: QAction
    accept: QAction
    dice: QAction
    next_completion: QAction
    previous_completion: QAction
    one_completion: QAction
    show_shadow: QAction
    shadow_stronger: QAction
    shadow_lighter: QAction
    next_class: QAction
    previous_class: QAction
    help: QAction
    about: QAction

    def all(self) -> list[QAction]:
        return [getattr(self, f.name) for f in fields(self)]


def key_sequences(keys: tuple[Key, ...]) -> list[QKeySequence]:
    """Every sequence the keys stand for, each once. A StandardKey stands for all of the
    platform's bindings (Redo is Ctrl+Shift+Z *and* Ctrl+Y on Linux): QKeySequence(key) keeps
    only the first, and binding a second key to it again is an ambiguous shortcut in Qt."""
    found: list[QKeySequence] = []
    for key in keys:
        if isinstance(key, str):
            candidates = [QKeySequence(key)]
        else:
            candidates = QKeySequence.keyBindings(key)    # empty where the platform has none
        found += [c for c in candidates if not c.isEmpty() and c not in found]
    return found


def _action(parent: QWidget, text: str, *keys: Key, tip: str = "") -> QAction:
    action = QAction(text, parent)
    action.setShortcuts(key_sequences(keys))
    shortcut = action.shortcut().toString(QKeySequence.NativeText)
    action.setToolTip(
        f"{tip or text.replace('&', '').rstrip('…')} ({shortcut})" if shortcut else tip
    )
    action.setStatusTip(tip)
    return action


def _checkable(action: QAction, checked: bool = False) -> QAction:
    action.setCheckable(True)
    action.setChecked(checked)
    return action


def create_actions(parent: QWidget) -> Actions:
    S = QKeySequence
    actions = Actions(
        new=_action(parent, "&New", S.New, tip="Start a new sketch"),
        open_session=_action(parent, "&Open Session…", S.Open, tip="Open a saved session"),
        save_session=_action(parent, "&Save Session", S.Save, tip="Save strokes, class and seed"),
        save_session_as=_action(parent, "Save Session &As…", S.SaveAs, "Ctrl+Shift+S"),
        open_image=_action(
            parent, "Open &Image as Sketch…", "Ctrl+I", tip="Trace an image's lines into strokes"
        ),
        save_sketch=_action(parent, "Save S&ketch PNG…", "Ctrl+Shift+P"),
        save_image=_action(parent, "Save &Rendered Image PNG…", "Ctrl+Shift+I"),
        export_svg=_action(parent, "Export Strokes as S&VG…", "Ctrl+Shift+G"),
        load_models=_action(
            parent, "Load &Models From…", "Ctrl+Shift+M", tip="Load checkpoints from a folder"
        ),
        quit=_action(parent, "&Quit", S.Quit, "Ctrl+Q"),
        undo=_action(parent, "&Undo", S.Undo),
        redo=_action(parent, "&Redo", S.Redo, "Ctrl+Y"),
        clear=_action(parent, "&Clear", "Ctrl+Backspace", "Ctrl+Delete", tip="Remove every stroke"),
        pen=_checkable(
            _action(parent, "&Pen", "P", tip="Draw (tablet pressure sets the width)"), True
        ),
        eraser=_checkable(_action(parent, "&Eraser", "E", tip="Erase (or use the right button)")),
        move=_checkable(
            _action(parent, "&Move Strokes", "M", tip="Select strokes with a box, then drag them")
        ),
        select_all=_action(
            parent, "Select &All Strokes", S.SelectAll, tip="Select every stroke to move"
        ),
        delete_selection=_action(parent, "&Delete Selected Strokes", "Delete"),
        drop_selection=_action(parent, "Dese&lect", "Escape", tip="Drop the selection"),
        brush_bigger=_action(parent, "&Bigger Brush", "]", tip="Bigger brush (or the wheel)"),
        brush_smaller=_action(parent, "&Smaller Brush", "[", tip="Smaller brush (or the wheel)"),
        # Not Return: typing a number and Return in a spin box must not change the drawing.
        accept=_action(
            parent, "&Accept Completion", "A", tip="Add the shown completion to the sketch"
        ),
        dice=_action(parent, "&Dice", "D", tip="New random completions and colours"),
        next_completion=_action(
            parent, "&Next Completion", "Right", ".", tip="Next completion (Alt+wheel)"
        ),
        previous_completion=_action(
            parent, "&Previous Completion", "Left", ",", tip="Previous completion (Alt+wheel)"
        ),
        one_completion=_checkable(
            _action(
                parent,
                "Show &One Completion",
                "T",
                tip="Shadow of one completion instead of all blended",
            )
        ),
        show_shadow=_checkable(
            _action(parent, "Show S&hadow", "H", tip="Show the completions under the strokes"), True
        ),
        shadow_stronger=_action(parent, "Shadow Str&onger", "Ctrl+]"),
        shadow_lighter=_action(parent, "Shadow &Lighter", "Ctrl+["),
        next_class=_action(parent, "Next &Class", "Ctrl+PgDown"),
        previous_class=_action(parent, "Pre&vious Class", "Ctrl+PgUp"),
        help=_action(parent, "Shortcuts and &How-to", S.HelpContents, "F1"),
        about=_action(parent, "&About Sketch && Fill"),
    )
    tools = QActionGroup(parent)
    for action in (actions.pen, actions.eraser, actions.move):
        tools.addAction(action)
    for action in actions.all():
        parent.addAction(action)  # shortcuts work even when the action is in no visible menu
    return actions

"""The side panel: class picker, brush size, shadow opacity and mode, completion stepping.

Its fields hand the keyboard back to the drawing: Return or Escape leaves a field, and keys a
field has no use for (Ctrl+Z, [ and ], the tools' letters, Space to pan) reach the window's
shortcuts and the pad even while a field has the focus.
"""

from __future__ import annotations

from PyQt5.QtCore import QEvent, QObject, Qt, pyqtSignal
from PyQt5.QtGui import QKeyEvent
from PyQt5.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sketchfill.app.class_names import display_name
from sketchfill.app.overlay import Overlay, OverlayMode
from sketchfill.app.smoothing import MAX_STRENGTH
from sketchfill.gui.actions import Actions

MAX_BRUSH = 64  # px at pressure 1
MODE_LABELS = {OverlayMode.BLEND: "All completions blended", OverlayMode.ONE: "One completion"}
LEAVE_KEYS = (Qt.Key_Return, Qt.Key_Enter, Qt.Key_Escape)
# Keys a number field keeps for editing its text; every other key is the window's.
EDIT_KEYS = (Qt.Key_Backspace, Qt.Key_Delete, Qt.Key_Left, Qt.Key_Right, Qt.Key_Home,
             Qt.Key_End, Qt.Key_Up, Qt.Key_Down, Qt.Key_PageUp, Qt.Key_PageDown)  # fmt: skip


def is_edit_key(event: QKeyEvent) -> bool:
    """A key that edits a number field's text: digits, a sign, cursor keys, Ctrl+A / C / V."""
    mods = event.modifiers() & ~Qt.KeypadModifier
    if mods & Qt.ControlModifier:
        return event.key() in (Qt.Key_A, Qt.Key_C, Qt.Key_V, Qt.Key_X) and not (
            mods & (Qt.ShiftModifier | Qt.AltModifier))
    if mods & Qt.AltModifier:
        return False
    return event.key() in EDIT_KEYS or event.text().isdigit()


def _button(action) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonTextOnly)
    return button


class ControlPanel(QWidget):
    class_chosen = pyqtSignal(str)
    brush_changed = pyqtSignal(float)
    opacity_changed = pyqtSignal(float)
    mode_changed = pyqtSignal(object)  # OverlayMode
    stabiliser_changed = pyqtSignal(int)  # 0 = off
    leave = pyqtSignal()  # Return or Escape in a field: the keyboard goes back to the drawing
    space_held = pyqtSignal(bool)  # Space pressed / released while a field has the focus

    def __init__(self, actions: Actions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.classes = QComboBox()
        self.classes.setEnabled(False)
        self.classes.setMinimumContentsLength(12)
        self.classes.setToolTip("What to draw: picks the shape prior and the colouring")
        self.brush = QSpinBox()
        self.brush.setRange(1, MAX_BRUSH)
        self.brush.setSuffix(" px")
        self.steady = QSpinBox()
        self.steady.setRange(0, MAX_STRENGTH)
        self.steady.setSpecialValueText("off")
        self.steady.setToolTip("Stabiliser: the line trails the pen and leaves out the hand's "
                               "tremor (0 = off)")
        self.opacity = QSlider(Qt.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setToolTip("Opacity of the shadow under the strokes")
        self.mode = QComboBox()
        for mode, label in MODE_LABELS.items():
            self.mode.addItem(label, mode)
        self.completion = QLabel("–")
        self.completion.setAlignment(Qt.AlignCenter)
        self._layout(actions)
        self._connect()
        for field in (self.classes, self.brush, self.steady, self.opacity, self.mode):
            field.installEventFilter(self)

    def _layout(self, actions: Actions) -> None:
        form = QFormLayout()
        form.addRow("Class", self.classes)
        form.addRow("Brush", self.brush)
        form.addRow("Stabiliser", self.steady)
        form.addRow("Shadow", self.opacity)
        form.addRow("Show", self.mode)
        stepper = QHBoxLayout()
        stepper.addWidget(_button(actions.previous_completion))
        stepper.addWidget(self.completion, 1)
        stepper.addWidget(_button(actions.next_completion))
        buttons = QHBoxLayout()
        buttons.addWidget(_button(actions.accept))
        buttons.addWidget(_button(actions.dice))
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(QLabel("Completion"))
        column.addLayout(stepper)
        column.addLayout(buttons)
        column.addStretch(1)
        actions.previous_completion.setIconText("◀")
        actions.next_completion.setIconText("▶")

    def _connect(self) -> None:
        self.classes.activated.connect(lambda i: self.class_chosen.emit(self.classes.itemData(i)))
        self.brush.valueChanged.connect(lambda v: self.brush_changed.emit(float(v)))
        self.steady.valueChanged.connect(self.stabiliser_changed)
        self.opacity.valueChanged.connect(lambda v: self.opacity_changed.emit(v / 100))
        self.mode.activated.connect(lambda i: self.mode_changed.emit(self.mode.itemData(i)))

    # ---- keys in the fields -------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.ShortcutOverride:
            return self._override(watched, event)
        if kind in (QEvent.KeyPress, QEvent.KeyRelease) and event.key() == Qt.Key_Space:
            if not event.isAutoRepeat():
                self.space_held.emit(kind == QEvent.KeyPress)
            return True  # Space pans the pad; it neither opens a list nor types a blank
        if kind == QEvent.KeyPress and event.key() in LEAVE_KEYS:
            self.leave.emit()  # the field loses the focus: a typed value is taken first
            return True
        return False

    def _override(self, watched: QObject, event: QKeyEvent) -> bool:
        """Before a shortcut fires: Escape and Return are the field's (they leave it); a number
        field keeps its editing keys; anything else goes to the window's shortcuts."""
        if event.key() in LEAVE_KEYS:
            event.accept()
            return True
        if watched in (self.brush, self.steady) and is_edit_key(event):
            return False
        return True  # not accepted: the shortcut fires

    # ---- binding: show state without echoing it back ----------------------------------------
    def set_classes(self, classes: tuple[str, ...]) -> None:
        """List the classes by display name (the engine's order, which the networks and the
        session files use, is the order of the data, not of the alphabet)."""
        self.classes.blockSignals(True)
        self.classes.clear()
        for name in sorted(classes, key=lambda c: display_name(c).casefold()):
            self.classes.addItem(display_name(name), name)  # shown label, class name as data
        self.classes.setEnabled(bool(classes))
        self.classes.blockSignals(False)

    def class_order(self) -> tuple[str, ...]:
        """The class names in the order the list shows them."""
        return tuple(self.classes.itemData(i) for i in range(self.classes.count()))

    def show_class(self, class_name: str) -> None:
        self.classes.blockSignals(True)
        self.classes.setCurrentIndex(self.classes.findData(class_name))
        self.classes.blockSignals(False)

    def show_brush(self, width: float) -> None:
        self.brush.blockSignals(True)
        self.brush.setValue(round(width))
        self.brush.blockSignals(False)

    def show_overlay(self, overlay: Overlay, k: int) -> None:
        for widget, value in ((self.opacity, round(overlay.opacity * 100)),):
            widget.blockSignals(True)
            widget.setValue(value)
            widget.blockSignals(False)
        self.mode.blockSignals(True)
        self.mode.setCurrentIndex(self.mode.findData(overlay.mode))
        self.mode.blockSignals(False)
        self.completion.setText(f"{overlay.chosen % k + 1} / {k}")

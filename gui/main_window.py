"""The main window: pad on the left, rendered image on the right, controls, menus, status bar.

It only lays widgets out and binds them to the SketchController; edits live in app/ and in the
controller, file handling in gui/file_commands.py.
"""

from __future__ import annotations

import secrets
from dataclasses import replace

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QCloseEvent
from PyQt5.QtWidgets import (
    QAction,
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QSplitter,
    QToolBar,
)

from sketchfill.app.autosave import Autosave
from sketchfill.app.document import Sketch
from sketchfill.app.overlay import DisplaySizes, Overlay, OverlayMode
from sketchfill.app.session import View
from sketchfill.app.worker import EngineInfo, InferenceResult
from sketchfill.gui.actions import create_actions
from sketchfill.gui.canvas import Canvas
from sketchfill.gui.controller import SketchController
from sketchfill.gui.dialogs import Dialogs
from sketchfill.gui.class_commands import ClassCommands
from sketchfill.gui.file_commands import FileCommands
from sketchfill.gui.help import HelpWindow
from sketchfill.gui.image_view import ImageView
from sketchfill.gui.panel import MAX_BRUSH, ControlPanel
from sketchfill.gui.preferences import Preferences
from sketchfill.gui.qimage import bgra_to_qimage, rgb_to_qimage
from sketchfill.gui.recovery import AutosaveBinding

STATUS_TIMEOUT_MS = 8000
OPACITY_STEP = 0.1


class MainWindow(QMainWindow):
    def __init__(
        self,
        controller: SketchController,
        preferences: Preferences,
        autosave: Autosave | None = None,
        dialogs: Dialogs | None = None,
        persist: bool = True,
    ) -> None:
        super().__init__()
        self.setWindowTitle("untitled[*] — Sketch & Fill")
        controller.setParent(self)  # dies with the window: no signal reaches a deleted window
        self.controller = controller
        self.preferences = preferences
        self.persist = persist  # False for headless replays: do not touch the artist's settings
        self.dialogs = dialogs or Dialogs(self)
        self.actions = create_actions(self)
        self.canvas = Canvas()
        self.smooth_strokes = QAction("S&mooth Strokes", self, checkable=True, checked=True)
        self.smooth_strokes.toggled.connect(self.canvas.set_smoothing)
        self.image_view = ImageView()
        self.panel = ControlPanel(self.actions)
        self.files = FileCommands(self, controller, self.dialogs, preferences)
        self.class_commands = ClassCommands(self, controller, self.dialogs, self.panel.classes,
                                            self.show_message)
        self.help_window: HelpWindow | None = None
        self.autosave = (
            AutosaveBinding(controller, autosave, self.show_message, self.current_view,
                            self.show_document) if autosave else None
        )  # fmt: skip
        self._build_layout()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._bind_controller()
        self._bind_input()
        self._restore_preferences()

    # ---- layout ----------------------------------------------------------------------------------
    def _build_layout(self) -> None:
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(self.canvas)
        splitter.addWidget(self.image_view)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)
        dock = self.dock = QDockWidget("Controls", self)
        dock.setObjectName("controls")
        dock.setWidget(self.panel)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable)
        self.addDockWidget(Qt.LeftDockWidgetArea, dock)
        dock.toggleViewAction().setText("Show Side &Panel")
        self.resize(1280, 640)

    def _build_menus(self) -> None:
        a = self.actions
        menus = {
            "&File": [a.new, a.open_session, self.files.recent_menu, a.open_image, None,
                      a.save_session, a.save_session_as,
                      a.save_sketch, a.save_image, a.export_svg, None, a.load_models, None, a.quit],
            "&Edit": [a.undo, a.redo, None, a.clear, a.accept, None, a.select_all,
                      a.delete_selection, a.drop_selection],
            "&Tools": [a.pen, a.eraser, a.move, None, a.brush_bigger, a.brush_smaller, None,
                       self.smooth_strokes],
            "&View": [*self.canvas.zoom_actions, None, a.show_shadow,
                      self.dock.toggleViewAction()],
            "&Completions": [a.next_completion, a.previous_completion, a.one_completion, a.dice,
                             None, a.shadow_stronger, a.shadow_lighter, None,
                             a.next_class, a.previous_class],
            "C&lasses": [self.class_commands.teach, self.class_commands.remove],
            "&Help": [a.help, a.about],
        }  # fmt: skip
        for title, items in menus.items():
            menu = self.menuBar().addMenu(title)
            for item in items:
                if item is None:
                    menu.addSeparator()
                elif isinstance(item, QMenu):
                    menu.addMenu(item)
                else:
                    menu.addAction(item)

    def _build_toolbar(self) -> None:
        a = self.actions
        short = {a.open_session: "Open", a.save_session: "Save", a.move: "Move", a.accept: "Accept",
                 a.one_completion: "One", a.pen: "Pen", a.eraser: "Eraser"}  # fmt: skip
        for action, text in short.items():
            action.setIconText(text)
        bar = QToolBar("Main")
        bar.setObjectName("main")
        bar.setToolButtonStyle(Qt.ToolButtonTextOnly)
        for item in [
            a.new,
            a.open_session,
            a.save_session,
            None,
            a.undo,
            a.redo,
            None,
            a.pen,
            a.eraser,
            a.move,
            a.clear,
            None,
            a.accept,
            a.dice,
            a.one_completion,
        ]:
            bar.addSeparator() if item is None else bar.addAction(item)
        self.addToolBar(bar)

    def _build_status_bar(self) -> None:
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate: "working"
        self.busy.setMaximumWidth(80)
        self.busy.setMaximumHeight(14)
        self.busy.setVisible(False)
        self.latency = QLabel("")
        self.latency.setMinimumWidth(
            self.latency.fontMetrics().horizontalAdvance("update 99999 ms")
        )
        self.latency.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.zoom = QLabel("100%")
        self.zoom.setToolTip("Zoom: canvas pixels shown per 100 screen pixels (View menu)")
        self.device = QLabel("loading models…")
        self._runtime = "torch eager float32"  # what runs the networks (EngineInfo.runtime)
        self.device.setContentsMargins(12, 0, 4, 0)
        bar = self.statusBar()
        bar.addPermanentWidget(self.busy)
        bar.addPermanentWidget(self.latency)
        bar.addPermanentWidget(self.zoom)
        bar.addPermanentWidget(self.device)
        # At the first start on a computer the worker also measures which runtime runs each
        # network fastest (app.runtime.choice): a few seconds more, once.
        bar.showMessage("Loading models… (the first start also finds the fastest way to run them)")

    # ---- bindings --------------------------------------------------------------------------------
    def _bind_controller(self) -> None:
        c = self.controller
        c.sketch_changed.connect(self._on_sketch)
        c.overlay_changed.connect(self._on_overlay)
        c.shadow_changed.connect(
            lambda a: self.canvas.set_shadow(None if a is None else bgra_to_qimage(a))
        )
        c.image_changed.connect(
            lambda a: self.image_view.set_image(None if a is None else rgb_to_qimage(a))
        )
        c.result_shown.connect(self._on_result)
        c.engine_loaded.connect(self._on_loaded)
        c.runtime_changed.connect(self._show_runtime)
        c.engine_failed.connect(self._on_load_failed)
        c.reload_failed.connect(self._on_reload_failed)
        c.update_failed.connect(lambda seq, msg: self.show_message(f"Update failed: {msg}"))
        c.busy_changed.connect(self.busy.setVisible)
        c.accept_waiting.connect(self._on_accept_waiting)
        c.message.connect(self.show_message)
        c.unknown_class.connect(self._on_unknown_class)
        stack = c.undo_stack
        stack.canUndoChanged.connect(self.actions.undo.setEnabled)
        stack.canRedoChanged.connect(self.actions.redo.setEnabled)
        stack.cleanChanged.connect(self._on_clean_changed)
        self.actions.undo.setEnabled(False)
        self.actions.redo.setEnabled(False)

    def _bind_input(self) -> None:
        a, c = self.actions, self.controller
        self.canvas.stroke_changed.connect(c.set_live)
        self.canvas.stroke_finished.connect(c.commit_stroke)
        self.canvas.move_finished.connect(c.move)
        self.canvas.brush_step.connect(self.step_brush)
        self.canvas.cycle_step.connect(c.cycle)
        self.canvas.resized.connect(self._update_display_sizes)
        self.canvas.zoomed.connect(lambda percent: self.zoom.setText(f"{percent}%"))
        self.image_view.resized.connect(self._update_display_sizes)
        self.panel.class_chosen.connect(c.set_class)
        self.panel.brush_changed.connect(self.set_brush)
        self.panel.stabiliser_changed.connect(self.canvas.set_stabiliser)
        self.panel.opacity_changed.connect(c.set_opacity)
        self.panel.mode_changed.connect(c.set_mode)
        self.panel.leave.connect(self.canvas.setFocus)
        self.panel.space_held.connect(self.canvas.hold_space)
        a.undo.triggered.connect(c.undo_stack.undo)
        a.redo.triggered.connect(c.undo_stack.redo)
        a.clear.triggered.connect(c.clear)
        a.accept.triggered.connect(c.accept)
        a.dice.triggered.connect(c.dice)
        a.next_completion.triggered.connect(lambda: c.cycle(1))
        a.previous_completion.triggered.connect(lambda: c.cycle(-1))
        a.one_completion.toggled.connect(
            lambda on: c.set_mode(OverlayMode.ONE if on else OverlayMode.BLEND)
        )
        a.show_shadow.toggled.connect(lambda _: self._on_overlay(c.overlay))
        a.shadow_stronger.triggered.connect(lambda: c.set_opacity(c.overlay.opacity + OPACITY_STEP))
        a.shadow_lighter.triggered.connect(lambda: c.set_opacity(c.overlay.opacity - OPACITY_STEP))
        a.next_class.triggered.connect(lambda: self.step_class(1))
        a.previous_class.triggered.connect(lambda: self.step_class(-1))
        a.brush_bigger.triggered.connect(lambda: self.step_brush(1))
        a.brush_smaller.triggered.connect(lambda: self.step_brush(-1))
        a.pen.triggered.connect(lambda: self.canvas.set_tool("pen"))
        a.eraser.triggered.connect(lambda: self.canvas.set_tool("eraser"))
        a.move.triggered.connect(lambda: self.canvas.set_tool("move"))
        a.select_all.triggered.connect(self._select_all)
        a.delete_selection.triggered.connect(self._delete_selection)
        a.drop_selection.triggered.connect(lambda: self.canvas.select(()))
        a.about.triggered.connect(lambda: self.dialogs.about(c.info))
        a.help.triggered.connect(self.show_help)
        a.quit.triggered.connect(self.close)
        self.files.connect_actions(a)

    def _restore_preferences(self) -> None:
        p = self.preferences
        self.set_brush(p.brush)
        self.smooth_strokes.setChecked(p.smoothing)
        self.panel.steady.setValue(p.stabiliser)
        overlay = Overlay(opacity=p.opacity, mode=p.mode)
        self.controller.set_overlay(overlay)
        if self.persist and not p.geometry.isEmpty():
            self.restoreGeometry(p.geometry)
        self.controller.reset(Sketch(class_name=p.class_name, seed=secrets.randbelow(2**31)))

    # ---- reactions -------------------------------------------------------------------------------
    def _on_sketch(self, sketch: Sketch) -> None:
        self.canvas.set_sketch(sketch)
        self.panel.show_class(sketch.class_name)
        self._update_display_sizes()

    def _update_display_sizes(self) -> None:
        sketch = self.controller.sketch
        image = self.image_view.device_target_size(sketch.width, sketch.height)
        self.controller.set_display(DisplaySizes(self.canvas.device_paper_size(), image))

    def _on_clean_changed(self, clean: bool) -> None:
        self.setWindowModified(not clean)

    def _on_overlay(self, overlay: Overlay) -> None:
        shown = self.actions.show_shadow.isChecked()
        self.canvas.set_opacity(overlay.opacity if shown else 0.0)
        self.panel.show_overlay(overlay, self.controller.k)
        one = self.actions.one_completion
        one.blockSignals(True)
        one.setChecked(overlay.mode is OverlayMode.ONE)
        one.blockSignals(False)

    def _select_all(self) -> None:
        """Every stroke, selected for the Move tool (which it switches to)."""
        self.actions.move.trigger()
        self.canvas.select(tuple(range(len(self.controller.sketch.strokes))))

    def _delete_selection(self) -> None:
        selection = self.canvas.selection()
        self.canvas.select(())
        self.controller.delete(selection)

    def _on_accept_waiting(self, waiting: bool) -> None:
        """A wait cursor while Accept waits for the completion of the current sketch."""
        if waiting:
            QApplication.setOverrideCursor(Qt.WaitCursor)
        else:
            QApplication.restoreOverrideCursor()

    def _on_result(self, result: InferenceResult) -> None:
        self.latency.setText(f"update {result.latency_ms:.0f} ms")
        self.latency.setToolTip(
            f"Last update: {result.latency_ms:.0f} ms from edit to screen, "
            f"{result.compute_ms:.0f} ms in the models ({self._runtime})"
        )

    def _on_loaded(self, info: EngineInfo) -> None:
        self.panel.set_classes(info.classes)
        self.panel.show_class(self.controller.sketch.class_name)
        self.device.setText(f"models on {info.device}")
        self._show_runtime(info)
        self.image_view.set_placeholder("Draw to see the image")
        self.show_message(f"Models loaded on {info.device} in {info.load_ms:.0f} ms")

    def _show_runtime(self, info: EngineInfo) -> None:
        self._runtime = getattr(info, "runtime", "torch eager float32")
        self.device.setToolTip(f"Runtime: {self._runtime}")

    def _on_unknown_class(self, name: str) -> None:
        first = self.controller.info.classes[0] if self.controller.info else "another class"
        self.dialogs.error(
            "Unknown class",
            f"The sketch's class {name!r} is not in the loaded models; it is shown as {first!r}. "
            "Pick a class in the dropdown, or load models that know it.",
        )

    def _on_load_failed(self, message: str) -> None:
        self.panel.set_classes(())
        self.device.setText("no models")
        self.image_view.set_image(None)
        self.image_view.set_placeholder(
            f"The models could not be loaded:\n{message}\n\n"
            "You can still draw; File ▸ Load Models From… tries another folder."
        )
        self.show_message(f"Models could not be loaded: {message}", 0)

    def _on_reload_failed(self, message: str) -> None:
        self.show_message("Models could not be loaded; the loaded models are kept")
        self.dialogs.error(
            "Cannot load models",
            f"{message}\n\nThe models loaded before are kept and still in use.",
        )

    def show_message(self, text: str, timeout_ms: int = STATUS_TIMEOUT_MS) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    # ---- the document and how it is shown -------------------------------------------------------
    def current_view(self) -> View:
        """What a session or autosave keeps of the screen: completion, shadow and brush."""
        return replace(self.controller.view(), brush=self.canvas.brush())

    def show_document(self, sketch: Sketch, view: View = View()) -> None:
        """Make `sketch` the document (Open, recovery), shown as `view` describes."""
        self.controller.reset(sketch, view)
        if view.brush is not None:
            self.set_brush(view.brush)

    def show_help(self) -> None:
        """The how-to and the shortcuts in a window beside the drawing (F1)."""
        if self.help_window is None:
            self.help_window = HelpWindow(self.menuBar(), self)
        self.help_window.refresh()
        self.help_window.show()
        self.help_window.raise_()

    # ---- small actions ---------------------------------------------------------------------------
    def set_brush(self, width: float) -> None:
        width = float(min(max(width, 1.0), MAX_BRUSH))
        changed = width != self.canvas.brush()
        self.canvas.set_brush(width)
        self.panel.show_brush(width)
        if changed and self.autosave is not None:
            self.autosave.mark_changed()

    def step_brush(self, steps: int) -> None:
        """Grow or shrink the brush by ~15% per step (at least 1 px), like most paint apps."""
        width = self.canvas.brush()
        self.set_brush(width + steps * max(1.0, round(width * 0.15)))

    def step_class(self, steps: int) -> None:
        info = self.controller.info
        if info is None or not info.classes:
            return
        classes = self.panel.class_order() or info.classes  # as listed: by display name
        current = self.controller.sketch.class_name
        index = classes.index(current) if current in classes else 0
        self.controller.set_class(classes[(index + steps) % len(classes)])

    # ---- closing ---------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.persist and not self.files.may_close("Quit"):
            event.ignore()
            return
        self._save_preferences()
        self.controller.shutdown()
        if self.autosave is not None:
            self.autosave.close_cleanly()
        super().closeEvent(event)

    def _save_preferences(self) -> None:
        if not self.persist:
            return
        p, c = self.preferences, self.controller
        p.class_name = c.sketch.class_name
        p.brush = self.canvas.brush()
        p.smoothing = self.canvas.smoothing()
        p.stabiliser = self.canvas.stabiliser()
        p.opacity = c.overlay.opacity
        p.mode = c.overlay.mode
        p.geometry = self.saveGeometry()
        p.sync()

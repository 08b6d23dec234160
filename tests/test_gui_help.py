"""F1 opens the how-to and the shortcuts (built from the actions); About is short and fits."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from PyQt5.QtCore import Qt
from PyQt5.QtTest import QTest

from sketchfill.gui.help import AboutDialog, about_html, help_html
from sketchfill.version import __version__

SHIPPED_MANIFEST = Path(__file__).resolve().parents[1] / "checkpoints" / "manifest.json"


def test_f1_shows_every_shortcut_and_a_how_to(qtbot, window):
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key_F1)
    help_window = window.help_window
    assert help_window is not None and help_window.isVisible()
    text = help_window.browser.toPlainText()
    assert "How to draw" in text and "Space+drag" in text
    for action in window.actions.all():
        for sequence in action.shortcuts():
            assert sequence.toString() in text, (action.text(), sequence.toString())
    screen = help_window.screen().availableGeometry()
    assert help_window.width() <= screen.width() and help_window.height() <= screen.height()
    assert window.dialogs.about_calls == 0  # F1 is help, not About


def test_the_shortcut_list_follows_the_actions(window):
    window.actions.dice.setShortcut("Ctrl+Alt+K")
    assert "Ctrl+Alt+K" in help_html(window.menuBar())


def test_about_is_short_names_the_paper_device_runtime_and_fits(qtbot, window):
    info = window.controller.info
    shipped = json.loads(SHIPPED_MANIFEST.read_text())
    info = replace(info, provenance=shipped)
    dialog = AboutDialog(info, window)
    qtbot.addWidget(dialog)
    dialog.show()
    text = dialog.label.text()
    for words in (__version__, "ICCV 2019", "1909.11081", "cpu", "torch", "training steps",
                  "objects-v1"):
        assert words in text, words
    assert "--steps" not in text and "commands" not in text  # a summary, not the raw record
    screen = dialog.screen().availableGeometry()
    assert dialog.width() <= screen.width() and dialog.height() <= screen.height()
    assert dialog.height() < 600


def test_about_of_untrained_test_networks_and_of_no_models(window):
    assert "untrained TINY network for tests" in about_html(window.controller.info)
    assert "not loaded" in about_html(None)

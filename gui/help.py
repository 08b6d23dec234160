"""Help ▸ Shortcuts and How-to (F1) and Help ▸ About: both built from what the window has (its
menus' actions and their shortcuts, the loaded engine), so they never drift from the app."""

from __future__ import annotations

import html
from typing import Iterable

from PyQt5.QtCore import QSize, Qt
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import (
    QAction,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMenuBar,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from sketchfill.app.worker import EngineInfo
from sketchfill.version import __version__

PAPER = (
    "Arnab Ghosh, Richard Zhang, Puneet K. Dokania, Oliver Wang, Alexei A. Efros, "
    "Philip H. S. Torr, Eli Shechtman. <i>Interactive Sketch &amp; Fill: Multiclass "
    "Sketch-to-Image Translation.</i> ICCV 2019, arXiv:1909.11081."
)
# Data sets a checkpoint's data_manifest_sha256 covers (models/training/provenance.py).
DATA_SETS = "objects-v1 + quickdraw-v1"

HOW_TO = """
<h3>How to draw</h3>
<ol>
<li>Pick what you draw in <b>Class</b> (side panel).</li>
<li>Draw with the left button or a pen. A gray <b>shadow</b> under your strokes proposes how
the outline could go on, and the image on the right colours it.</li>
<li>Step through the proposals with ← / →; <b>A</b> adds the shown one to your drawing,
<b>D</b> (Dice) asks for new ones.</li>
<li>Save the session (Ctrl+S) to come back to it; export the sketch, the image or an SVG from
the File menu.</li>
</ol>
<h3>Mouse and pen</h3>
<table cellspacing="0" cellpadding="3">
<tr><td>erase</td><td>right button, or the pen's eraser end</td></tr>
<tr><td>brush size</td><td>mouse wheel</td></tr>
<tr><td>zoom</td><td>Ctrl+wheel</td></tr>
<tr><td>pan</td><td>Space+drag, or the middle button</td></tr>
<tr><td>cycle completions</td><td>Alt+wheel</td></tr>
<tr><td>back to the drawing from a panel field</td><td>Return or Escape</td></tr>
</table>
"""


def action_label(action: QAction) -> str:
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…")


def shortcut_text(action: QAction) -> str:
    return ", ".join(s.toString(QKeySequence.NativeText) for s in action.shortcuts())


def shortcut_rows(menus: QMenuBar) -> list[tuple[str, list[tuple[str, str]]]]:
    """(menu title, [(command, its keys)]) for every menu's commands that have a key."""
    found = []
    for menu_action in menus.actions():
        menu = menu_action.menu()
        if menu is None:
            continue
        rows = [(action_label(a), shortcut_text(a)) for a in _leaves(menu.actions())
                if a.shortcuts()]
        if rows:
            found.append((action_label(menu_action), rows))
    return found


def _leaves(actions: Iterable[QAction]) -> list[QAction]:
    """Actions of a menu, those of its submenus included."""
    out: list[QAction] = []
    for action in actions:
        out += _leaves(action.menu().actions()) if action.menu() else [action]
    return out


def help_html(menus: QMenuBar) -> str:
    parts = [HOW_TO, "<h3>Keyboard</h3>"]
    for title, rows in shortcut_rows(menus):
        parts.append(f"<p><b>{html.escape(title)}</b></p><table cellspacing='0' cellpadding='3'>")
        parts += [f"<tr><td>{html.escape(label)}</td><td><b>{html.escape(keys)}</b></td></tr>"
                  for label, keys in rows]
        parts.append("</table>")
    return "".join(parts)


def fit_to_screen(widget: QWidget, wanted: QSize) -> None:
    """Resize to `wanted`, shrunk to the screen's free area (its buttons stay reachable)."""
    screen = widget.screen().availableGeometry()
    widget.resize(min(wanted.width(), screen.width() - 40),
                  min(wanted.height(), screen.height() - 80))
    widget.setMaximumSize(screen.size())


class HelpWindow(QDialog):
    """The how-to and every shortcut, beside the drawing (not modal)."""

    def __init__(self, menus: QMenuBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sketch & Fill Help")
        self._menus = menus
        self.browser = QTextBrowser()
        self.refresh()
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        fit_to_screen(self, QSize(560, 720))

    def refresh(self) -> None:
        """Read the menus again (a menu or a key added since it was built)."""
        self.browser.setHtml(help_html(self._menus))


def provenance_lines(provenance: dict) -> list[str]:
    """One short line per network: training steps, date and data, not the raw record."""
    return [f"<b>{html.escape(str(name))}</b>: {html.escape(_summary(record))}"
            for name, record in provenance.items() if isinstance(record, dict)]


def _summary(record: dict) -> str:
    facts = []
    if isinstance(record.get("steps"), int):
        facts.append(f"{record['steps']:,} training steps")
    if isinstance(record.get("date"), str):
        facts.append(f"trained {record['date'][:10]}")
    if isinstance(record.get("data_manifest_sha256"), str):
        facts.append(f"data {DATA_SETS} ({record['data_manifest_sha256'][:12]})")
    if not facts and isinstance(record.get("note"), str):
        facts.append(_first_sentence(record["note"]))
    return ", ".join(facts) or "no record of its training"


def _first_sentence(text: str, limit: int = 100) -> str:
    sentence = text.split(". ")[0].strip()
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"


def about_html(info: EngineInfo | None) -> str:
    """Name, version, the paper, where the models run and what they were trained on."""
    parts = [
        f"<h3>Sketch &amp; Fill {html.escape(__version__)}</h3>",
        "<p>Draw a partial sketch; a shape network proposes complete outlines (the gray shadow) "
        "and an appearance network colours the chosen one.</p>",
        f"<p>Based on: {PAPER}</p>",
    ]
    if info is None:
        parts.append("<p><b>Models:</b> not loaded.</p>")
        return "".join(parts)
    runtime = getattr(info, "runtime", "torch")
    parts.append(f"<p><b>Device:</b> {html.escape(info.device)} &nbsp; "
                 f"<b>Runtime:</b> {html.escape(str(runtime))} &nbsp; "
                 f"<b>Classes:</b> {len(info.classes)}</p>")
    lines = provenance_lines(info.provenance)
    if lines:
        parts.append("<p><b>Networks</b><br>" + "<br>".join(lines) + "</p>")
    return "".join(parts)


class AboutDialog(QDialog):
    def __init__(self, info: EngineInfo | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Sketch & Fill")
        self.label = QLabel(about_html(info))
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.RichText)
        self.label.setOpenExternalLinks(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(buttons)
        self.label.setMinimumWidth(420)
        self.adjustSize()
        fit_to_screen(self, self.sizeHint())

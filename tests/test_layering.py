"""Layers go one way, gui -> app -> models, checked by reading every module's imports with ast.

- models/ imports no Qt, no app, no gui;
- app/ imports no gui; Qt only as PyQt5.QtCore and only in the worker module(s) (app/worker*.py);
- no module outside gui/ imports QtGui, QtWidgets or any other Qt module but QtCore.
There is no exemption list: a module that needs a higher layer belongs in that layer.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
QT_BINDINGS = ("PyQt5", "PyQt6", "PySide2", "PySide6")


@dataclass(frozen=True)
class Import:
    module: str        # dotted name; `from X import a` gives "X.a", e.g. "PyQt5.QtCore.QObject"
    lineno: int
    top_level: bool    # False inside a function or class body


def unprefixed(module: str) -> str:
    """The product's own modules are imported through the one top-level name `sketchfill`:
    "sketchfill.app.engine" -> "app.engine"; any other module as it is."""
    return module.removeprefix("sketchfill.")


def imports_of(source: str) -> list[Import]:
    """Every absolute import in `source`; `from X import a, b` yields X.a and X.b (the
    product's own modules without their `sketchfill.` prefix)."""
    found: list[Import] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                    ast.ClassDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend(Import(unprefixed(a.name), child.lineno, top) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.extend(Import(unprefixed(f"{child.module}.{a.name}"), child.lineno, top)
                             for a in child.names)
            visit(child, nested)

    visit(ast.parse(source), True)
    return found


def is_under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def qt_module(module: str) -> str | None:
    """"PyQt5.QtCore.QThread" -> "QtCore"; "PyQt5" -> ""; non-Qt -> None."""
    parts = module.split(".")
    if parts[0] not in QT_BINDINGS:
        return None
    return parts[1] if len(parts) > 1 else ""


def violations(rel: str, source: str) -> list[str]:
    """Layering breaches of the file at repo-relative path `rel` (posix), as readable lines."""
    layer = rel.split("/")[0]
    bad: list[str] = []
    for imp in imports_of(source):
        where = f"{rel}:{imp.lineno} imports {imp.module}"
        qt = qt_module(imp.module)
        if layer == "models" and (qt is not None or is_under(imp.module, "gui")
                                  or is_under(imp.module, "app")):
            bad.append(f"{where}: models/ must not import Qt, app or gui")
        if layer == "app" and is_under(imp.module, "gui"):
            bad.append(f"{where}: app/ must not import gui")
        if layer == "app" and qt is not None and not Path(rel).name.startswith("worker"):
            bad.append(f"{where}: in app/ only the worker module(s) may use Qt")
        if layer != "gui" and qt not in (None, "QtCore"):
            bad.append(f"{where}: only gui/ may use Qt modules other than QtCore")
    return bad


def product_files() -> list[str]:
    files = [p for pkg in ("models", "app", "gui") for p in (REPO / pkg).rglob("*.py")]
    files += [p for p in (REPO / "main.py", REPO / "setup.py") if p.exists()]
    return sorted(p.relative_to(REPO).as_posix() for p in files)


def test_every_module_respects_the_layers() -> None:
    files = product_files()
    assert "app/engine.py" in files and "models/nets/shape.py" in files
    bad = [line for rel in files for line in violations(rel, (REPO / rel).read_text())]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("rel, source", [
    ("models/nets/shape.py", "from PyQt5.QtCore import QObject"),
    ("models/nets/layers.py", "import app.engine"),
    ("models/evaluation/evaluate.py", "from app.engine import Engine"),
    ("models/evaluation/evaluate.py", "def f():\n    from app.engine import Engine"),
    ("models/evaluation/evaluate.py", "from PyQt5.QtCore import QObject"),
    ("models/data/x.py", "def f():\n    from gui import canvas"),
    ("app/engine.py", "from gui.qimage import gray_to_qimage"),
    ("app/bench.py", "from gui import ui_bench"),
    ("app/bench.py", "def f():\n    from gui import ui_bench"),    # lazy is no way round it
    ("app/document.py", "from PyQt5.QtCore import QPointF"),       # not a worker module
    ("app/worker.py", "from PyQt5.QtGui import QImage"),
    ("app/worker.py", "from PyQt5 import QtWidgets"),
    ("app/worker.py", "import PyQt5"),
    ("main.py", "import PyQt5.QtWidgets"),
    ("models/nets/layers.py", "from sketchfill.app import engine"),
    ("app/engine.py", "import sketchfill.gui.qimage"),
])
def test_the_checker_catches_breaches(rel: str, source: str) -> None:
    assert violations(rel, source)


@pytest.mark.parametrize("rel, source", [
    ("app/worker.py", "from PyQt5.QtCore import QObject, QThread, pyqtSignal"),
    ("app/worker.py", "from PyQt5 import QtCore"),
    ("gui/canvas.py", "from PyQt5.QtWidgets import QWidget\nfrom app.engine import Engine"),
    ("main.py", "def f():\n    from gui.application import run_gui"),
    ("models/nets/shape.py", "import torch\nfrom models.nets.layers import PreActResBlock"),
    ("app/evaluate.py", "from app.engine import Engine\nfrom models.evaluation import report"),
])
def test_the_checker_allows_the_intended_imports(rel: str, source: str) -> None:
    assert violations(rel, source) == []

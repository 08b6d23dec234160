"""models/data must stay importable without Qt and do nothing at import time."""
from __future__ import annotations

import ast
from pathlib import Path

DATA_PKG = Path(__file__).resolve().parents[1] / "models" / "data"
FORBIDDEN = ("PyQt5", "PyQt6", "PySide2", "PySide6", "app", "gui")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name.removeprefix("sketchfill.").split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.removeprefix("sketchfill.").split(".")[0])
    return names


def test_no_qt_or_upper_layers():
    files = sorted(DATA_PKG.glob("*.py"))
    assert len(files) >= 8
    for f in files:
        bad = _imports(f) & set(FORBIDDEN)
        assert not bad, f"{f.name} imports {bad}"


def test_module_level_is_declarations_only():
    allowed = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Assign,
               ast.AnnAssign, ast.Expr, ast.If)
    for f in sorted(DATA_PKG.glob("*.py")):
        for node in ast.parse(f.read_text()).body:
            assert isinstance(node, allowed), f"{f.name}:{node.lineno}"
            if isinstance(node, ast.Expr):  # only docstrings
                assert isinstance(node.value, ast.Constant), f"{f.name}:{node.lineno}"
            if isinstance(node, ast.If):  # only the __main__ guard
                assert "__main__" in ast.unparse(node.test), f"{f.name}:{node.lineno}"

"""Sketch & Fill: the one importable top-level name of the program.

Installed, `sketchfill.app`, `sketchfill.gui`, `sketchfill.models`, `sketchfill.checkpoints` and
`sketchfill.resources` are folders of this package. In a clone those folders sit beside this one
at the repository's top, so the package's search path is extended to the repository root: the
same imports work from a clone without installing anything.
"""
from __future__ import annotations

from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
# Only a clone (its top holds app/engine.py beside this folder): an installed package must never
# reach into site-packages for a sibling that happens to share a name.
if (_ROOT / "app" / "engine.py").is_file() and not (Path(__file__).parent / "app").is_dir():
    __path__.append(str(_ROOT))  # noqa: F821 - a package's own __path__

"""The classes the user taught: add-on files in the per-user data folder, and their install.

Each taught class is one small file, `<data folder>/classes/<name>.class.pt`
(models.nets.class_addon); the shipped checkpoints are never written. The data folder is the
one the GUI uses for autosaves (Qt's AppDataLocation for the app's organisation and name),
found here without Qt so the command line shares it: `$XDG_DATA_HOME` (else ~/.local/share)
on Linux, Application Support on macOS, %APPDATA% on Windows.

At load the engine appends every usable add-on's rows to its networks, and keeps the output
layers of those that bring their own for their renders (install_taught); an
add-on that is unreadable, taught against other checkpoints or clashing with a class already
there is skipped with a message naming the file, and the engine starts without it.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from sketchfill.app.outline_bank import OutlineBank
from sketchfill.models.data.outline_bank import Bank

if TYPE_CHECKING:
    from sketchfill.app.engine import Engine
    from sketchfill.models.nets.class_addon import AddonError, ClassAddon

# The add-on files are read with torch (models.nets.class_addon), imported where they are read:
# the window and a start without taught classes never need it.

# The organisation and application names the GUI gives Qt (gui/preferences.py): together they
# name the data folder.
ORGANISATION, APPLICATION = "SketchFill", "Sketch & Fill"
CLASSES_FOLDER = "classes"
SUFFIX = ".class.pt"
MAX_NAME = 40
# Letters (any script), digits, spaces, '-' and '_', starting with a letter or digit: a name
# that is also a safe file name and a plain word in a session file or on a command line.
NAME_PATTERN = re.compile(r"[^\W_][\w\- ]*")


class TaughtClassError(ValueError):
    """A taught class cannot be named, saved or removed as asked; one line says why."""


@dataclass(frozen=True)
class TaughtClass:
    name: str
    display_name: str
    path: Path


def data_folder() -> Path:
    """The per-user data folder of the app (where the GUI also keeps its autosaves)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / ORGANISATION / APPLICATION


def classes_folder() -> Path:
    return data_folder() / CLASSES_FOLDER


def _key(name: str) -> str:
    """Names that differ only in case, '_' for ' ' or Unicode form are the same class."""
    return unicodedata.normalize("NFKC", name).casefold().replace("_", " ")


def check_name(name: str, taken: tuple[str, ...]) -> str:
    """The name (spaces trimmed) if a new class may take it; TaughtClassError otherwise.
    `taken`: the shipped classes' names."""
    name = unicodedata.normalize("NFC", name.strip())
    if not name:
        raise TaughtClassError("the class name is empty")
    if len(name) > MAX_NAME:
        raise TaughtClassError(f"the class name is longer than {MAX_NAME} characters")
    if not NAME_PATTERN.fullmatch(name):
        raise TaughtClassError(f"the class name {name!r} may hold only letters, digits, "
                               "spaces, '-' and '_' (no '/', '\\', '.' or other symbols), and "
                               "must start with a letter or digit")
    clash = [t for t in taken if _key(t) == _key(name)]
    if clash:
        raise TaughtClassError(f"{name!r} is the name of a shipped class ({clash[0]}); "
                               "choose another name")
    return name


def addon_path(name: str, folder: Path | None = None) -> Path:
    return (folder or classes_folder()) / f"{name}{SUFFIX}"


def any_taught(folder: Path | None = None) -> bool:
    """Whether the folder holds any add-on file (usable or not), without reading one."""
    folder = folder or classes_folder()
    return folder.is_dir() and any(folder.glob(f"*{SUFFIX}"))


def taught(folder: Path | None = None) -> list[TaughtClass | AddonError]:
    """Every add-on file in the folder, by file name: the class, or why it is unusable."""
    from sketchfill.models.nets.class_addon import AddonError, load_addon

    folder = folder or classes_folder()
    if not folder.is_dir():
        return []
    found: list[TaughtClass | AddonError] = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        try:
            addon = load_addon(path)
        except AddonError as err:
            found.append(err)
            continue
        found.append(TaughtClass(addon.name, addon.display_name, path))
    return found


def find(name: str, folder: Path | None = None) -> TaughtClass | None:
    """The taught class named `name` (same key: case, '_' and ' ' alike), if any."""
    return next((t for t in taught(folder)
                 if isinstance(t, TaughtClass) and _key(t.name) == _key(name)), None)


def save(addon: ClassAddon, folder: Path | None = None, replace: bool = False) -> Path:
    """Write the class's file atomically. TaughtClassError when a class of that name is taught
    and `replace` is False, or when the file cannot be written (nothing is left behind)."""
    from sketchfill.models.nets.class_addon import save_addon

    existing = find(addon.name, folder)
    if existing is not None and not replace:
        raise TaughtClassError(f"a class named {existing.name!r} is already taught; "
                               "teach it again with --replace, or forget it first")
    path = addon_path(addon.name, folder)
    try:
        save_addon(path, addon)
    except OSError as err:
        raise TaughtClassError(f"cannot save the class to {path}: "
                               f"{err.strerror or err}") from err
    if existing is not None and existing.path != path:
        existing.path.unlink(missing_ok=True)  # same class under another spelling
    return path


def forget(name: str, folder: Path | None = None) -> TaughtClass:
    """Remove a taught class's file; TaughtClassError when no such class is taught."""
    found = find(name, folder)
    if found is None:
        names = [t.name for t in taught(folder) if isinstance(t, TaughtClass)]
        listed = f"taught classes: {', '.join(names)}" if names else "no class is taught"
        raise TaughtClassError(f"no taught class named {name!r} ({listed})")
    try:
        found.path.unlink()
    except OSError as err:
        raise TaughtClassError(f"cannot remove {found.path}: {err.strerror or err}") from err
    return found


def checkpoint_hashes(files: Mapping[str, Path]) -> dict[str, str]:
    """sha256 of each network's checkpoint file ("shape", "appearance")."""
    from sketchfill.models.nets.class_addon import file_sha256

    return {kind: file_sha256(path) for kind, path in files.items()}


def install_taught(engine: "Engine", files: Mapping[str, Path],
                   folder: Path | None = None) -> list[str]:
    """Append every usable taught class to the engine (rows, names and class heads, in
    file-name order); one message per add-on skipped. `files`: the engine's checkpoint files
    by kind."""
    from sketchfill.models.nets.class_addon import AddonError, append_rows, class_head, row_tables

    found = taught(folder)
    if not found:
        return []
    hashes = checkpoint_hashes(files)
    tables = row_tables(engine.shape, engine.appearance)
    usable, skipped, names, heads = [], [], list(engine.classes), {}
    for item in found:
        try:
            addon = _usable(item, hashes, tables, names)
            head = class_head(addon, engine.appearance, item.path)
        except AddonError as err:
            skipped.append(f"taught class skipped: {err}")
            continue
        usable.append(addon)
        names.append(addon.name)
        if head is not None:
            heads[addon.name] = head.to(engine.device)
    append_rows(tables, usable)
    engine.classes = tuple(names)
    engine.class_heads.update({engine.look_label(n): h for n, h in heads.items()})
    outlines = {a.name: a.outlines for a in usable if a.outlines}
    if outlines:  # fitted where the shape network proposes nothing, as for shipped classes
        bank = engine.outline_bank or OutlineBank(Bank({}))
        engine.outline_bank = bank.with_classes(outlines)
    return skipped


def _usable(item: TaughtClass | AddonError, hashes: Mapping[str, str],
            tables: dict, names: list[str]) -> ClassAddon:
    from sketchfill.models.nets.class_addon import AddonError, check_fits, load_addon

    if isinstance(item, AddonError):
        raise item
    addon = load_addon(item.path)
    if addon.checkpoints != dict(hashes):
        raise AddonError(item.path, "it was taught on other networks than the ones loaded; "
                                    "teach it again")
    if any(_key(n) == _key(addon.name) for n in names):
        raise AddonError(item.path, f"a class named {addon.name!r} is already loaded")
    check_fits(addon, tables, item.path)
    return addon

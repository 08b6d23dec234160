"""The Linux launcher: a freedesktop `.desktop` entry and the icon in the user's data folder
($XDG_DATA_HOME, default ~/.local/share), so the app shows in the desktop's application menu.

    sketchfill --install-desktop     # writes applications/sketchfill.desktop and the icon
    sketchfill --uninstall-desktop   # removes both
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from sketchfill.app.bundled import resource
from sketchfill.models.files import write_bytes

APP_ID = "sketchfill"  # the entry's file name; also the window's desktop file name (Wayland)
# Qt names an X11 window's class after the application (gui/preferences.APPLICATION); the
# launcher matches the window to its entry by it.
WINDOW_CLASS = "Sketch & Fill"
ICON_SIZE = "256x256"  # resources/icon.png's size: its folder in the hicolor theme
# Characters that make the Exec key quote an argument (Desktop Entry Specification, "The Exec key").
EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


class DesktopEntryError(Exception):
    """The launcher cannot be installed here (not Linux) or cannot be written or removed."""


@dataclass(frozen=True)
class LauncherFiles:
    """Where the launcher's two files go for one data folder."""

    entry: Path  # <data>/applications/sketchfill.desktop
    icon: Path  # <data>/icons/hicolor/256x256/apps/sketchfill.png


def data_home() -> Path:
    """$XDG_DATA_HOME if set to an absolute path (the spec ignores relative ones), else
    ~/.local/share."""
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def launcher_files(data: Path | None = None) -> LauncherFiles:
    data = data_home() if data is None else data
    return LauncherFiles(entry=data / "applications" / f"{APP_ID}.desktop",
                         icon=data / "icons" / "hicolor" / ICON_SIZE / "apps" / f"{APP_ID}.png")


def launch_command() -> list[str]:
    """The command the launcher runs, absolute so that it works from any directory: in a clone,
    this Python running the clone's main.py; installed, the `sketchfill` script beside this
    Python (a venv's or pipx's bin/), else `python -m sketchfill`."""
    python = Path(sys.executable)  # not resolved: a venv's python is a link out of the venv
    root = Path(__file__).resolve().parents[1]  # a clone's top; installed, the package folder
    if (root / "main.py").is_file() and (root / "sketchfill" / "__init__.py").is_file():
        return [str(python), str(root / "main.py")]
    script = python.parent / APP_ID
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [str(python), "-m", APP_ID]


def exec_value(command: list[str]) -> str:
    """The Exec key's value: reserved arguments double-quoted with `"`, `` ` ``, `$` and `\\`
    escaped inside, `%` doubled (field codes), then backslashes escaped for the string type."""
    def quoted(arg: str) -> str:
        arg = arg.replace("%", "%%")
        if not set(arg) & EXEC_RESERVED:
            return arg
        return '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
    return " ".join(quoted(a) for a in command).replace("\\", "\\\\")


def entry_text(command: list[str], icon: Path) -> str:
    """The .desktop file for the app (Desktop Entry Specification 1.5)."""
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.5",
        "Name=Sketch & Fill",
        "GenericName=Sketching app",
        "Comment=Draw an object: its outline is completed and coloured as you sketch",
        f"Exec={exec_value(command)}",
        f"Icon={str(icon).replace(chr(92), chr(92) * 2)}",
        "Terminal=false",
        "Categories=Graphics;2DGraphics;",
        "Keywords=sketch;drawing;GAN;colour;",
        f"StartupWMClass={WINDOW_CLASS}",
        "",
    ])


def require_linux() -> None:
    if not sys.platform.startswith("linux"):
        raise DesktopEntryError(f"the desktop launcher is Linux-only (this is {sys.platform}); "
                                "start the app with the `sketchfill` command")


def install(data: Path | None = None) -> LauncherFiles:
    """Write the icon, then the entry that names it (a launcher never points at a missing icon).
    Running it again replaces both, e.g. after the program moved."""
    require_linux()
    files = launcher_files(data)
    try:
        for path in (files.icon, files.entry):
            path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(files.icon, resource("icon.png").read_bytes())
        write_bytes(files.entry, entry_text(launch_command(), files.icon).encode("utf-8"))
    except OSError as err:
        raise DesktopEntryError(f"cannot install the launcher: {err}") from err
    return files


def uninstall(data: Path | None = None) -> list[Path]:
    """Remove the entry and the icon; the files that were there (none: nothing to do)."""
    require_linux()
    files = launcher_files(data)
    removed = []
    try:
        for path in (files.entry, files.icon):
            if path.exists():
                path.unlink()
                removed.append(path)
    except OSError as err:
        raise DesktopEntryError(f"cannot remove the launcher: {err}") from err
    return removed

"""The files that ship inside the program: checkpoints, class list, samples, icon.

They are found through importlib.resources (packages `sketchfill.checkpoints` and
`sketchfill.resources`), so an installed program finds its own copies wherever it is installed
and whatever the working directory, and a clone finds the repository's folders.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

CHECKPOINTS = "sketchfill.checkpoints"
RESOURCES = "sketchfill.resources"


def package_dir(package: str) -> Path:
    """The folder of a data package on disk. torch.load and Qt want real file paths; a clone
    and every ordinary install (pip, pipx) keep packages as plain folders."""
    root = resources.files(package)
    if not isinstance(root, Path):
        raise FileNotFoundError(f"{package} is not a folder on disk ({root}); install "
                                "Sketch & Fill as plain files (pip or pipx), not zipped")
    return root


def checkpoints_dir() -> Path:
    """The shipped networks' folder (shape.pt, appearance.pt, manifest.json)."""
    return package_dir(CHECKPOINTS)


def resource(name: str) -> Path:
    """A shipped resource file by its name under resources/, e.g. "classes.json"."""
    return package_dir(RESOURCES) / name


def samples_dir() -> Path:
    """The sample sketches (NAME.png) and sessions (NAME.session.json)."""
    return resource("samples")

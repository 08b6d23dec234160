"""An artist's own pictures of a new class, read the way the training data was derived.

Each picture goes through `cache.derive` with the default outline config, the derivation
that made the shipped networks' training outlines (outlines.outline_skeleton): a new class
then learns from outlines that look like those the networks know, and the preview shows
exactly what teaching will use.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from PIL import Image, UnidentifiedImageError

from sketchfill.models.data import cache
from sketchfill.models.data.outlines import DEFAULT_OUTLINE

PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
MIN_PICTURES = 3  # fewer cannot tell the class from one picture's accidents
MIN_OUTLINE_PIXELS = 40  # a picture whose outline is shorter shows no object


class PictureError(ValueError):
    """The pictures cannot teach a class; the message says why in one line."""


@dataclass(frozen=True)
class Picture:
    name: str                      # the file's name (no folder: provenance stays portable)
    sha256: str                    # of the file's bytes
    derived: cache.DerivedImage    # colour on white, alpha, outline segments at 256 px


def picture_files(inputs: Sequence[str | Path]) -> list[Path]:
    """The picture files named by `inputs`: folders give their pictures (by suffix, sorted),
    files are taken as given. PictureError for a missing path or no picture at all."""
    found: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            found += sorted(p for p in item.iterdir()
                            if p.is_file() and p.suffix.lower() in PICTURE_SUFFIXES)
        elif item.is_file():
            found.append(item)
        else:
            raise PictureError(f"{item}: no such file or folder")
    if not found:
        raise PictureError(f"no pictures ({', '.join(PICTURE_SUFFIXES)}) in "
                           f"{', '.join(str(p) for p in inputs) or 'the selection'}")
    return found


def read_picture(path: Path) -> Picture:
    """One picture and its derived outline; PictureError when it is not a readable picture
    or shows no object (blank, or all one colour on white)."""
    try:
        with Image.open(path) as im:
            im.verify()
        derived = cache.derive(path, DEFAULT_OUTLINE)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as err:
        raise PictureError(f"{path.name}: not a readable picture ({err})") from err
    if int(derived.skeleton.sum()) < MIN_OUTLINE_PIXELS:
        raise PictureError(f"{path.name}: no object found (transparent or plain light "
                           "background expected)")
    return Picture(path.name, hashlib.sha256(path.read_bytes()).hexdigest(), derived)


def read_pictures(paths: Iterable[Path]) -> tuple[list[Picture], list[str]]:
    """The readable pictures and one message per file skipped."""
    pictures, skipped = [], []
    for path in paths:
        try:
            pictures.append(read_picture(path))
        except PictureError as err:
            skipped.append(str(err))
    return pictures, skipped


def enough(pictures: Sequence[Picture], skipped: Sequence[str]) -> None:
    """PictureError unless there are at least MIN_PICTURES readable pictures."""
    if len(pictures) >= MIN_PICTURES:
        return
    why = f" ({skipped[0]}{'; ...' if len(skipped) > 1 else ''})" if skipped else ""
    if not pictures:
        raise PictureError(f"no readable picture{why}")
    raise PictureError(f"{len(pictures)} readable picture{'s' * (len(pictures) > 1)}: "
                       f"teaching needs at least {MIN_PICTURES}{why}")

"""A small bank of each class's complete outlines, shipped beside the checkpoints.

    python -m models.data.outline_bank --out checkpoints

The app fits these outlines to the user's first strokes when the shape network's completions
add almost nothing (app/outline_bank.py), so that the shadow proposes a whole object. The
outlines come from the TRAINING split only (Quick, Draw! drawings; for the classes Quick Draw
lacks, the outlines derived from objects-v1 images), simplified into polylines in the unit
square and stored as 16-bit coordinates: under 200 kB for all the classes. The file's
provenance (command, data hash, date, commit, counts) goes into `<out>/manifest.json` under
"outline_bank".
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from sketchfill.models.data import cache, sources
from sketchfill.models.data import quickdraw as qd
from sketchfill.models.data.outlines import DEFAULT_OUTLINE
from sketchfill.models.files import write_bytes

BANK_FILE = "outline_bank.npz"
MANIFEST_KEY = "outline_bank"
FORMAT = "sketchfill-outline-bank"
VERSION = 1
_FULL = 65535  # a coordinate of 1.0 in the file's uint16


class OutlineBankError(ValueError):
    """A bank file that cannot be read; the message names the file and what is wrong."""


@dataclass(frozen=True)
class BankConfig:
    """How the bank is made from the training split."""

    per_class: int = 40  # at most this many outlines per class
    simplify: float = 0.002  # Douglas-Peucker tolerance, share of the unit square (0.5 px at 256)
    min_points: int = 2  # shorter polylines are dropped


DEFAULT_BANK = BankConfig()

Outline = tuple[np.ndarray, ...]  # polylines, each float32 (n,2) of (x, y) in the unit square


@dataclass(frozen=True)
class Bank:
    """Outlines of each class: `outlines[c]` lists the class's outlines, each a tuple of
    polylines (float32 (n,2), x and y in [0,1], y down)."""

    outlines: dict[str, tuple[Outline, ...]]

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self.outlines)


def simplified(line: np.ndarray, tolerance: float) -> np.ndarray:
    """float (n,2) polyline -> its Douglas-Peucker simplification (float32)."""
    pts = line.astype(np.float32).reshape(-1, 1, 2)
    return cv2.approxPolyDP(pts, tolerance, False).reshape(-1, 2)


def drawing_outline(drawing: qd.Drawing, cfg: BankConfig) -> Outline:
    """A Quick, Draw! drawing's strokes (already in the unit square), simplified."""
    lines = (simplified(s, cfg.simplify) for s in drawing.strokes)
    return tuple(s for s in lines if len(s) >= cfg.min_points)


def skeleton_outline(skel: np.ndarray, cfg: BankConfig) -> Outline:
    """bool (H,W) 1-px skeleton -> polylines in the unit square. Each traced contour runs
    along a line and back (drawn, it covers the line once)."""
    contours, _ = cv2.findContours(skel.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    h, w = skel.shape
    scale = np.array([1.0 / w, 1.0 / h], np.float32)
    lines = ((c.reshape(-1, 2).astype(np.float32) + 0.5) * scale for c in contours)
    lines = (simplified(s, cfg.simplify) for s in lines)
    return tuple(s for s in lines if len(s) >= cfg.min_points)


def class_outlines(root: Path, class_name: str, records: Sequence[sources.ImageRecord],
                   cfg: BankConfig) -> tuple[Outline, ...]:
    """Up to cfg.per_class training outlines of one class: its Quick, Draw! drawings, drawn
    as users draw; only a class Quick Draw lacks takes the outlines derived from its object
    images, whose textures (seeds, crumbs) would fit any stroke."""
    found = [drawing_outline(d, cfg) for d in qd.load_class(root, class_name, "train")]
    if not found:
        found = [skeleton_outline(cache.load_derived(r.image_path, DEFAULT_OUTLINE).skeleton, cfg)
                 for r in records if r.class_name == class_name]
    return tuple(o for o in found[:cfg.per_class] if o)


def build(root: Path, classes: Sequence[str], cfg: BankConfig = DEFAULT_BANK) -> Bank:
    """The bank of `classes` from the training split under the data root."""
    records = sources.split_records(sources.discover(root), "train")
    return Bank({c: class_outlines(root, c, records, cfg) for c in classes})


@dataclass(frozen=True)
class PackedOutlines:
    """Outlines as three arrays: every point (uint16, 1.0 = _FULL), where each polyline ends
    and where each outline ends (cumulative counts, int64)."""

    points: np.ndarray
    line_ends: np.ndarray
    outline_ends: np.ndarray


def pack(outlines: Sequence[Outline]) -> PackedOutlines:
    lines = [line for outline in outlines for line in outline]
    points = [np.round(np.clip(line, 0.0, 1.0) * _FULL) for line in lines]
    return PackedOutlines(np.concatenate(points or [np.zeros((0, 2))]).astype(np.uint16),
                          np.cumsum([len(p) for p in points], dtype=np.int64),
                          np.cumsum([len(o) for o in outlines], dtype=np.int64))


def unpack(packed: PackedOutlines) -> tuple[Outline, ...]:
    """pack() undone; ValueError for arrays that do not describe outlines."""
    xy = np.asarray(packed.points).astype(np.float32) / _FULL
    line_ends, outline_ends = np.asarray(packed.line_ends), np.asarray(packed.outline_ends)
    if xy.ndim != 2 or xy.shape[1] != 2 or _bad_ends(line_ends, len(xy)) \
            or _bad_ends(outline_ends, len(line_ends)):
        raise ValueError("inconsistent outline arrays")
    lines = np.split(xy, line_ends[:-1]) if len(line_ends) else []
    starts = np.r_[0, outline_ends[:-1]].astype(np.int64)
    return tuple(tuple(lines[a:b]) for a, b in zip(starts, outline_ends))


def _bad_ends(ends: np.ndarray, total: int) -> bool:
    """Cumulative ends that do not rise strictly and finish at `total`."""
    if not len(ends):
        return total != 0
    return ends.ndim != 1 or ends[-1] != total or (np.diff(np.r_[0, ends]) <= 0).any()


def to_bytes(bank: Bank) -> bytes:
    """The bank as one .npz: pack() of every class's outlines, and the class of each."""
    every = [o for c in bank.classes for o in bank.outlines[c]]
    owner = [k for k, c in enumerate(bank.classes) for _ in bank.outlines[c]]
    packed = pack(every)
    buf = io.BytesIO()
    np.savez_compressed(
        buf, format=np.array(FORMAT), version=np.array(VERSION),
        classes=np.array(bank.classes), points=packed.points, line_ends=packed.line_ends,
        outline_ends=packed.outline_ends, outline_class=np.array(owner, np.int64))
    return buf.getvalue()


def read(path: Path) -> Bank:
    """A bank written by to_bytes(); OutlineBankError names the file for anything wrong."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["format"]) != FORMAT or int(z["version"]) != VERSION:
                raise OutlineBankError(f"{path}: not a version {VERSION} outline bank")
            return _unpack(z["classes"], z["points"], z["line_ends"], z["outline_ends"],
                           z["outline_class"])
    except (OSError, KeyError, ValueError, IndexError) as err:
        if isinstance(err, OutlineBankError):
            raise
        raise OutlineBankError(f"{path}: unreadable outline bank ({err})") from err


def _unpack(classes, points, line_ends, outline_ends, owner) -> Bank:
    found: dict[str, list[Outline]] = {str(c): [] for c in classes}
    for k, outline in zip(owner, unpack(PackedOutlines(points, line_ends, outline_ends))):
        found[str(classes[k])].append(outline)
    return Bank({c: tuple(v) for c, v in found.items()})


def provenance(root: Path, out: Path, bank: Bank, command: list[str]) -> dict:
    """The manifest entry of a written bank: how it was made and from what."""
    from sketchfill.models.training.provenance import (data_manifest_sha256, git_commit,
                                                       sha256_file)
    return {"file": BANK_FILE, "sha256": sha256_file(out / BANK_FILE), "command": command,
            "data": "training split only: quickdraw-v1 (every drawing but each 5th); for "
                    "classes Quick Draw lacks, objects-v1 outlines (every style but the "
                    "held-out one)",
            "data_manifest_sha256": data_manifest_sha256(root),
            "outlines": {c: len(v) for c, v in bank.outlines.items()},
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "git_commit": git_commit()}


def write(out: Path, root: Path, bank: Bank, command: list[str]) -> dict:
    """Write `<out>/outline_bank.npz` and its entry in `<out>/manifest.json` (other entries
    kept); returns the entry."""
    from sketchfill.models.training.release import write_json_atomic
    out.mkdir(parents=True, exist_ok=True)
    write_bytes(out / BANK_FILE, to_bytes(bank))
    entry = provenance(root, out, bank, command)
    path = out / "manifest.json"
    manifest = json.loads(path.read_text()) if path.is_file() else {}
    manifest[MANIFEST_KEY] = entry
    write_json_atomic(path, manifest)  # the layout release.py gives it
    return entry


def main(argv: Sequence[str] | None = None) -> int:
    from sketchfill.models.training.provenance import command_line
    p = argparse.ArgumentParser(prog="python -m models.data.outline_bank", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=None,
                   help="data root (default: $SKETCHFILL_DATA, else ../shared/datasets)")
    p.add_argument("--out", type=Path, default=Path("checkpoints"),
                   help="folder of the bank and its manifest.json (default checkpoints)")
    p.add_argument("--per-class", type=int, default=DEFAULT_BANK.per_class,
                   help=f"outlines per class (default {DEFAULT_BANK.per_class})")
    args = p.parse_args(argv)
    if args.per_class < 1:
        p.error("--per-class must be at least 1")
    root = args.data if args.data is not None else sources.default_data_root()
    try:
        classes = sources.classes_of(sources.discover(root))
        bank = build(root, classes, BankConfig(per_class=args.per_class))
        entry = write(args.out, root, bank, command_line("models.data.outline_bank", argv))
    except (sources.DataSourceError, OSError, ValueError) as err:
        print(f"outline_bank: {err}", file=sys.stderr)
        return 1
    print(f"wrote {args.out / BANK_FILE}: {sum(entry['outlines'].values())} outlines of "
          f"{len(entry['outlines'])} classes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

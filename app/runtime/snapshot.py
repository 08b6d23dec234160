"""What the engine needs to run without torch, kept in the user's data folder.

Importing torch takes a second or more of every start, and once ONNX Runtime or OpenVINO runs
both networks (the stored choice, choice.py) torch is only needed to read the checkpoints and
to export them. So a start that has done both leaves a snapshot: the networks' facts the
engine uses (sizes, noise, output kind), their class tables as arrays, the runtime chosen for
each and the names of the exported graphs (the gates' too: exportable.GatesCore). The next
start with the same checkpoints, the same installed packages and the same CPU settings loads
the snapshot and never imports torch (Engine.load).

A snapshot is found by a fingerprint made without torch: the checkpoint files (path, size,
modification time), the installed versions of torch and the runtimes, the CPU (model, flags)
and the settings that cap it, the core count, the choice's rule, the program's version and this
format's number.
Anything else (another folder, device or runtime asked for, taught classes) loads with torch.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from sketchfill.app.runtime.calls import ENV as RUNTIME_ENV
from sketchfill.app.runtime.calls import RULE
from sketchfill.app.runtime.cores import physical_cores
from sketchfill.models.files import atomic_write
from sketchfill.models.nets.cpu_tuning import cpu_flags, cpu_model
from sketchfill.version import __version__

log = logging.getLogger(__name__)

FORMAT = 2  # 2: the shape graph takes the sketch's views (calls.py)
FILE = "snapshot.json"           # in the runtime folder, beside choice.json
KEEP = 4                         # snapshots kept (checkpoint folders, CPU caps), newest last
TABLES = "snapshot-tables"       # + a hash of the fingerprint + ".npz": the class tables
CAPS = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", RUNTIME_ENV, "OMP_NUM_THREADS")
PACKAGES = ("torch", "onnx", "onnxruntime", "openvino", "numpy")


@dataclass(frozen=True)
class NetFacts:
    """The networks' settings the engine itself reads."""

    shape_size: int          # the shape network's square input and output side
    shape_nz: int
    soft_output: bool        # the shape network draws soft ridges to thin (else an outline)
    agnostic: bool           # it has a "no listed class" row after the classes' own
    look_size: int           # the appearance network's side
    look_in_channels: int
    look_nz: int
    noise_sides: tuple[int, ...] = ()  # its pixel noise maps' sides, in block order


@dataclass(frozen=True)
class Snapshot:
    fingerprint: str
    shape: str               # runtime of each network (external.ONNXRUNTIME / OPENVINO)
    look: str
    files: dict[str, str]    # "shape", "look", "gates" -> exported graph's name in exports/
    facts: NetFacts
    classes: tuple[str, ...]
    provenance: dict
    gate_shapes: tuple[tuple[int, ...], ...]

    @property
    def tables_file(self) -> str:
        """The name of its class tables' file (written before the snapshot that names it)."""
        return _tables_name(self.fingerprint)


def _tables_name(fingerprint: str) -> str:
    return f"{TABLES}-{hashlib.sha256(fingerprint.encode()).hexdigest()[:12]}.npz"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return ""


def _stat(path: Path) -> list:
    st = path.stat()
    return [str(path.resolve()), st.st_size, st.st_mtime_ns]


def fingerprint(files: list[Path]) -> str:
    """Everything a snapshot of the checkpoint `files` depends on, as one string; OSError
    when a file cannot be read."""
    return json.dumps({
        "format": FORMAT, "program": __version__, "files": [_stat(f) for f in files],
        "packages": {p: _version(p) for p in PACKAGES}, "python": sys.version.split()[0],
        "cpu": cpu_model(), "flags": sorted(cpu_flags()), "cores": physical_cores(),
        "env": {k: os.environ.get(k, "") for k in CAPS}, "rule": RULE}, sort_keys=True)


def _entries(folder: Path) -> dict:
    """The stored snapshots by fingerprint ({} if none or unreadable as such)."""
    try:
        entries = json.loads((folder / FILE).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(entries, dict):
        return {}
    return {key: entry for key, entry in entries.items()
            if isinstance(entry, dict) and entry.get("fingerprint") == key}


def read(folder: Path, wanted: str) -> tuple[Snapshot, dict[str, np.ndarray]] | None:
    """The snapshot in `folder` of fingerprint `wanted` and its tables, if there is one and
    its graphs exist; else None (load with torch)."""
    try:
        entry = _entries(folder).get(wanted)
        if entry is None:
            return None
        snap = _snapshot(entry)
        if not all((folder / "exports" / name).is_file() for name in snap.files.values()):
            return None
        with np.load(folder / snap.tables_file) as stored:
            tables = {name: stored[name] for name in stored.files}
    except (OSError, ValueError, TypeError, KeyError) as err:
        if not isinstance(err, FileNotFoundError):
            log.info("runtime snapshot unusable (%s); loading with torch", err)
        return None
    return snap, tables


def _snapshot(entry: dict) -> Snapshot:
    """A Snapshot from its JSON form (lists back to tuples); TypeError or KeyError when the
    entry is not one."""
    facts = {**entry["facts"], "noise_sides": tuple(entry["facts"]["noise_sides"])}
    return Snapshot(**{**entry, "facts": NetFacts(**facts), "classes": tuple(entry["classes"]),
                       "gate_shapes": tuple(tuple(s) for s in entry["gate_shapes"])})


def write(folder: Path, snap: Snapshot, tables: dict[str, np.ndarray]) -> None:
    """Keep `snap` and its tables beside the newest others (KEEP in all), atomically; a
    failure is logged, never raised: the next start then loads with torch again."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_write(folder / snap.tables_file) as f:
            np.savez(f, **tables)
        entries = _entries(folder)
        entries.pop(snap.fingerprint, None)
        entries[snap.fingerprint] = asdict(snap)
        entries = dict(list(entries.items())[-KEEP:])
        with atomic_write(folder / FILE) as f:
            f.write(json.dumps(entries, indent=1).encode())
        kept = {_tables_name(key) for key in entries}
        for old in folder.glob(f"{TABLES}-*.npz"):
            if old.name not in kept:
                old.unlink(missing_ok=True)
    except OSError as err:
        log.warning("could not keep the runtime snapshot in %s: %s", folder, err)

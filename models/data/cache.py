"""Derived per-image data (outline skeleton, stroke segments, colour on white) cached on disk.

Outline extraction costs ~30 ms per image; training items must cost a few ms, so each image
is derived once and stored as ``<cache>/derived/<key>.npz``. The key hashes the source file's
bytes, the outline config and ``FORMAT_VERSION``, so edited images or parameters never hit a
stale entry. The cache lives outside the repository and is safe to delete at any time.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from sketchfill.models.data import outlines
from sketchfill.models.nets import skeleton as sk
from sketchfill.models.data.outlines import OutlineConfig
from sketchfill.models.files import atomic_write

# Bump when what is stored, or how it is derived, changes in a way the config does not show.
FORMAT_VERSION = 1
CACHE_ENV = "SKETCHFILL_CACHE"


@dataclass(frozen=True)
class DerivedImage:
    """Everything the datasets need from one colour image, at the outline working size."""

    rgb: np.ndarray  # uint8 (H,W,3) colour composited on white
    alpha: np.ndarray  # uint8 (H,W) object coverage, 255 = object
    segments: np.ndarray  # int32 (H,W) outline skeleton split into strokes: 0 none, 1..n

    @property
    def skeleton(self) -> np.ndarray:
        """bool (H,W) 1-px outline."""
        return self.segments > 0


def cache_dir() -> Path:
    """``$SKETCHFILL_CACHE`` if set, else ``~/.cache/sketchfill``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "sketchfill"


def derived_key(image_path: Path | str, cfg: OutlineConfig) -> str:
    """Hex digest naming the cache entry of this file under this config."""
    h = hashlib.sha256(Path(image_path).read_bytes())
    h.update(repr(sorted(asdict(cfg).items())).encode())
    h.update(f"v{FORMAT_VERSION}".encode())
    return h.hexdigest()[:32]


def derive(image_path: Path | str, cfg: OutlineConfig) -> DerivedImage:
    """Compute (without the cache) the derived data of one image."""
    rgba = outlines.load_rgba(image_path, cfg.size, cfg.white_threshold)
    skel = outlines.outline_skeleton(rgba, cfg)
    return DerivedImage(outlines.composite_on_white(rgba), rgba[..., 3].copy(), sk.segments(skel))


def load_derived(image_path: Path | str, cfg: OutlineConfig,
                 directory: Path | None = None) -> DerivedImage:
    """The derived data of ``image_path``, from the cache or computed and stored."""
    path = (directory or cache_dir()) / "derived" / f"{derived_key(image_path, cfg)}.npz"
    if path.is_file():
        try:
            with np.load(path) as z:
                return DerivedImage(z["rgb"], z["alpha"], z["segments"].astype(np.int32))
        except (OSError, ValueError, KeyError):
            pass  # a truncated or foreign file: derive again and overwrite it below
    item = derive(image_path, cfg)
    _save(path, item)
    return item


def _save(path: Path, item: DerivedImage) -> None:
    # Write to a temporary file and rename, so a crash or a parallel worker never leaves a
    # half-written entry under the final name.
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as f:
        np.savez_compressed(f, rgb=item.rgb, alpha=item.alpha,
                            segments=item.segments.astype(np.uint16 if item.segments.max()
                                                          < 65536 else np.int32))

"""The class's own outlines fitted to the user's strokes: a shadow where the network adds nothing.

After a few first strokes the shape network sometimes only redraws them (a watermelon's rind,
a strawberry's body): its K completions add almost nothing and the shadow, the guidance at the
moment it matters most, is nearly empty. The shipped bank (models/data/outline_bank.py: a few
dozen training outlines per class) is then fitted to the strokes: every outline, mirrored or
not, at a few sizes and every shift, scored by the chamfer distance of the user's ink to it
plus its own ink running beside (not on) the user's strokes. The best distinct fits replace
the emptiest completions until most of the K propose an object, drawn like the network's
proposed lines (app/ridges.py); where the network proposes anything, nothing changes.

bank = OutlineBank.load(directory, manifest)      # None without a bank in the manifest
bank.fill("watermelon", lines, user, keep=())     # in Engine.complete, on the lines dict
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection

import cv2
import numpy as np
from numpy import fft  # SciPy's is no faster here, and importing SciPy slows the start

from sketchfill.app.ridges import IDLE_SHARE, UserInk, proposed_lines
from sketchfill.models.data import outline_bank as store
from sketchfill.models.files import CheckpointError


@dataclass(frozen=True)
class FitConfig:
    """How bank outlines are fitted to the strokes and when they replace completions."""

    work: int = 64  # side of the fitting raster (the canvas squeezed to work x work)
    scales: tuple[float, ...] = (0.6, 0.75, 0.9, 1.05)  # outline size / the bank's own
    shift: float = 0.25  # largest shift tried, share of the side (every whole work px)
    reach: float = 0.1  # distances count up to this share of the side (an unmatched stroke)
    band: float = 0.06  # outline ink this close to a user stroke but off it runs beside it ...
    band_weight: float = 1.0  # ... and costs this much per px relative to the chamfer term
    fill_share: float = 0.2  # a completion adding less than this share of what the best fit
                             # adds (its estimate of the missing outline) adds little ...
    idle_share: float = IDLE_SHARE  # ... if also under this share of the user's own lines


DEFAULT_FIT = FitConfig()
KEPT_CLASSES = 2  # classes whose placements stay in memory


@dataclass(frozen=True)
class Fit:
    """One placed bank outline: x -> centre + scale * (mirrored x - centre) + shift."""

    index: int  # the outline's index in its class
    mirror: bool  # flipped left to right about the centre
    scale: float
    shift: tuple[float, float]  # (dx, dy), share of the side
    cost: float


@dataclass
class _ClassRasters:
    """Every (outline, mirror, scale) of one class drawn at the fitting size: its 1-px ink and
    that ink's truncated distance map, made once per class and kept."""

    keys: list[tuple[int, bool, float]]  # (outline index, mirror, scale) of each placement
    dist_f: np.ndarray  # complex (N, M, M//2+1): conj. spectrum of the distance to its ink
    ink_f: np.ndarray  # complex (N, M, M//2+1): conj. spectrum of its ink / its ink px
    pad: int  # px of the fitting raster before it on each axis (the largest shift); M is at
              # least work + 2 pad


@dataclass
class OutlineBank:
    """A loaded bank and the rasters of the classes fitted so far."""

    bank: store.Bank
    cfg: FitConfig = DEFAULT_FIT
    _rasters: dict[str, _ClassRasters] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path, manifest: dict, cfg: FitConfig = DEFAULT_FIT
             ) -> "OutlineBank | None":
        """The bank a checkpoint manifest names (None when it names none); CheckpointError
        names the file when it is missing or unreadable."""
        entry = manifest.get(store.MANIFEST_KEY)
        if not isinstance(entry, dict) or "file" not in entry:
            return None
        path = Path(directory) / entry["file"]
        try:
            return cls(store.read(path), cfg)
        except store.OutlineBankError as err:
            raise CheckpointError(path, str(err)) from err

    @property
    def classes(self) -> tuple[str, ...]:
        return self.bank.classes

    def with_classes(self, extra: dict[str, tuple[store.Outline, ...]]) -> "OutlineBank":
        """This bank and the outlines of more classes (taught ones)."""
        return OutlineBank(store.Bank({**self.bank.outlines, **extra}), self.cfg)

    def fits(self, class_name: str, user_ink: np.ndarray, n: int) -> list[Fit]:
        """The n best distinct outlines of the class (at most one placement each) for the
        bool (S,S) user ink, best first; [] for a class the bank lacks or no ink."""
        if not self.bank.outlines.get(class_name) or not user_ink.any():
            return []
        rasters = self._class_rasters(class_name)
        user = _max_pool(user_ink, self.cfg.work)
        costs, shifts = self._costs(rasters, user)
        best: dict[int, Fit] = {}
        for k in np.argsort(costs, kind="stable"):
            index, mirror, scale = rasters.keys[k]
            if index not in best:
                dy, dx = shifts[k]
                best[index] = Fit(index, mirror, scale, (dx / self.cfg.work, dy / self.cfg.work),
                                  float(costs[k]))
            if len(best) == n:
                break
        return list(best.values())

    def lines(self, class_name: str, fit: Fit, size: int) -> np.ndarray:
        """bool (size,size) 1-px lines of a fitted outline."""
        canvas = np.zeros((size, size), np.uint8)
        for line in placed(self.bank.outlines[class_name][fit.index], fit):
            pts = np.round(line * size - 0.5).astype(np.int32).reshape(-1, 1, 2)
            cv2.polylines(canvas, [pts], False, 1, 1, cv2.LINE_8)
        return canvas > 0

    def fill(self, class_name: str, lines: dict[int, np.ndarray], user: UserInk,
             keep: Collection[int] = ()) -> list[int]:
        """Where the typical (median) completion adds little, replace in place the emptiest
        completions (never those in `keep`) by distinct fitted outlines' lines (proposed_lines:
        without what lies on the user's strokes), until a majority of the K add more; returns
        the replaced indices.

        `lines`: index -> bool (S,S) network_lines of each completion; `user`: user_ink() at
        that size. Little: under fill_share of what the best fit adds, and (almost) nothing by
        the engine's own measure (ridges.adds_little): a completion that adds a short piece may
        be what the partial lacks (a square erased from a drawing)."""
        if user.dist is None or not lines or class_name not in self.bank.outlines:
            return []
        size = next(iter(lines.values())).shape[0]
        added = {i: int(v.sum()) for i, v in lines.items()}
        typical = float(np.median(list(added.values())))
        nothing = self.cfg.idle_share * user.length  # adds_little()'s bound
        if typical >= nothing:
            return []  # no fit needed: the typical completion proposes something
        fits = self.fits(class_name, user.dist == 0, len(lines))
        if not fits:
            return []
        best = proposed_lines(self.lines(class_name, fits[0], size), user)
        # The best fit's estimate of what is missing, or adds_little()'s bound if lower.
        enough = min(self.cfg.fill_share * best.sum(), nothing)
        if typical >= enough:
            return []
        little = sorted((i for i in lines if added[i] < enough), key=lambda i: added[i])
        # Just enough for the typical completion to propose an object (a majority of the K):
        # the network's other completions stay, the user's own choice among them too.
        wanted = len(lines) // 2 + 1 - (len(lines) - len(little))
        todo = [i for i in little if i not in keep][:wanted]
        candidates = (best if k == 0 else proposed_lines(self.lines(class_name, f, size), user)
                      for k, f in enumerate(fits))
        replaced = []
        for i, candidate in zip(todo, (c for c in candidates if c.any())):
            lines[i] = candidate
            replaced.append(i)
        return replaced

    def _class_rasters(self, class_name: str) -> _ClassRasters:
        """The class's placements, kept for the KEPT_CLASSES classes fitted last (about 10 MB
        each): a drawing is of one class at a time."""
        found = self._rasters.pop(class_name, None)
        if found is None:
            found = class_rasters(self.bank.outlines[class_name], self.cfg)
        self._rasters[class_name] = found  # the newest last
        while len(self._rasters) > KEPT_CLASSES:
            del self._rasters[next(iter(self._rasters))]
        return found

    def _costs(self, rasters: _ClassRasters, user: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
        """float (N,) each placement's cost at its best shift, and int (N,2) that (dy, dx) in
        fitting px. Every shift of every placement at once, as correlations in the Fourier
        domain on a grid padded so that no shift wraps around."""
        cfg, r, pad = self.cfg, self.cfg.work, rasters.pad
        m = rasters.dist_f.shape[1]
        reach = cfg.reach * r
        to_user = cv2.distanceTransform((~user).astype(np.uint8), cv2.DIST_L2, 3)
        beside = np.full((m, m), reach, np.float32)  # outline ink off the canvas: worst
        beside[pad:pad + r, pad:pad + r] = np.where(to_user <= cfg.band * r,
                                                    np.minimum(to_user, reach), 0.0)
        ink = np.zeros((m, m), np.float32)
        ink[pad:pad + r, pad:pad + r] = user / float(user.sum())
        # sum_u U(u) D(u - t) + w * sum_o O(o) B(o + t): both are correlations with the
        # placement's maps, whose conjugate spectra are kept per class.
        spectrum = rasters.dist_f * fft.rfft2(ink) + cfg.band_weight * rasters.ink_f * \
            fft.rfft2(beside)
        total = fft.irfft2(spectrum, s=(m, m))  # (N, m, m), index t mod m
        span = np.r_[m - pad:m, 0:pad + 1]  # t = -pad .. pad
        total = total[:, span][:, :, span].reshape(len(total), -1)
        best = np.argmin(total, axis=1)
        shifts = np.stack(np.divmod(best, 2 * pad + 1), axis=1) - pad
        return total[np.arange(len(total)), best], shifts


def placed(outline: store.Outline, fit: Fit) -> list[np.ndarray]:
    """The outline's polylines (unit square) moved by a fit."""
    out = []
    for line in outline:
        p = line.astype(np.float32).copy()
        if fit.mirror:
            p[:, 0] = 1.0 - p[:, 0]
        out.append(0.5 + fit.scale * (p - 0.5) + np.array(fit.shift, np.float32))
    return out


def class_rasters(outlines: tuple[store.Outline, ...], cfg: FitConfig) -> _ClassRasters:
    """Every outline of a class, plain and mirrored, at each scale, drawn at the fitting size,
    with the conjugate spectra of its truncated distance map and of its ink (per ink px)."""
    keys, inks = [], []
    bank = OutlineBank(store.Bank({"_": outlines}), cfg)
    for index in range(len(outlines)):
        for mirror in (False, True):
            for scale in cfg.scales:
                keys.append((index, mirror, scale))
                inks.append(bank.lines("_", Fit(index, mirror, scale, (0.0, 0.0), 0.0),
                                       cfg.work))
    r, pad = cfg.work, round(cfg.shift * cfg.work)
    m = fast_length(r + 2 * pad)  # room for every shift without wrapping
    reach = cfg.reach * r
    dist = np.full((len(inks), m, m), reach, np.float32)
    ink = np.zeros_like(dist)
    for k, lines in enumerate(inks):
        d = cv2.distanceTransform((~lines).astype(np.uint8), cv2.DIST_L2, 3)
        dist[k, pad:pad + r, pad:pad + r] = np.minimum(d, reach)
        ink[k, pad:pad + r, pad:pad + r] = lines / max(float(lines.sum()), 1.0)
    return _ClassRasters(keys, np.conj(fft.rfft2(dist)), np.conj(fft.rfft2(ink)), pad)


def fast_length(n: int) -> int:
    """The smallest length >= n with no prime factor above 5: the FFT's fast sizes."""
    while True:
        k = n
        for p in (2, 3, 5):
            while k % p == 0:
                k //= p
        if k == 1:
            return n
        n += 1


def _max_pool(mask: np.ndarray, side: int) -> np.ndarray:
    """bool (S,S) -> bool (side,side): a cell is ink when any of its pixels is."""
    s = mask.shape[0]
    if s % side == 0:
        k = s // side
        return mask.reshape(side, k, side, k).any(axis=(1, 3))
    return cv2.resize(mask.astype(np.uint8), (side, side), interpolation=cv2.INTER_AREA) > 0

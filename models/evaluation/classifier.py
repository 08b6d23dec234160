"""Class judges for the appearance evaluation: "does this image look like class c?".

Three judges, all trained only on the train split's real colour images (composited on white):

* ``cnn``: a small CNN on 64 px images with geometric and mild colour augmentation. It may use
  the silhouette as well as colour and texture.
* ``cnn-shapeswap``: the same CNN, but half its training views paint one image's colours into
  another image's silhouette (real_images.swap_shape), so the silhouette stops predicting the
  class and it has to judge by colour and texture: the property class gating should change.
* ``colour``: logistic regression on a hue/saturation/value histogram of the non-white pixels.
  Shape-blind by construction, and blind to texture and layout too.

Each is cached as a self-describing checkpoint under ``<cache>/judges/``, keyed by its config,
class list and the bytes of every training image, so it trains once (about a minute on one
CPU thread) and never goes stale.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from sketchfill.models.data import cache
from sketchfill.models.data.real_images import RealImage, augmented, page_mask, swap_shape
from sketchfill.models.files import atomic_write

FORMAT = "sketchfill-judge"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class JudgeConfig:
    """One class judge."""

    kind: str = "cnn"  # "cnn" (a small convnet) or "colour" (histogram + logistic regression)
    size: int = 64  # input side in px; images are area-resized to it
    widths: tuple[int, ...] = (16, 32, 64, 96)  # cnn: channels per stride-2 stage
    shape_swap: float = 0.0  # cnn: share of training views with another image's silhouette
    steps: int = 1200  # optimiser steps
    batch: int = 32  # images per step
    lr: float = 2e-3  # Adam learning rate
    weight_decay: float = 1e-4  # AdamW decay
    hue_bins: int = 18  # colour: hue bins for chromatic pixels (x 2 saturation levels)
    value_bins: int = 4  # colour: value bins for achromatic pixels
    seed: int = 0


CNN_JUDGE = JudgeConfig()
SHAPESWAP_JUDGE = JudgeConfig(shape_swap=0.5)
COLOUR_JUDGE = JudgeConfig(kind="colour", steps=400, batch=64, lr=5e-2, weight_decay=1e-3)
JUDGES: dict[str, JudgeConfig] = {"cnn": CNN_JUDGE, "cnn-shapeswap": SHAPESWAP_JUDGE,
                                  "colour": COLOUR_JUDGE}


class JudgeNet(nn.Module):
    """net(images [B,3,S,S] in [-1,1]) -> logits [B, n_classes]."""

    def __init__(self, cfg: JudgeConfig, n_classes: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 3
        for c in cfg.widths:  # each stage halves the side: 64 -> 4 with four stages
            layers += [nn.Conv2d(c_in, c, 3, padding=1, bias=False), nn.BatchNorm2d(c),
                       nn.ReLU(inplace=True), nn.Conv2d(c, c, 3, padding=1, bias=False),
                       nn.BatchNorm2d(c), nn.ReLU(inplace=True), nn.MaxPool2d(2)]
            c_in = c
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(c_in, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x).mean(dim=(2, 3))  # [B, C] global average pool
        return self.head(h)


class ColourNet(nn.Module):
    """net(histograms [B,F]) -> logits [B, n_classes]: multinomial logistic regression."""

    def __init__(self, n_features: int, n_classes: int) -> None:
        super().__init__()
        self.linear = nn.Linear(n_features, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


def colour_features(rgb: np.ndarray, cfg: JudgeConfig) -> np.ndarray:
    """uint8 (N,S,S,3) images on white -> float32 (N,F) square-rooted colour histograms.

    Chromatic pixels (saturation and value >= 0.2) fall into hue x {pale, vivid} bins, the
    rest into value bins; the page is ignored. sqrt makes a linear model compare histograms
    by the Hellinger distance.
    """
    return np.stack([_histogram(im, cfg) for im in rgb]).astype(np.float32)


def _histogram(rgb: np.ndarray, cfg: JudgeConfig) -> np.ndarray:
    hsv = cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2HSV)  # H in degrees
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    obj = page_mask(rgb)
    chroma = obj & (s >= 0.2) & (v >= 0.2)
    hue_bin = np.minimum((h / 360.0 * cfg.hue_bins).astype(int), cfg.hue_bins - 1)
    vivid = (s >= 0.55).astype(int)
    chroma_hist = np.bincount((hue_bin * 2 + vivid)[chroma], minlength=2 * cfg.hue_bins)
    val_bin = np.minimum((v * cfg.value_bins).astype(int), cfg.value_bins - 1)
    grey_hist = np.bincount(val_bin[obj & ~chroma], minlength=cfg.value_bins)
    hist = np.concatenate([chroma_hist, grey_hist]).astype(np.float64)
    return np.sqrt(hist / max(hist.sum(), 1.0))


def n_colour_features(cfg: JudgeConfig) -> int:
    return 2 * cfg.hue_bins + cfg.value_bins


def to_tensor(rgb: np.ndarray, size: int) -> torch.Tensor:
    """uint8 (N,H,W,3) -> float32 [N,3,size,size] in [-1,1]."""
    small = np.stack([resize(im, size) for im in rgb])
    return torch.from_numpy(small.astype(np.float32) / 127.5 - 1.0).permute(0, 3, 1, 2)


def resize(rgb: np.ndarray, size: int) -> np.ndarray:
    """uint8 (H,W,3) -> uint8 (size,size,3), area averaging when shrinking."""
    if rgb.shape[0] == size and rgb.shape[1] == size:
        return rgb
    interp = cv2.INTER_AREA if rgb.shape[0] > size else cv2.INTER_CUBIC
    return cv2.resize(rgb, (size, size), interpolation=interp)


@dataclass
class Judge:
    """A trained judge: ``logits(images)`` and the class list its outputs index."""

    name: str
    cfg: JudgeConfig
    classes: tuple[str, ...]
    net: nn.Module

    @torch.inference_mode()
    def logits(self, rgb: np.ndarray) -> np.ndarray:
        """uint8 (N,H,W,3) images on white -> float32 (N, n_classes)."""
        self.net.eval()
        small = np.stack([resize(im, self.cfg.size) for im in rgb])
        if self.cfg.kind == "colour":
            x = torch.from_numpy(colour_features(small, self.cfg))
        else:
            x = to_tensor(small, self.cfg.size)
        return self.net(x).numpy()

    def predict(self, rgb: np.ndarray, allowed: Sequence[str] | None = None) -> list[str]:
        """The most likely class of each image, among ``allowed`` classes if given."""
        logits = self.logits(rgb)
        keep = [i for i, c in enumerate(self.classes) if allowed is None or c in allowed]
        if not keep:
            raise ValueError(f"judge {self.name} knows none of the classes {list(allowed)}")
        best = np.asarray(keep)[logits[:, keep].argmax(axis=1)]
        return [self.classes[i] for i in best]


def build_net(cfg: JudgeConfig, n_classes: int) -> nn.Module:
    if cfg.kind == "colour":
        return ColourNet(n_colour_features(cfg), n_classes)
    if cfg.kind == "cnn":
        return JudgeNet(cfg, n_classes)
    raise ValueError(f"unknown judge kind {cfg.kind!r}; expected 'cnn' or 'colour'")


def training_batch(images: Sequence[RealImage], labels: np.ndarray, cfg: JudgeConfig,
                   rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs, int64 labels [B]) of one random augmented batch."""
    idx = rng.integers(len(images), size=cfg.batch)
    views = np.stack([resize(augmented(images, int(i), rng, cfg.shape_swap), cfg.size)
                      for i in idx])
    x = (torch.from_numpy(colour_features(views, cfg)) if cfg.kind == "colour"
         else to_tensor(views, cfg.size))
    return x, torch.from_numpy(labels[idx]).long()


def train(name: str, cfg: JudgeConfig, images: Sequence[RealImage],
          classes: Sequence[str]) -> Judge:
    """Train a judge from scratch on ``images`` (already at or above cfg.size px)."""
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    labels = np.asarray([list(classes).index(im.class_name) for im in images])
    net = build_net(cfg, len(classes))
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, cfg.lr, total_steps=cfg.steps)
    net.train()
    for _ in range(cfg.steps):
        x, y = training_batch(images, labels, cfg, rng)
        loss = F.cross_entropy(net(x), y, label_smoothing=0.05)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    return Judge(name, cfg, tuple(classes), net.eval())


# ---------------------------------------------------------------------------------------------
# Cache


def judge_key(cfg: JudgeConfig, images: Sequence[RealImage], classes: Sequence[str]) -> str:
    """Hex digest of everything a trained judge depends on."""
    h = hashlib.sha256(f"{FORMAT}/{FORMAT_VERSION}/{sorted(asdict(cfg).items())}".encode())
    h.update("|".join(classes).encode())
    for im in images:
        h.update(f"{im.class_name}/{im.name}".encode())
        h.update(im.rgb.tobytes())
    return h.hexdigest()[:24]


def judge_path(name: str, key: str, directory: Path | None = None) -> Path:
    return (directory or cache.cache_dir()) / "judges" / f"{name}-{key}.pt"


def load_or_train(name: str, cfg: JudgeConfig, images: Sequence[RealImage],
                  classes: Sequence[str], directory: Path | None = None) -> Judge:
    """The cached judge for exactly these inputs, or a freshly trained (and cached) one."""
    path = judge_path(name, judge_key(cfg, images, classes), directory)
    if path.is_file():
        blob = torch.load(path, map_location="cpu", weights_only=True)
        net = build_net(cfg, len(classes))
        net.load_state_dict(blob["state_dict"])
        return Judge(name, cfg, tuple(blob["classes"]), net.eval())
    judge = train(name, cfg, images, classes)
    _save(path, judge)
    return judge


def _save(path: Path, judge: Judge) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    blob = {"format": FORMAT, "version": FORMAT_VERSION, "kind": judge.cfg.kind,
            "config": asdict(judge.cfg), "classes": list(judge.classes),
            "state_dict": judge.net.state_dict()}
    with atomic_write(path) as f:
        torch.save(blob, f)


def accuracy(judge: Judge, images: Sequence[RealImage],
             allowed: Sequence[str] | None = None) -> float:
    """Share of ``images`` the judge names correctly (NaN for no images)."""
    if not images:
        return float("nan")
    said = judge.predict(np.stack([im.rgb for im in images]), allowed)
    return float(np.mean([s == im.class_name for s, im in zip(said, images)]))


def swapped_accuracy(judge: Judge, images: Sequence[RealImage]) -> float:
    """Share of "A's colours in B's silhouette" images (every pair of different classes) the
    judge names as A's class: the real-image analogue of rendering outline B as class A, so
    the ceiling a judge can give such renders. NaN for fewer than two classes."""
    pairs = [(a, b) for a in images for b in images if a.class_name != b.class_name
             and (a.alpha >= 128).any() and (b.alpha >= 128).any()]
    if not pairs:
        return float("nan")
    said = judge.predict(np.stack([swap_shape(a, b)[0] for a, b in pairs]))
    return float(np.mean([s == a.class_name for s, (a, _) in zip(said, pairs)]))

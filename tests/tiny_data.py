"""A tiny real data root (objects-v1 layout) and synthetic tensors for the training tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import TensorDataset

# Core classes, so the app's stable order is this order; TINY presets have 3 classes.
CLASSES = ("basketball", "cookie", "moon")
COLOURS = {"basketball": (230, 120, 30), "cookie": (150, 100, 50), "moon": (240, 220, 60)}


def _draw(name: str, style: int, k: int) -> np.ndarray:
    """uint8 (64,64,4) RGBA: a filled shape of the class colour with a dark outline."""
    img = np.zeros((64, 64, 4), np.uint8)
    r = 20 + k % 4
    c = (32 + style, 32 - k % 3)
    colour = (*COLOURS[name], 255)
    if name == "cookie":
        cv2.rectangle(img, (c[0] - r, c[1] - r), (c[0] + r, c[1] + r), colour, -1)
    else:
        cv2.circle(img, c, r, colour, -1)
    if name == "moon":
        cv2.circle(img, (c[0] + 10, c[1] - 6), r, (0, 0, 0, 0), -1)
    cv2.line(img, (c[0] - r // 2, c[1]), (c[0] + r // 2, c[1]), (40, 40, 40, 255), 2)
    return img


def write_data_root(root: Path, per_style: int = 5) -> Path:
    """<root>/objects-v1/{manifest.json, images/...}: 3 classes x 2 styles x per_style."""
    files = []
    for name in CLASSES:
        for style in range(2):
            for k in range(per_style):
                rel = f"images/{name}/s{style}__{name}{k}.png"
                path = root / "objects-v1" / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                rgba = _draw(name, style, k)
                cv2.imwrite(str(path), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
                files.append(
                    {
                        "path": rel,
                        "class": name,
                        "style": f"s{style}",
                        "name": f"{name}{k}",
                        "source": f"test-style-{style}",
                        "license": "CC0-1.0",
                        "attribution": f"test art {style}",
                    }
                )
    (root / "objects-v1" / "manifest.json").write_text(json.dumps({"files": files}))
    return root


def shape_tensors(n: int, size: int, n_classes: int, seed: int = 0) -> TensorDataset:
    """(partial, full, label) with partial's ink a subset of full's, in [-1,1] paper = +1."""
    g = torch.Generator().manual_seed(seed)
    full = torch.where(torch.rand(n, 1, size, size, generator=g) < 0.1, -1.0, 1.0)
    keep = torch.rand(n, 1, size, size, generator=g) < 0.5
    partial = torch.where(keep, full, torch.ones_like(full))
    return TensorDataset(partial, full, torch.randint(0, n_classes, (n,), generator=g))


def appearance_tensors(n: int, size: int, n_classes: int, seed: int = 0) -> TensorDataset:
    """(outline [1,S,S], image [3,S,S], label) in [-1,1]."""
    g = torch.Generator().manual_seed(seed)
    outline = torch.where(torch.rand(n, 1, size, size, generator=g) < 0.1, -1.0, 1.0)
    image = torch.rand(n, 3, size, size, generator=g) * 2 - 1
    return TensorDataset(outline, image, torch.randint(0, n_classes, (n,), generator=g))


def run_torchrun(args: list[str], env: dict[str, str], cwd: Path):
    """`python -m torch.distributed.run --nproc_per_node 2 --standalone <args>`; returns the
    CompletedProcess. Gloo is pinned to the loopback interface (a CI host's name may resolve
    to an address its workers cannot reach). On a shared CPU a worker has aborted in gloo's
    start-up once in many runs, so a run whose worker got SIGABRT is tried once more; any
    other failure, or a second abort, is returned as it is."""
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "--standalone",
        *args,
    ]
    env = {**env, "GLOO_SOCKET_IFNAME": "lo"}
    # Decoded as UTF-8 whatever the locale: a test before may have set the C locale.
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
                          encoding="utf-8", errors="replace")
    if done.returncode != 0 and "SIGABRT" in done.stderr:
        done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
                              encoding="utf-8", errors="replace")
    return done

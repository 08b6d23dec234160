"""The loss log (`<run>/log.jsonl`, one JSON object per logged step) and sample grids."""
from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from PIL import Image

from sketchfill.models.files import write_bytes


def append_log(run_dir: Path, step: int, values: dict[str, float], name: str = "log.jsonl") -> None:
    record = {"step": step, "time": round(time.time(), 1),
              **{k: round(float(v), 6) for k, v in values.items()}}
    with open(run_dir / name, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")


def read_log(run_dir: Path, name: str = "log.jsonl") -> list[dict]:
    path = run_dir / name
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def to_rgb_uint8(x: torch.Tensor) -> np.ndarray:
    """[C,H,W] in [-1,1] (C = 1 or 3) -> (H,W,3) uint8."""
    x = x.detach().float().cpu().clamp(-1, 1)
    x = x.expand(3, -1, -1) if x.shape[0] == 1 else x[:3]
    return ((x.permute(1, 2, 0).numpy() + 1.0) * 127.5).round().astype(np.uint8)


def save_grid(path: Path, rows: Sequence[Sequence[torch.Tensor]], cell: int, pad: int = 2) -> None:
    """Tile rows of [C,H,W] tensors (each resized to `cell` px) into one PNG, gray gutters."""
    n_cols = max(len(r) for r in rows)
    side = cell + pad
    canvas = np.full((len(rows) * side + pad, n_cols * side + pad, 3), 128, np.uint8)
    for i, row in enumerate(rows):
        for j, t in enumerate(row):
            img = Image.fromarray(to_rgb_uint8(t)).resize((cell, cell), Image.NEAREST)
            canvas[pad + i * side:pad + i * side + cell, pad + j * side:pad + j * side + cell] = img
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    Image.fromarray(canvas).save(buffer, format="PNG")
    write_bytes(path, buffer.getvalue())

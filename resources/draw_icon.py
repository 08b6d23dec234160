"""Draws the program's icon, resources/icon.png (256 x 256 RGBA): `python -m
sketchfill.resources.draw_icon`. A partial ink stroke of an orange, the gray shadow of its
completions, and the colour filled in: what the app does, in one picture."""
from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 256
SCALE = 4  # drawn 4x larger, then downsampled: smooth edges without per-shape antialiasing
PAPER, INK = (251, 246, 236, 255), (34, 34, 38, 255)
ORANGE, LEAF = (244, 150, 38, 255), (86, 160, 70, 255)


def box(cx: float, cy: float, r: float) -> tuple[float, float, float, float]:
    return (cx - r, cy - r, cx + r, cy + r)


def draw(size: int = SIZE) -> Image.Image:
    """The icon as an RGBA image of size x size."""
    s = size * SCALE
    u = s / 256  # one unit of the 256 grid below
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((8 * u, 8 * u, 248 * u, 248 * u), radius=44 * u, fill=PAPER,
                        outline=(214, 206, 190, 255), width=round(3 * u))
    cx, cy, r = 128 * u, 138 * u, 80 * u
    d.ellipse(box(cx + 4 * u, cy + 3 * u, r - 8 * u), fill=ORANGE)
    d.ellipse(box(cx - 22 * u, cy - 26 * u, 18 * u), fill=(250, 190, 110, 255))  # highlight
    shadow = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    sd = ImageDraw.Draw(shadow)
    for k in range(8):  # the K = 8 completions, each a little off: their blend is the shadow
        a = 2 * math.pi * k / 8
        sd.ellipse(box(cx + 4 * u * math.cos(a), cy + 4 * u * math.sin(a), r + 2 * u * (k % 3)),
                   outline=(110, 110, 120, 70), width=round(5 * u))
    img = Image.alpha_composite(img, shadow)
    d = ImageDraw.Draw(img)
    d.arc(box(cx, cy, r), start=120, end=345, fill=INK, width=round(9 * u))  # the user's stroke
    d.line((cx + 2 * u, cy - r - 2 * u, cx + 8 * u, cy - r - 20 * u), fill=INK, width=round(7 * u))
    d.ellipse((cx + 12 * u, cy - r - 30 * u, cx + 48 * u, cy - r - 12 * u), fill=LEAF)
    return img.resize((size, size), Image.LANCZOS)


def main() -> int:
    out = Path(__file__).resolve().parent / "icon.png"
    draw().save(out)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

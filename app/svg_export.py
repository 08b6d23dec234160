"""Strokes as SVG: one group per stroke, round-capped segments whose width follows pressure.

A stroke with erased gaps is written as the outline of what is left of it: a filled path
traced from the stroke drawn with its gaps cut (as the raster cuts them, that stroke only) at
CUT_SUPERSAMPLE times the canvas resolution. Plain geometry, no mask: every renderer draws it
the same.
"""

from __future__ import annotations

import math
from pathlib import Path
from xml.sax.saxutils import quoteattr

import cv2
import numpy as np

from sketchfill.app.document import PAPER, Sketch, Stroke, draw_stroke
from sketchfill.app.files import write_text

PAPER_COLOUR = "#ffffff"
INK_COLOUR = "#000000"


def to_svg(sketch: Sketch) -> str:
    w, h = sketch.width, sketch.height
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">',
        f"<title>{_escape(sketch.class_name or 'sketch')}</title>",
        f'<rect x="0" y="0" width="{w}" height="{h}" fill="{PAPER_COLOUR}"/>',
    ]
    lines += [_cut_svg(s) if s.erased else _stroke_svg(s) for s in sketch.strokes]
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def save_svg(path: str | Path, sketch: Sketch) -> None:
    write_text(path, to_svg(sketch))


CUT_SUPERSAMPLE = 4  # the cut stroke is traced at this many times the canvas resolution
CUT_TOLERANCE_PX = 0.1  # canvas px the traced outline may stray from the drawn edge


def _cut_svg(stroke: Stroke) -> str:
    """A pen stroke with its erased gaps as a filled path: the outline of what is left."""
    f = CUT_SUPERSAMPLE
    left, top, right, bottom = stroke.bounds()
    left, top = math.floor(left) - 2, math.floor(top) - 2
    w, h = (math.ceil(right) + 2 - left) * f, (math.ceil(bottom) + 2 - top) * f
    own = np.full((h, w), PAPER, np.uint8)
    draw_stroke(own, stroke.translated(-left, -top).scaled(f), narrower=2)
    ink = (own < 128).astype(np.uint8)
    contours, _ = cv2.findContours(ink, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    rings = [cv2.approxPolyDP(c, CUT_TOLERANCE_PX * f, True).reshape(-1, 2) for c in contours]
    # A contour runs through pixel indices; pixel i's centre is at i + 0.5.
    d = " ".join("M" + " L".join(f"{_n((x + 0.5) / f + left)},{_n((y + 0.5) / f + top)}"
                                 for x, y in ring) + "Z" for ring in rings if len(ring) >= 3)
    return (f'<g class="pen"><path d="{d}" fill="{INK_COLOUR}" fill-rule="evenodd" '
            'stroke="none"/></g>')


def _stroke_svg(stroke: Stroke, colour: str | None = None) -> str:
    if colour is None:
        colour = INK_COLOUR if stroke.tool == "pen" else PAPER_COLOUR
    widths = stroke.segment_widths()
    head = (
        f'<g class={quoteattr(stroke.tool)} stroke="{colour}" fill="none" stroke-linecap="round">'
    )
    pts = stroke.points
    if len(pts) == 1:
        x, y, _ = pts[0]
        circle = f'cx="{_n(x)}" cy="{_n(y)}" r="{_n(widths[0] / 2)}" fill="{colour}" stroke="none"'
        return f"{head}<circle {circle}/></g>"
    if len(set(widths)) == 1:
        coords = " ".join(f"{_n(x)},{_n(y)}" for x, y, _ in pts)
        line = f'points="{coords}" stroke-width="{_n(widths[0])}" stroke-linejoin="round"'
        return f"{head}<polyline {line}/></g>"
    segments = [
        f'<line x1="{_n(a[0])}" y1="{_n(a[1])}" x2="{_n(b[0])}" y2="{_n(b[1])}" '
        f'stroke-width="{_n((wa + wb) / 2)}"/>'
        for a, b, wa, wb in zip(pts, pts[1:], widths, widths[1:])
    ]
    return head + "".join(segments) + "</g>"


def _n(v: float) -> str:
    """Compact number: at most 2 decimals (1/100 canvas pixel)."""
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

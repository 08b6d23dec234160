"""Strokes as SVG: one group per stroke, round-capped segments whose width follows pressure.

A stroke's erased gaps are a mask of its own (white keeps, the eraser paths in black cut), so
they cut that stroke only, as the raster does.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import quoteattr

from sketchfill.app.document import Sketch, Stroke
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
    lines += [_masked_svg(s, i) if s.erased else _stroke_svg(s)
              for i, s in enumerate(sketch.strokes)]
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def save_svg(path: str | Path, sketch: Sketch) -> None:
    write_text(path, to_svg(sketch))


def _masked_svg(stroke: Stroke, index: int) -> str:
    """A pen stroke with its erased gaps: the stroke under a mask that the gaps cut."""
    name = f"erased-{index}"
    cuts = "".join(_stroke_svg(e, colour=INK_COLOUR) for e in stroke.erased)
    mask = (f'<mask id="{name}" maskUnits="userSpaceOnUse"><rect x="-100%" y="-100%" '
            f'width="300%" height="300%" fill="{PAPER_COLOUR}"/>{cuts}</mask>')
    return f'{mask}<g mask="url(#{name})">{_stroke_svg(stroke)}</g>'


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

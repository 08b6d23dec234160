"""The session file: a sketch's strokes, class and seed as versioned JSON, with clear errors.

Format (version 1; unknown extra fields are ignored on load):
    {"format": "sketchfill-session", "version": 1, "canvas": {"width": W, "height": H},
     "class": "<name>", "seed": <int>,
     "strokes": [{"tool": "pen", "width": <px>, "points": [[x, y, pressure], ...],
                  "erased": [{"width": <px>, "points": [...]}, ...]}, ...],
     "view": {"chosen": <completion index>, "overlay": "blend"|"one",
              "brush": <px>, "opacity": <0..1>}}
Coordinates are canvas pixels. "view" is optional (absent: the first completion, blended), so a
reopened, recovered or replayed session shows the same completion and image; its "brush" and
"opacity" (the brush size and the shadow's opacity on screen) are optional too (absent: the
preferences' values), so files written without them load unchanged. "erased" (optional) holds the
eraser paths that cut that stroke. A stroke with "tool": "eraser" (as older files hold) cuts
the strokes before it that it touches, as erasing does in the app.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sketchfill.app.document import TOOLS, Sketch, Stroke
from sketchfill.app.overlay import OverlayMode
from sketchfill.app.files import write_text

FORMAT = "sketchfill-session"
VERSION = 1
MAX_CANVAS = 8192  # refuse absurd canvases rather than allocate gigabytes


class SessionError(ValueError):
    """A session file that cannot be read; the message says where and what."""


@dataclass(frozen=True)
class View:
    """Which completion the artist chose and how the shadow shows it (kept with the drawing)."""

    chosen: int = 0  # index into the K completions; the one coloured and accepted
    mode: OverlayMode = OverlayMode.BLEND
    brush: float | None = None  # brush size in canvas px; None: keep the one in use
    opacity: float | None = None  # shadow opacity in [0, 1]; None: keep the one in use


def to_dict(sketch: Sketch, view: View = View()) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "canvas": {"width": sketch.width, "height": sketch.height},
        "class": sketch.class_name,
        "seed": sketch.seed,
        "strokes": [_stroke_dict(s) for s in sketch.strokes],
        "view": _view_dict(view),
    }


def _view_dict(view: View) -> dict[str, Any]:
    item: dict[str, Any] = {"chosen": view.chosen, "overlay": view.mode.value}
    item.update({k: v for k, v in (("brush", view.brush), ("opacity", view.opacity))
                 if v is not None})
    return item


def _stroke_dict(stroke: Stroke) -> dict[str, Any]:
    item = {"tool": stroke.tool, "width": stroke.width, "points": [list(p) for p in stroke.points]}
    if stroke.erased:
        item["erased"] = [{"width": e.width, "points": [list(p) for p in e.points]}
                          for e in stroke.erased]
    return item


def dumps(sketch: Sketch, view: View = View()) -> str:
    return json.dumps(to_dict(sketch, view), separators=(",", ":"))


def save(path: str | Path, sketch: Sketch, view: View = View()) -> None:
    """Atomic save; raises OSError and leaves any old file intact on failure."""
    write_text(path, dumps(sketch, view))


def load(path: str | Path) -> Sketch:
    """Read a session file; raises SessionError naming the file and the problem."""
    return load_with_view(path)[0]


def load_with_view(path: str | Path) -> tuple[Sketch, View]:
    """The drawing and the chosen completion; raises SessionError naming the file and problem."""
    path = Path(path)
    if path.is_dir():
        raise SessionError(f"{path}: is a directory, not a session file")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SessionError(f"{path}: not a session file (it is not text; sessions are the "
                           ".json files Sketch & Fill saves)") from exc
    except OSError as exc:
        raise SessionError(f"{path}: cannot read the session file ({exc.strerror or exc})") from exc
    try:
        data = _parse(text)
        return from_dict(data), view_from_dict(data)
    except SessionError as exc:
        raise SessionError(f"{path}: {exc}") from exc


def loads(text: str) -> Sketch:
    return from_dict(_parse(text))


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SessionError(f"not a session file (not valid JSON: {exc})") from exc


def view_from_dict(data: dict[str, Any]) -> View:
    """The optional "view" of a session (checked by from_dict to be a session first)."""
    view = data.get("view", {})
    if not isinstance(view, dict):
        raise SessionError(f'"view" must be an object, got {view!r}')
    chosen, mode = view.get("chosen", 0), view.get("overlay", OverlayMode.BLEND.value)
    if not (_is_int(chosen) and 0 <= chosen < 64):
        raise SessionError(f'"view": "chosen" must be an integer in [0, 64), got {chosen!r}')
    modes = [m.value for m in OverlayMode]
    if mode not in modes:
        raise SessionError(f'"view": "overlay" must be one of {modes}, got {mode!r}')
    brush = _optional_number(view, "brush", 1.0, float(MAX_CANVAS))
    opacity = _optional_number(view, "opacity", 0.0, 1.0)
    return View(chosen, OverlayMode(mode), brush, opacity)


def _optional_number(view: dict[str, Any], key: str, low: float, high: float) -> float | None:
    value = view.get(key)
    if value is None:
        return None
    if not (_is_number(value) and low <= value <= high):
        raise SessionError(f'"view": "{key}" must be a number in [{low:g}, {high:g}], '
                           f"got {value!r}")
    return float(value)


def from_dict(data: Any) -> Sketch:
    _check_header(data)
    width, height = _canvas(data.get("canvas"))
    class_name = data.get("class")
    if not isinstance(class_name, str):
        raise SessionError(f'"class" must be a string, got {class_name!r}')
    seed = data.get("seed")
    if not _is_int(seed):
        raise SessionError(f'"seed" must be an integer, got {seed!r}')
    strokes = data.get("strokes")
    if not isinstance(strokes, list):
        raise SessionError('"strokes" must be a list')
    parsed = [_stroke(s, i, width, height) for i, s in enumerate(strokes)]
    return Sketch(width, height, (), class_name, seed).with_strokes(parsed)


def _check_header(data: Any) -> None:
    if not isinstance(data, dict):
        raise SessionError("the top level must be a JSON object")
    if data.get("format") != FORMAT:
        raise SessionError(f'"format" must be "{FORMAT}", got {data.get("format")!r}')
    if data.get("version") != VERSION:
        raise SessionError(
            f'unsupported "version" {data.get("version")!r} (this app reads {VERSION})'
        )


def _canvas(canvas: Any) -> tuple[int, int]:
    if not isinstance(canvas, dict):
        raise SessionError('"canvas" must be an object with "width" and "height"')
    w, h = canvas.get("width"), canvas.get("height")
    if not (_is_int(w) and _is_int(h) and 0 < w <= MAX_CANVAS and 0 < h <= MAX_CANVAS):
        raise SessionError(
            f'"canvas" width and height must be integers in 1..{MAX_CANVAS}, got {w!r} x {h!r}'
        )
    return w, h


def _stroke(item: Any, index: int, canvas_w: int, canvas_h: int) -> Stroke:
    where = f"strokes[{index}]"
    if not isinstance(item, dict):
        raise SessionError(f"{where} must be an object")
    tool, width, points = item.get("tool"), item.get("width"), item.get("points")
    if tool not in TOOLS:
        raise SessionError(f'{where}: "tool" must be one of {list(TOOLS)}, got {tool!r}')
    if not (_is_number(width) and 0 < width <= MAX_CANVAS):
        raise SessionError(f'{where}: "width" must be a number in (0, {MAX_CANVAS}], got {width!r}')
    if not isinstance(points, list) or not points:
        raise SessionError(f'{where}: "points" must be a non-empty list of [x, y, pressure]')
    points = tuple(_point(p, where, j) for j, p in enumerate(points))
    for j, (x, y, _) in enumerate(points):
        _check_on_canvas(x, y, canvas_w, canvas_h, f"{where}.points[{j}]")
    erased = item.get("erased", [])
    if not isinstance(erased, list) or (erased and tool != "pen"):
        raise SessionError(f'{where}: "erased" must be a list, and only on a pen stroke')
    gaps = tuple(_stroke({**e, "tool": "eraser"} if isinstance(e, dict) else e,
                         index, canvas_w, canvas_h) for e in erased)
    return Stroke(tool, width, points, gaps)


def _check_on_canvas(x: float, y: float, w: int, h: int, where: str) -> None:
    """A stroke may run past the edge of the paper, but not further than one canvas size: a
    point at 2e8 px is a damaged file, and drawing it would hang the rasteriser."""
    if not (-w <= x <= 2 * w and -h <= y <= 2 * h):
        raise SessionError(f"{where}: point ({x:g}, {y:g}) lies far outside the {w} x {h} "
                           f"canvas (x must be in [{-w}, {2 * w}], y in [{-h}, {2 * h}])")


def _point(p: Any, where: str, j: int) -> tuple[float, float, float]:
    if not (isinstance(p, list) and len(p) == 3 and all(_is_number(v) for v in p)):
        raise SessionError(f"{where}.points[{j}] must be [x, y, pressure] numbers, got {p!r}")
    if not 0 <= p[2] <= 1:
        raise SessionError(f"{where}.points[{j}]: pressure must be in [0, 1], got {p[2]!r}")
    return (p[0], p[1], p[2])


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

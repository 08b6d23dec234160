"""Renders faded to paper outside the outline's silhouette, and the stray-colour measure."""
from __future__ import annotations

import cv2
import numpy as np

from sketchfill.app.silhouette import DEFAULT_SILHOUETTE, fade_outside, keep_alpha, silhouette
from sketchfill.models.evaluation import stray_colour as sc


def _ring(side: int = 256, gap: bool = False) -> np.ndarray:
    """A circle of radius side/4 at the centre, 6 px wide; with a 4 px gap if asked."""
    outline = np.full((side, side), 255, np.uint8)
    cv2.circle(outline, (side // 2, side // 2), side // 4, 0, 6)
    if gap:
        outline[side // 2 - 2:side // 2 + 2, : side // 2] = 255  # cut on the left
    return outline


def _noise(side: int = 256) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 200, (side, side, 3), np.uint8)


def test_a_closed_outline_keeps_its_inside_and_fades_the_far_outside_to_paper() -> None:
    outline, rgb = _ring(), _noise()
    out = fade_outside(rgb, outline)
    c = 128
    assert np.array_equal(out[c - 40:c + 40, c - 40:c + 40], rgb[c - 40:c + 40, c - 40:c + 40])
    assert (out[:20] == 255).all() and (out[:, -20:] == 255).all()  # corners and sides: paper
    # Within the margin beyond the line: still the render's colour.
    near = c + 64 + 3 + 4
    assert np.array_equal(out[c, near], rgb[c, near])


def test_a_hollow_keeps_its_colour() -> None:
    crescent = np.full((256, 256), 255, np.uint8)
    cv2.ellipse(crescent, (128, 128), (80, 80), 0, 90, 270, 0, 6)  # the left half of a ring
    cv2.ellipse(crescent, (150, 128), (50, 80), 0, 90, 270, 0, 6)  # its inner curve
    region = silhouette(crescent)
    assert region[128, 90] and region[60, 125]  # in the hollow, between the horns
    assert not region[128, 200]


def test_an_open_outline_takes_its_convex_hull() -> None:
    arc = np.full((256, 256), 255, np.uint8)
    cv2.ellipse(arc, (128, 100), (80, 80), 0, 0, 180, 0, 6)  # a bowl, open at the top
    region = silhouette(arc)
    assert region[130, 128]  # between the arc's ends, under the chord
    assert not region[60, 128]  # above the chord: not the object's


def test_nothing_drawn_leaves_the_render_as_it_is() -> None:
    blank, rgb = np.full((64, 64), 255, np.uint8), _noise(64)
    assert fade_outside(rgb, blank) is rgb
    assert (keep_alpha(blank) == 1).all()


def test_a_canvas_larger_than_the_working_size_fades_alike() -> None:
    small = fade_outside(_noise(256), _ring(256))
    big_outline = cv2.resize(_ring(256), (512, 512), interpolation=cv2.INTER_NEAREST)
    alpha = keep_alpha(big_outline)
    assert alpha.shape == (512, 512)
    assert alpha[256, 256] == 1 and alpha[10, 10] == 0
    assert (small[:20] == 255).all()
    assert DEFAULT_SILHOUETTE.work < 512


def test_engine_renders_paper_far_from_the_drawing(tiny_engine) -> None:
    outline = _ring(128)
    faded = tiny_engine.render(outline, "orange", 0)
    assert (faded[:8] == 255).all() and (faded[:, :8] == 255).all()
    tiny_engine.silhouette = None
    raw = tiny_engine.render(outline, "orange", 0)
    assert not (raw[:8] == 255).all()  # the tiny untrained network paints everywhere
    inside = slice(54, 74)
    assert np.array_equal(faded[inside, inside], raw[inside, inside])


def test_stray_colour_counts_colour_well_outside_the_drawing() -> None:
    outline = _ring()
    rgb = np.full((256, 256, 3), 255, np.uint8)
    rgb[100:156, 100:156] = (200, 30, 30)  # inside the circle
    rgb[0:10, 0:10] = (30, 200, 30)  # a corner smear
    rgb[128, 128 + 64 + 8] = (0, 0, 0)  # just beside the line: not "well outside"
    stray, coloured = sc.stray_pixels(rgb, outline)
    assert (stray, coloured) == (100, 56 * 56 + 100 + 1)
    assert sc.stray_pixels(fade_outside(rgb, outline), outline)[0] == 0
    counts = sc.count_renders(lambda o, c, s: rgb, [("ring", outline)], ["orange"], [0, 1])
    assert sc.share_by_class(counts) == {"orange": 100 / coloured}
    assert sc.renders_with_stray(counts) == 1.0


def test_the_colour_measure_runs_through_an_engine(tmp_path, tiny_checkpoint_dir, capsys,
                                                    one_thread) -> None:
    import json

    from sketchfill.app import evaluate_colour
    from tests.test_outline_bank import _write_quickdraw
    from tests.tiny_data import write_data_root

    root = write_data_root(tmp_path / "data", per_style=1)
    _write_quickdraw(root, "moon", 10)  # two held-out drawings
    out = tmp_path / "out"
    assert evaluate_colour.main(["--checkpoints", str(tiny_checkpoint_dir), "--data", str(root),
                                 "--out", str(out)]) == 0
    result = json.loads((out / "colour.json").read_text())
    assert result["drawings"] == 2 + 3  # and the samples of orange, watermelon and moon
    net, faded = result["network"], result["faded"]
    assert set(net["by_class"]) == {"orange", "watermelon", "moon"}
    assert net["worst_class"][1] > 0.3  # an untrained network paints the whole canvas ...
    assert faded["worst_class"][1] < 0.5 * net["worst_class"][1]  # ... faded beyond the hull
    assert set(result["fade_ms"]) == {"256", "512"}
    assert "fade_outside median ms" in capsys.readouterr().out

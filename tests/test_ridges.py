"""Raster conversions: ridge thinning of soft outlines."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from sketchfill.app.ridges import RIDGE_UPSCALE, ridge_lines, ridge_mask


def _soft_ring(peak: float, radius: float = 20.0, sigma: float = 2.0) -> torch.Tensor:
    """[64,64] in [-1,1]: a blurred ring of ink `peak` at its crest."""
    yy, xx = np.mgrid[0:64, 0:64]
    d = np.abs(np.hypot(yy - 32, xx - 32) - radius)
    ink = peak * np.exp(-d ** 2 / (2 * sigma ** 2))
    return torch.tensor(1.0 - 2.0 * ink, dtype=torch.float32)


def test_a_blurred_ring_becomes_a_thin_line_on_its_crest():
    lines = ridge_lines(_soft_ring(0.5))
    assert lines.shape == (64 * RIDGE_UPSCALE, 64 * RIDGE_UPSCALE) and lines.dtype == bool
    ys, xs = np.nonzero(lines)
    radii = np.hypot(ys / RIDGE_UPSCALE - 32, xs / RIDGE_UPSCALE - 32)
    assert np.abs(radii - 20).max() < 2.0                   # on the crest, within a pixel or two
    # Thin: about one pixel along a circle of 2 * 20 px radius at the thinning size.
    assert lines.sum() < 2 * 2 * np.pi * 20 * RIDGE_UPSCALE


def test_faint_doubt_is_not_drawn():
    assert not ridge_lines(_soft_ring(0.2)).any()


def test_confident_ink_passes_whole_however_wide():
    ink = np.zeros((16, 16), np.float32)
    ink[2:9, :] = 1.0                                       # a 7 px wide stroke
    mask = ridge_mask(ink)
    assert mask[2:9].all() and not mask[10:].any()


def test_a_smooth_haze_leaves_at_most_its_crest():
    yy, xx = np.mgrid[0:64, 0:64]
    ink = 0.5 * np.exp(-((yy - 32) ** 2 + (xx - 32) ** 2) / (2 * 20.0 ** 2))
    lines = ridge_lines(torch.tensor(1.0 - 2.0 * ink, dtype=torch.float32))
    assert lines.sum() < 20                                 # no web of lines through the haze


def test_keep_user_strokes_replaces_the_networks_copy_and_keeps_new_ink():
    from sketchfill.app.ridges import keep_user_strokes, near_user_mask
    user = np.full((64, 64), 255, np.uint8)
    user[10:50, 20] = 0                                     # the user's stroke
    out = np.full((64, 64), 255, np.uint8)
    out[10:50, 21:23] = 0                                   # the network's copy, 1 px off
    out[30, 40:60] = 0                                      # a proposed new stroke
    kept = keep_user_strokes(user, out, near_user_mask(user, net_size=32))  # 2 px/net px
    assert np.array_equal(kept[:, 20], user[:, 20])
    assert (kept[10:50, 21:23] == 255).all()                # the copy is gone ...
    assert (kept[30, 40:60] == 0).all()                     # ... the new stroke stays
    blank = np.full((64, 64), 255, np.uint8)
    assert near_user_mask(blank, 32) is None and keep_user_strokes(blank, out, None) is out


def test_a_proposed_line_that_continues_a_stroke_stays_attached_to_it():
    """The network's copy of the user's stroke is dropped near it, but where its line goes on
    past the stroke's end the completion must not start with a gap."""
    import cv2
    from sketchfill.app.ridges import outline_from_output
    user = np.full((256, 256), 255, np.uint8)
    cv2.line(user, (20, 128), (120, 128), 0, 4)              # the user's stroke ...
    ink = np.zeros((64, 64), np.float32)
    ink[31:33, 5:60] = 1.0                                  # ... which the network continues
    ink = cv2.GaussianBlur(ink, (0, 0), 0.8)
    done = outline_from_output(user, torch.from_numpy(1.0 - 2.0 * ink / ink.max()), True)
    drawn = (done[118:139] < 128).any(axis=0)
    assert drawn[20:230].all(), np.nonzero(~drawn[20:230])[0] + 20
    assert np.array_equal(done[128, 20:118], user[128, 20:118])    # the stroke as drawn


def test_only_line_ends_near_the_users_ink_are_joined_and_not_short_copies():
    from sketchfill.app.ridges import user_connectors, user_ink
    user = np.full((256, 256), 255, np.uint8)
    user[100:160, 100:103] = 0                              # a vertical stroke at x 50 (128 px)
    lines = np.zeros((128, 128), bool)
    lines[65, 55:90] = True                                 # a long line ending 4 px away
    lines[40, 110:125] = True                               # a line far from the user's ink
    joins = user_connectors(lines, user_ink(user, 64))
    assert joins[65, 51:55].all() and not joins[:, 60:].any()
    short = np.zeros((128, 128), bool)
    short[55:59, 54] = True                                 # a short copy beside the stroke
    assert not user_connectors(short, user_ink(user, 64)).any()
    assert not user_connectors(lines, user_ink(np.full((256, 256), 255, np.uint8), 64)).any()


def _user_stroke(antialiased: bool) -> np.ndarray:
    """(512,512) uint8: a 4 px vertical stroke at x 400 drawn with Pillow, crisp or smoothed
    (drawn 4x larger and shrunk, as an anti-aliasing program leaves it)."""
    from PIL import Image, ImageDraw
    f = 4 if antialiased else 1
    img = Image.new("L", (512 * f, 512 * f), 255)
    ImageDraw.Draw(img).line([(400 * f, 100 * f), (400 * f, 420 * f)], fill=0, width=4 * f)
    return np.array(img.resize((512, 512), Image.LANCZOS) if antialiased else img)


def _network_copy(offset: float, doubled: float | None = None) -> torch.Tensor:
    """[128,128] soft output redrawing the stroke `offset` network px to its right (and a
    second parallel copy `doubled` px to its right), blurred as the network draws."""
    import cv2
    ink = np.zeros((128, 128), np.float32)
    for dx in (offset,) if doubled is None else (offset, doubled):
        x = 100 + dx
        ink[25:105, int(x)] += 1 - (x - int(x))
        ink[25:105, int(x) + 1] += x - int(x)
    ink = cv2.GaussianBlur(ink, (0, 0), 1.0)
    return torch.from_numpy(1.0 - 2.0 * ink / ink.max())


def test_the_users_stroke_comes_back_exactly_with_nothing_beside_it():
    """The network redraws the user's stroke up to a network px or two off, sometimes twice;
    none of that may come back as gray lines beside the stroke (crisp or anti-aliased)."""
    from sketchfill.app.ridges import outline_from_output
    for antialiased in (False, True):
        user = _user_stroke(antialiased)
        for offset, doubled in ((0.5, None), (1.5, None), (0.5, 3.0)):
            done = outline_from_output(user, _network_copy(offset, doubled), True)
            assert np.array_equal(done, user), (antialiased, offset, doubled,
                                                done[300, 385:417].tolist())


def _diagonal_ridge(size: int = 64) -> torch.Tensor:
    """[size,size] soft output: a blurred diagonal line, away from the user's stroke."""
    import cv2
    ink = np.zeros((size, size), np.float32)
    cv2.line(ink, (8, 40), (40, 8), 1.0, 1, cv2.LINE_AA)
    ink = cv2.GaussianBlur(ink, (0, 0), 1.0)
    return torch.from_numpy(1.0 - 2.0 * ink / ink.max())


def _user_bar(width: int) -> np.ndarray:
    import cv2
    user = np.full((256, 256), 255, np.uint8)
    cv2.line(user, (150, 200), (240, 200), 0, width)
    return user


def test_proposed_lines_are_smooth_antialiased_strokes_of_the_users_width():
    from sketchfill.app.ridges import outline_from_output
    for thickness in (2, 6):
        user = _user_bar(thickness)
        width = (user[:, 200] < 128).sum()                      # cv2 draws 3 and 7 px
        done = outline_from_output(user, _diagonal_ridge(), True)
        # Across the diagonal (along a row), the ink is about the user's width ...
        rows = [(done[y, :140] < 128).sum() * np.sqrt(0.5) for y in range(60, 120, 4)]
        assert np.median(rows) == pytest.approx(width, abs=1.2), (width, rows)
        # ... with soft (anti-aliased) edges, and its centre on a straight line, no stairs.
        assert ((done[40:140, :140] > 30) & (done[40:140, :140] < 225)).sum() > 50
        centres = [np.nonzero(done[y, :140] < 128)[0].mean() + y for y in range(60, 120, 2)]
        assert np.ptp(centres) < 1.5, centres


def test_a_continuation_meets_the_users_line_without_a_step():
    """The proposed line that goes on past the stroke's end is as wide as the stroke."""
    import cv2
    from sketchfill.app.ridges import outline_from_output
    user = np.full((256, 256), 255, np.uint8)
    cv2.line(user, (20, 128), (120, 128), 0, 4)
    ink = np.zeros((64, 64), np.float32)
    ink[31:33, 5:60] = 1.0
    ink = cv2.GaussianBlur(ink, (0, 0), 0.8)
    done = outline_from_output(user, torch.from_numpy(1.0 - 2.0 * ink / ink.max()), True)
    widths = (done[110:146, 100:220] < 128).sum(axis=0)
    width = (user[:, 60] < 128).sum()                           # 5 px
    # The same width up to a pixel of anti-aliasing (the old pen drew 14 px lines).
    assert width - 1 <= widths.min() and widths.max() <= width + 2, widths.tolist()


def test_a_completion_adds_little_when_its_lines_are_short_beside_the_users():
    from sketchfill.app.ridges import IDLE_SHARE, adds_little, user_ink

    drawn = np.full((128, 128), 255, np.uint8)
    drawn[10:110, 60:63] = 0                       # a 100 px stroke at the canvas size
    user = user_ink(drawn, 64)                     # lines live at 2 x 64 = 128 px
    assert 90 <= user.length <= 110
    lines = np.zeros((128, 128), bool)
    assert adds_little(lines, user)
    lines[100, 10:10 + int(IDLE_SHARE * user.length) + 1] = True
    assert not adds_little(lines, user)
    assert adds_little(lines, user, share=1.0)
    blank = user_ink(np.full((128, 128), 255, np.uint8), 64)
    assert not adds_little(np.zeros((128, 128), bool), blank)  # nothing to compare with


def test_user_ink_distances_and_nearest_points_are_scipys() -> None:
    # The app computes them without SciPy (which slows its start); the values, and of
    # equally near ink pixels the one picked, must stay those of SciPy's transform.
    import cv2
    from scipy import ndimage

    from sketchfill.app.ridges import user_ink

    rng = np.random.default_rng(3)
    for _ in range(6):
        sketch = np.full((256, 256), 255, np.uint8)
        for _ in range(3):
            a, b = rng.integers(20, 236, 2), rng.integers(20, 236, 2)
            cv2.line(sketch, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), 0, 5)
        user = user_ink(sketch, 64)
        ink = user.dist == 0
        dist, (ny, nx) = ndimage.distance_transform_edt(~ink, return_indices=True)
        assert np.abs(user.dist - dist).max() < 1e-4
        ys, xs = np.nonzero((dist > 0) & (dist < 12))
        found = user.nearest(ys, xs)
        assert np.array_equal(found[:, 0], ny[ys, xs]) and np.array_equal(found[:, 1], nx[ys, xs])


def test_curves_through_many_lines_at_once_are_the_pens_curve_pieces_to_the_bit():
    """The outlines' smoothing (all lines in one array pass) and the pen's curve_piece (one
    point at a time) are the same curve: traced lines on the pixel grid, lines of 2-9 vertices."""
    from sketchfill.app.smoothing import curve_piece, curves_through

    rng = np.random.default_rng(3)
    lines = [rng.integers(0, 256, (int(m), 2)) for m in rng.integers(2, 10, 40)]
    lines.append(np.array([[5, 5], [5, 5], [9, 5]]))          # a repeated vertex: a 0-px segment
    for line, curve in zip(lines, curves_through(lines)):
        v = [(float(x), float(y), 1.0) for x, y in line]
        expected = [v[0]]
        for i in range(len(v) - 1):
            expected += curve_piece(v[max(i - 1, 0)], v[i], v[i + 1], v[min(i + 2, len(v) - 1)])
        assert np.array_equal(curve, np.array([p[:2] for p in expected]))
    assert curves_through([]) == []


def _crests_by_shifting(ink: np.ndarray) -> np.ndarray:
    """ridge_mask's rule written with shifted copies of the edge-padded ink, in float32."""
    from sketchfill.app.ridges import RIDGE_CONTRAST, RIDGE_MIN_INK, RIDGE_SPAN, RIDGE_SURE_INK

    r, (h, w) = RIDGE_SPAN, ink.shape
    pad = np.pad(ink, r, mode="edge")

    def at(dy: int, dx: int) -> np.ndarray:
        return pad[r + dy:r + dy + h, r + dx:r + dx + w]

    crest = np.zeros(ink.shape, bool)
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        near = (ink >= at(dy, dx)) & (ink >= at(-dy, -dx))
        far = np.maximum(at(r * dy, r * dx), at(-r * dy, -r * dx))
        crest |= near & (ink - far >= np.float32(RIDGE_CONTRAST))
    return (crest & (ink >= np.float32(RIDGE_MIN_INK))) | (ink >= np.float32(RIDGE_SURE_INK))


def test_ridge_mask_is_its_rule_to_the_pixel_at_edges_and_thresholds() -> None:
    from sketchfill.app.ridges import RIDGE_CONTRAST, RIDGE_MIN_INK, RIDGE_SURE_INK

    rng = np.random.default_rng(2)
    for _ in range(20):
        ink = rng.random((40, 56)).astype(np.float32)
        # Values on the thresholds, and rises of exactly the contrast next to them.
        spots = rng.random(ink.shape) < 0.2
        ink[spots] = rng.choice(np.float32([RIDGE_MIN_INK, RIDGE_SURE_INK, 0.5]), spots.sum())
        ink[:, ::7] = ink[:, 1::7][:, :ink[:, ::7].shape[1]] - np.float32(RIDGE_CONTRAST)
        ink = ink.clip(0, 1)
        assert np.array_equal(ridge_mask(ink), _crests_by_shifting(ink))
    # A crest exactly the contrast (in float32) above the ink two rows away: it passes.
    crest, far = np.float32(0.31), np.float32(0.23)
    assert crest - far == np.float32(RIDGE_CONTRAST)
    ink = np.full((9, 9), far, np.float32)
    ink[3:6] = np.float32(0.27)
    ink[4] = crest
    assert ridge_mask(ink)[4].all() and _crests_by_shifting(ink)[4].all()

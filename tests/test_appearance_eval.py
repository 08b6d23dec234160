"""Render-under-every-class verdicts, with stub renderers and a stub judge of known behaviour."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from sketchfill.models.evaluation import appearance_eval as ae
from sketchfill.models.evaluation.cases import HeldOut

CLASSES = ("red", "green", "blue")
COLOURS = {"red": (220, 20, 20), "green": (20, 200, 20), "blue": (20, 20, 220)}


class ColourJudge:
    """Names the class whose colour dominates the image."""

    name = "stub"

    def predict(self, rgb, allowed):
        means = rgb.reshape(len(rgb), -1, 3).mean(axis=1)
        return [allowed[int(np.argmax([-np.abs(m - COLOURS[c]).sum() for c in allowed]))]
                for m in means]


def circle(size=64) -> np.ndarray:
    img = np.full((size, size), 255, np.uint8)
    cv2.circle(img, (32, 32), 20, 0, 2)
    return img


ITEMS = [HeldOut(f"o/{c}", "objects", c, circle()) for c in CLASSES]


def verdicts(render):
    renders = ae.render_all(render, ITEMS, CLASSES, 32)
    return ae.judge_renders(renders, ITEMS, [ColourJudge()], CLASSES)


def test_a_class_gated_renderer_wins_everywhere():
    got = ae.summary(verdicts(lambda o, c, s: np.full((64, 64, 3), COLOURS[c], np.uint8)), "stub")
    assert got == {"all": 1.0, "own": 1.0, "other": 1.0, "swept": 1.0, "n": 9, "outlines": 3}


def test_a_renderer_that_follows_the_outline_loses_other_classes():
    def by_outline(outline, c, seed):  # ignores the requested class: colours of the outline's
        return np.full((64, 64, 3), COLOURS[current["outline"]], np.uint8)
    current = {}
    vs = []
    for it in ITEMS:
        current["outline"] = it.class_name
        vs += ae.judge_renders(ae.render_all(by_outline, [it], CLASSES, 32), [it],
                               [ColourJudge()], CLASSES)
    got = ae.summary(vs, "stub")
    assert got["own"] == 1.0 and got["other"] == 0.0 and got["swept"] == 0.0
    assert got["all"] == pytest.approx(1 / 3)
    assert ae.per_class(vs, "stub")["red"] == {"all": pytest.approx(1 / 3), "other": 0.0, "n": 3}
    assert ae.confusions(vs, "stub")[0][2] == 1


def test_flat_colour_baseline_fills_the_inside_only():
    inside = ae.inside_of(circle())
    assert inside[32, 32] and not inside[2, 2]
    rgb = ae.flat_colour_renderer({"red": np.array([200.0, 0, 0])})(circle(), "red", 0)
    assert tuple(rgb[32, 32]) == (200, 0, 0) and tuple(rgb[2, 2]) == (255, 255, 255)
    assert tuple(rgb[32, 12]) == (0, 0, 0)  # the line stays black

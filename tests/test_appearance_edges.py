import math

import cv2
import numpy as np

from sketchfill.models.evaluation.appearance_eval import edge_recall, image_edges


def _circle_outline(size: int = 64) -> np.ndarray:
    outline = np.full((size, size), 255, np.uint8)
    cv2.circle(outline, (size // 2, size // 2), size // 3, 0, 2)
    return outline


def _render_following(size: int = 64) -> np.ndarray:
    rgb = np.full((size, size, 3), 255, np.uint8)
    cv2.circle(rgb, (size // 2, size // 2), size // 3, (200, 30, 30), -1)
    return rgb


def test_a_render_that_follows_the_outline_scores_about_one():
    assert edge_recall(_render_following(), _circle_outline()) > 0.95


def test_lines_drawn_over_the_colours_still_score_where_the_colours_follow():
    rgb = _render_following()
    cv2.circle(rgb, (32, 32), 64 // 3, (0, 0, 0), 2)
    assert edge_recall(rgb, _circle_outline()) > 0.95


def test_a_render_that_only_copies_the_lines_onto_a_blob_scores_about_zero():
    """A blob that ignores the outline, with the outline's lines drawn on it: the lines are
    the outline's own ink, not edges the colours make."""
    rgb = np.full((64, 64, 3), 255, np.uint8)
    cv2.rectangle(rgb, (4, 4), (60, 60), (200, 30, 30), -1)
    cv2.circle(rgb, (32, 32), 64 // 3, (0, 0, 0), 2)
    assert image_edges(rgb).any()
    assert edge_recall(rgb, _circle_outline()) < 0.05


def test_a_flat_colour_field_scores_zero():
    flat = np.full((64, 64, 3), (200, 30, 30), np.uint8)
    assert not image_edges(flat).any()
    assert edge_recall(flat, _circle_outline()) == 0.0


def test_a_blank_outline_has_no_recall():
    assert math.isnan(edge_recall(_render_following(), np.full((64, 64), 255, np.uint8)))


def test_mean_edge_recall_scores_each_render_against_its_resized_outline():
    from sketchfill.models.evaluation.appearance_eval import mean_edge_recall
    outline = _circle_outline(128)
    renders = {("c", "apple"): _render_following(64),
               ("c", "pear"): np.full((64, 64, 3), 90, np.uint8)}
    assert abs(mean_edge_recall(renders, {"c": outline}) - 0.5) < 0.05

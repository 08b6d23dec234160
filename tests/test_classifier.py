"""Class judges: features, shape swapping, learning a separable toy problem, caching."""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
import torch

from sketchfill.models.evaluation import classifier as cl
from sketchfill.models.data import real_images as ri


def blob(colour, shape: str, size: int = 64) -> ri.RealImage:
    alpha = np.zeros((size, size), np.uint8)
    if shape == "disc":
        cv2.circle(alpha, (32, 32), 18, 255, -1)
    else:
        cv2.rectangle(alpha, (10, 22), (54, 42), 255, -1)
    rgb = np.full((size, size, 3), 255, np.uint8)
    rgb[alpha > 0] = colour
    name = f"{shape}-{colour}"
    return ri.RealImage("red" if colour[0] > 128 else "blue", name, rgb, alpha,
                        ri.spread(rgb, alpha))


RED, BLUE = (210, 30, 30), (30, 40, 200)
TOY = [blob(RED, "disc"), blob(RED, "bar"), blob(BLUE, "disc"), blob(BLUE, "bar")]


def test_colour_features_ignore_the_page_and_are_unit_norm():
    feats = cl.colour_features(np.stack([TOY[0].rgb, TOY[1].rgb]), cl.COLOUR_JUDGE)
    assert feats.shape == (2, cl.n_colour_features(cl.COLOUR_JUDGE))
    assert np.allclose((feats ** 2).sum(axis=1), 1.0, atol=1e-5)
    assert np.allclose(feats[0], feats[1], atol=1e-6)  # same colour, different shape


def test_swap_shape_keeps_colours_and_takes_the_other_silhouette():
    rgb, alpha = ri.swap_shape(TOY[0], TOY[3])
    assert np.array_equal(alpha, TOY[3].alpha)
    assert tuple(rgb[32, 32]) == RED and tuple(rgb[5, 5]) == (255, 255, 255)


@pytest.mark.parametrize("name", ["colour", "cnn-shapeswap"])
def test_judges_learn_colour_on_a_toy_problem(name, tmp_path):
    torch.set_num_threads(1)
    small = dataclasses.replace(cl.JUDGES[name], steps=60, batch=16, widths=(8, 16))
    judge = cl.load_or_train(name, small, TOY, ("red", "blue"), tmp_path)
    assert cl.accuracy(judge, TOY) == 1.0
    assert judge.predict(np.stack([TOY[0].rgb]), ["blue"]) == ["blue"]  # restricted choice
    cached = list((tmp_path / "judges").glob(f"{name}-*.pt"))
    assert len(cached) == 1
    again = cl.load_or_train(name, small, TOY, ("red", "blue"), tmp_path)
    x = np.stack([im.rgb for im in TOY])
    assert np.allclose(again.logits(x), judge.logits(x), atol=1e-5)


def test_unknown_judge_kind_is_an_error():
    with pytest.raises(ValueError, match="unknown judge kind"):
        cl.build_net(cl.JudgeConfig(kind="svm"), 2)


def test_swapped_accuracy_rewards_judging_by_colour():
    class ByColour:
        def predict(self, rgb, allowed=None):
            return ["red" if im[..., 0].mean() > im[..., 2].mean() else "blue" for im in rgb]

    class ByShape:
        def predict(self, rgb, allowed=None):  # discs are "red", bars "blue"
            return ["red" if (im[20, 32] < 250).any() else "blue" for im in rgb]

    assert cl.swapped_accuracy(ByColour(), TOY) == 1.0
    assert cl.swapped_accuracy(ByShape(), TOY) == 0.5
    assert np.isnan(cl.swapped_accuracy(ByColour(), TOY[:2]))

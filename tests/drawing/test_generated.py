"""Generated drawings: varied, repeatable, what the Draw page's canvas sends, and split so that the
default models' build never sees the drawings they are measured on."""

import numpy as np
import pytest

from digitnet.drawing import generated
from digitnet.drawing.generated import (
    AMBIGUOUS,
    DIGITS,
    EVAL_ONLY_FAMILIES,
    FOR_BUILDING,
    FOR_MEASURING,
    NONDIGITS,
    TRAIN_FAMILIES,
    DrawnSet,
    rgba,
)
from digitnet.drawing.preprocess import preprocess
from tests.test_layout import PACKAGE, imported

LOOK_LIKE_DIGITS = {"O", "S", "Z", "l", "I", "B", "G", "b", "g", "q", "T", "circle"}


@pytest.fixture(scope="module")
def digits():
    labels, canvases = zip(*DrawnSet(20, 7).drawings())
    return np.array(labels), list(canvases)


def ink_box(canvas: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.nonzero(canvas > 127)
    return rows.min(), rows.max(), cols.min(), cols.max()


def test_the_drawings_are_varied(digits):
    labels, canvases = digits
    assert (np.bincount(labels) == 20).all()
    assert all(c.shape == (280, 280) and c.dtype == np.uint8 for c in canvases)
    boxes = np.array([ink_box(c) for c in canvases])
    sizes = np.maximum(boxes[:, 1] - boxes[:, 0], boxes[:, 3] - boxes[:, 2])
    middles = (boxes[:, 2] + boxes[:, 3]) / 2
    assert sizes.min() < 100 and sizes.max() > 230  # small and large
    assert middles.min() < 90 and middles.max() > 190  # drawn left and right
    ink = np.array([(c > 127).sum() / max(s, 1) ** 2 for c, s in zip(canvases, sizes)])
    assert ink.max() > 4 * ink.min()  # thin and thick strokes


def test_the_same_seed_draws_the_same():
    first, again, other = (list(DrawnSet(1, seed).drawings()) for seed in (5, 5, 6))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(first, again))
    assert not any(np.array_equal(a[1], b[1]) for a, b in zip(first, other))


def test_what_a_model_sees_is_the_pages_preprocessing():
    spec = DrawnSet(1, 9, ("star", "W"))
    labels, images = spec.model_inputs()
    assert list(labels) == ["star", "W"] and images.shape == (2, 784) and images.dtype == np.float32
    for image, (_, canvas) in zip(images, spec.drawings()):
        assert np.array_equal(image, preprocess(rgba(canvas)).reshape(784))  # as the canvas sends it, too


def test_the_sets_are_split():
    assert set(TRAIN_FAMILIES).isdisjoint(EVAL_ONLY_FAMILIES) and not LOOK_LIKE_DIGITS & set(NONDIGITS)
    assert set(DIGITS) == set(range(10)) and set(AMBIGUOUS) == {"square"}
    assert set(FOR_BUILDING["nondigits"].families) == set(TRAIN_FAMILIES)
    assert set(FOR_MEASURING["nondigits_held_out"].families) == set(EVAL_ONLY_FAMILIES)
    every = [*FOR_BUILDING.values(), *FOR_MEASURING.values()]
    assert len({spec.seed for spec in every}) == len(every)  # no drawing is in two sets


def test_the_build_uses_only_the_sets_for_building():
    for module in ("defaults.py", "shipped_nets.py"):
        names = {name for name in imported(PACKAGE / "drawing" / module) if name.startswith(generated.__name__)}
        # the build names the training families only to say which it used (shipped_nets.OUTLIERS)
        allowed = {generated.__name__} | {f"{generated.__name__}.{name}" for name in ("FOR_BUILDING", "TRAIN_FAMILIES")}
        assert names <= allowed

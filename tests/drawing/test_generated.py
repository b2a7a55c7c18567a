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
    VARIANTS,
    DrawnSet,
    rgba,
)
from digitnet.drawing.preprocess import ink_of, preprocess, reaches_edge
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


def test_the_edge_style_reaches_the_edge_and_the_others_seldom():
    assert all(reaches_edge(ink_of(canvas)) for _, canvas in DrawnSet(3, 21, style="edge").drawings())
    for style in ("normal", "loose"):  # only when the hand's drift carries a large drawing to it
        assert np.mean([reaches_edge(ink_of(canvas)) for _, canvas in DrawnSet(10, 22, style=style).drawings()]) < 0.15


def aspect(canvas: np.ndarray) -> float:
    top, bottom, left, right = ink_box(canvas)
    return (right - left) / (bottom - top)


def test_a_variant_asked_for_is_drawn():
    assert set(VARIANTS[1]) >= {"stick", "long_flag"} and "big_loop" in VARIANTS[6] and "crossed" in VARIANTS[7]
    sticks, flags = ([aspect(c) for _, c in DrawnSet(20, 23, digits=(1,), variant=v).drawings()]
                     for v in ("stick", "long_flag"))
    assert 1.5 * np.median(sticks) < np.median(flags)  # a flag makes a 1 wider (a slant, too, so the medians)
    plain, crossed = ([c for _, c in DrawnSet(20, 24, digits=(7,), variant=v).drawings()] for v in ("plain", "crossed"))
    assert [len(DIGITS[7](np.random.default_rng(k), "crossed")[0]) for k in range(5)] == [2] * 5  # the bar's stroke
    assert np.mean([(c > 127).sum() for c in crossed]) > np.mean([(c > 127).sum() for c in plain])
    labels = [label for label, _ in DrawnSet(3, 25, digits=(6, 7)).drawings()]
    assert labels == [6, 7] * 3


def test_the_loose_hand_draws_the_same_template_otherwise():
    """Same template, same seed: the loose hand moves the strokes apart and rounds their ends."""
    template = DIGITS[4]
    strokes, _ = template(np.random.default_rng(5))
    loose = [generated.loosen(s, 0.06, np.random.default_rng(6)) for s in strokes]
    assert all(len(a) == len(b) + 2 for a, b in zip(loose, strokes))  # each end carried on or cut short
    moved = [np.abs(a[1:-1] - b).max() for a, b in zip(loose, strokes)]
    assert 0 < min(moved) and max(moved) < 0.3


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
    assert all(spec.style != "loose" for spec in FOR_BUILDING.values())  # the held-out hand is only measured
    every = [*FOR_BUILDING.values(), *FOR_MEASURING.values()]
    assert len({spec.seed for spec in every}) == len(every)  # no drawing is in two sets


def test_the_build_uses_only_the_sets_for_building():
    for module in ("defaults.py", "shipped_nets.py"):
        names = {name for name in imported(PACKAGE / "drawing" / module) if name.startswith(generated.__name__)}
        # the build names the training families only to say which it used (shipped_nets.OUTLIERS)
        allowed = {generated.__name__} | {f"{generated.__name__}.{name}" for name in ("FOR_BUILDING", "TRAIN_FAMILIES")}
        assert names <= allowed

"""The default 2-vs-6 models read mouse drawings: a few hundred generated ones (harness/drawings.py)."""

import numpy as np
import pytest
import torch

from digitnet.drawing.defaults import default_model
from digitnet.drawing.preprocess import preprocess
from harness.drawings import drawing, drawing_set

N_PER_DIGIT = 300


@pytest.fixture(scope="module")
def drawings():
    pairs = drawing_set(N_PER_DIGIT, seed=0)
    return np.array([digit for digit, _ in pairs]), [image for _, image in pairs]


@pytest.fixture(scope="module")
def seen(drawings):
    """What the models see: every drawing through the engine's preprocessing."""
    return torch.from_numpy(np.stack([preprocess(image) for image in drawings[1]])).reshape(-1, 784)


def answers(model, seen) -> np.ndarray:
    with torch.no_grad():
        return np.where(model(seen)[:, 0].numpy() > 0, 6, 2)


@pytest.mark.parametrize("kind, floor", [("mlp", 0.99), ("linear", 0.97)])
def test_default_models_read_drawings(drawings, seen, kind, floor):
    digits, _ = drawings
    accuracy = (answers(default_model(kind, (2, 6)).model, seen) == digits).mean()
    print(f"default {kind} 2 vs 6 on {len(digits)} drawings: accuracy {accuracy:.4f}")
    assert accuracy >= floor


def ink_box(image: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.nonzero(image[:, :, 0] > 127)
    return rows.min(), rows.max(), cols.min(), cols.max()


def test_the_set_is_varied(drawings):
    digits, images = drawings
    assert (digits == 2).sum() == (digits == 6).sum() == N_PER_DIGIT
    assert all(image.shape == (280, 280, 4) and image.dtype == np.uint8 for image in images)
    assert all((image[:, :, 3] == 255).all() for image in images[:20])  # opaque, as the canvas's black background
    boxes = np.array([ink_box(image) for image in images])
    heights, middles = boxes[:, 1] - boxes[:, 0], (boxes[:, 2] + boxes[:, 3]) / 2
    assert heights.min() < 80 and heights.max() > 220  # small and large digits
    assert middles.min() < 80 and middles.max() > 200  # drawn left and right
    ink = np.array([(image[:, :, 0] > 127).sum() / max(h, 1) ** 2 for image, h in zip(images, heights)])
    assert ink.max() > 3 * ink.min()  # thin and thick strokes
    rng = np.random.default_rng(7)
    assert not np.array_equal(drawing(6, rng), drawing(6, rng))


def test_grain_and_shade_on_paper_leave_the_digit_alone():
    # a drawing photographed: dark ink on paper that is grainy and darker towards one corner
    canvas = drawing(2, np.random.default_rng(3))[:, :, 0].astype(np.float32) / 255
    rows, cols = np.indices(canvas.shape)
    paper = 0.95 - 0.15 * (rows + cols) / 560 + np.random.default_rng(0).normal(0, 0.02, canvas.shape)
    photo = np.clip(paper * (1 - 0.7 * canvas), 0, 1)
    assert np.abs(preprocess(photo) - preprocess(canvas)).mean() < 0.03

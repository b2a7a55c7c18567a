import numpy as np
import pytest
import torch
import torch.nn.functional as F

from digitnet.drawing.generated import DrawnSet
from digitnet.drawing.preprocess import preprocess
from digitnet.lesson.augment import affine_grid, augment, change_thickness, dilate, draw_augment, normalise
from digitnet.lesson.dataset import load_dataset


def seeded(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.fixture(scope="module")
def images():
    return load_dataset().train_x[::1000]


def centre_of_mass(images):
    pixels = images.view(-1, 28, 28)
    rows = torch.arange(28.0).view(1, 28, 1)
    cols = torch.arange(28.0).view(1, 1, 28)
    total = pixels.sum((1, 2))
    return torch.stack([(pixels * rows).sum((1, 2)) / total, (pixels * cols).sum((1, 2)) / total], 1)


def test_shape_and_range(images):
    out = augment(images, seeded())
    assert out.shape == images.shape and out.dtype == torch.float32
    assert out.min() >= 0 and out.max() <= 1 + 1e-6
    assert not torch.allclose(out, images)


def test_nothing_to_change_is_identity(images):
    out = augment(images, seeded(), max_shift=0, max_degrees=0, max_scale=0)
    assert torch.allclose(out, images, atol=1e-5)


def test_generator_decides(images):
    assert torch.equal(augment(images, seeded(1)), augment(images, seeded(1)))
    assert not torch.equal(augment(images, seeded(1)), augment(images, seeded(2)))


def test_shift_is_bounded(images):
    out = augment(images, seeded(), max_shift=2, max_degrees=0, max_scale=0)
    moved = (centre_of_mass(out) - centre_of_mass(images)).abs()
    assert moved.max() <= 2.1
    assert moved.max() > 0.5
    # MNIST digits have a margin, so two pixels of shift lose no ink
    assert torch.allclose(out.sum(1), images.sum(1), rtol=0.02)


def ink_box_side(images):
    """The longer side of each 28x28 image's box of pixels at least half as bright as its brightest."""
    pixels = images.view(-1, 28, 28)
    ink = pixels >= 0.5 * pixels.flatten(1).amax(1).view(-1, 1, 1)
    rows, cols = ink.any(2), ink.any(1)
    span = [(m.nonzero().max() - m.nonzero().min() + 1).item() for m in (*rows, *cols)]
    n = len(pixels)
    return torch.tensor([max(span[i], span[n + i]) for i in range(n)])


def test_drawn_look_is_normalised_like_a_drawing(images):
    out = draw_augment(images, seeded())
    assert out.shape == images.shape and out.dtype == torch.float32
    assert torch.allclose(out.amax(1), torch.ones(len(out)))  # brightest pixel 1, as preprocess makes it
    sides = ink_box_side(out)  # the longer side 20 pixels (a thin stroke's faint parts may fall below half)
    assert sides.median() == 20 and sides.max() <= 21
    assert (centre_of_mass(out) - 13.5).abs().max() <= 1.0  # centred by mass, give or take the jitter
    assert not torch.allclose(out, images, atol=0.1)


def test_drawn_look_follows_the_generator(images):
    assert torch.equal(draw_augment(images, seeded(1)), draw_augment(images, seeded(1)))
    assert not torch.equal(draw_augment(images, seeded(1)), draw_augment(images, seeded(2)))


def test_stroke_width_changes_the_ink(images):
    canvas = images.view(-1, 1, 28, 28)
    n = len(canvas)
    assert torch.equal(change_thickness(canvas, torch.zeros(n)), canvas)
    wider, thinner = change_thickness(canvas, torch.full((n,), 2.0)), change_thickness(canvas, torch.full((n,), -0.5))
    assert (wider.sum((1, 2, 3)) > 1.3 * canvas.sum((1, 2, 3))).all()
    assert (thinner.sum((1, 2, 3)) < canvas.sum((1, 2, 3))).all()
    # two whole steps of dilation are two 3x3 maximum filters
    twice = F.max_pool2d(F.max_pool2d(canvas, 3, 1, 1), 3, 1, 1)
    assert torch.equal(wider, twice)


def test_the_fast_grid_and_dilation_are_torchs():
    theta = torch.randn(4, 2, 3, generator=seeded())
    assert torch.allclose(affine_grid(theta, 56), F.affine_grid(theta, (4, 1, 56, 56), align_corners=False), atol=1e-6)
    x = torch.rand(3, 1, 20, 20, generator=seeded())
    assert torch.equal(dilate(x), F.max_pool2d(x, 3, 1, 1))


def test_normalise_does_what_preprocess_does():
    for _, canvas in DrawnSet(1, 3).drawings():  # one generated drawing of each digit
        ours = normalise(torch.tensor(canvas, dtype=torch.float32).div(255).view(1, 1, 280, 280))[0, 0].numpy()
        assert np.abs(ours - preprocess(canvas)).mean() < 0.06

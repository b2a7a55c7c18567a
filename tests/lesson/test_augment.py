import pytest
import torch

from digitnet.lesson.augment import augment
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

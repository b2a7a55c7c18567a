"""The shipped nets' build: the recipe repeats itself, its copies, "none of these", the threshold."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from digitnet.drawing import shipped_nets
from digitnet.drawing.defaults import recipe, shipped_path
from digitnet.drawing.generated import FOR_MEASURING, DrawnSet
from digitnet.drawing.shipped_nets import (
    RECIPE,
    DrawingRecipe,
    TrainingImages,
    augmented_copies,
    none_of_these,
    train_to_read_drawings,
)
from digitnet.files.modelfile import read_model_file
from digitnet.lesson.dataset import ALL_DIGITS, load_dataset
from digitnet.lesson.losses import probabilities


@pytest.fixture(scope="module")
def few_images():
    """A little of what the shipped nets learn from: 600 MNIST digits and 48 generated non-digits,
    with two augmented copies of each."""
    data = load_dataset(ALL_DIGITS)
    keep = torch.arange(0, 60_000, 100)
    _, nondigits = DrawnSet(3, 77, ("star", "W", "zigzag", "hash")).model_inputs()
    generator = torch.Generator().manual_seed(0)
    return TrainingImages(augmented_copies(data.train_x[keep], 2, generator), data.train_y[keep],
                          augmented_copies(torch.from_numpy(nondigits), 2, generator))


def test_the_drawing_recipe_repeats_itself(few_images):
    settings = recipe("mlp", (2, 6)).replace(epochs=1)
    short = DrawingRecipe(copies=2)
    first, again = (train_to_read_drawings(settings, few_images, log=lambda _: None, drawing=short) for _ in range(2))
    for (name, mine), (_, theirs) in zip(first.model.named_parameters(), again.model.named_parameters()):
        assert torch.equal(mine, theirs), name
    assert first.metrics == again.metrics and first.metrics["recipe"]["copies"] == 2


def test_copies_are_the_images_through_draw_augment():
    images = load_dataset((2, 6)).train_x[:5]
    raw, copy = augmented_copies(images, 1, torch.Generator().manual_seed(3))
    assert raw.dtype == copy.dtype == torch.uint8 and torch.equal(raw, (images * 255).round().to(torch.uint8))
    expected = shipped_nets.draw_augment(images, torch.Generator().manual_seed(3))
    assert torch.equal(copy, (expected.clamp(0, 1) * 255).round().to(torch.uint8))


def test_none_of_these_is_cross_entropy_to_equal_probabilities():
    outputs = torch.randn(6, 10, generator=torch.Generator().manual_seed(0))
    assert none_of_these(outputs) == pytest.approx(F.cross_entropy(outputs, torch.full((6, 10), 0.1)).item())
    logit = torch.zeros(3, 1, requires_grad=True)
    none_of_these(logit).backward()
    assert torch.equal(logit.grad, torch.zeros(3, 1))  # a pair's output is pushed to 0: neither digit
    assert none_of_these(torch.full((3, 1), 2.0)) > none_of_these(torch.zeros(3, 1))


@pytest.mark.parametrize("digits, share", [((2, 6), RECIPE.flagged_share[0]), (ALL_DIGITS, RECIPE.flagged_share[1])])
def test_the_threshold_flags_its_share_of_generated_digits(digits, share):
    saved = read_model_file(shipped_path("mlp", digits))
    labels, images = shipped_nets.FOR_BUILDING["digits"].model_inputs()
    with torch.no_grad():
        top = probabilities(saved.model(torch.from_numpy(images[np.isin(labels, digits)]))).amax(1).numpy()
    assert np.mean(top < saved.metrics["sure_threshold"]) == pytest.approx(share, abs=0.002)


def test_the_build_learns_from_drawn_digits_of_every_style_but_never_from_the_held_out_hand():
    learnt = [shipped_nets.FOR_BUILDING[name] for name in shipped_nets.DRAWN_DIGITS]
    assert {spec.variant for spec in learnt} == {None, "long_flag", "crossed", "big_loop"}
    assert {spec.style for spec in learnt} == {"normal", "edge"}
    held_out = [spec for name, spec in FOR_MEASURING.items() if name.startswith("held_out")]
    assert held_out and {spec.style for spec in held_out} == {"loose"}
    assert not {spec.seed for spec in learnt} & {spec.seed for spec in FOR_MEASURING.values()}

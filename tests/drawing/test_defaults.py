from dataclasses import asdict

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from digitnet.drawing import defaults
from digitnet.drawing.defaults import (
    OUTLIERS,
    RECIPE,
    SHIPPED_DIGITS,
    DrawingRecipe,
    TrainingImages,
    augmented_copies,
    default_model,
    none_of_these,
    reads_drawings,
    recipe,
    shipped_path,
    train_default,
    train_to_read_drawings,
)
from digitnet.drawing.generated import DrawnSet
from digitnet.errors import ModelFileError
from digitnet.files.modelfile import read_model_file
from digitnet.lesson.augment import DrawnLook
from digitnet.lesson.dataset import ALL_DIGITS, load_dataset
from digitnet.lesson.learner import evaluate
from digitnet.lesson.losses import loss_function
from digitnet.lesson.models import KINDS

# What each shipped model must reach on the validation set (and, for 2 vs 6, on drawings: test_defaults_on_drawings.py).
FLOORS = {("linear", (2, 6)): 0.97, ("mlp", (2, 6)): 0.99, ("linear", ALL_DIGITS): 0.9, ("mlp", ALL_DIGITS): 0.98}


@pytest.mark.parametrize("digits", SHIPPED_DIGITS)
@pytest.mark.parametrize("kind", KINDS)
def test_shipped_models_record_how_they_were_trained(kind, digits):
    path = shipped_path(kind, digits)
    assert path.stat().st_size < 1_000_000
    saved = read_model_file(path)
    assert saved.settings == recipe(kind, digits)
    assert saved.settings.augment == (kind == "mlp") and saved.settings.seed is not None
    assert saved.metrics["epochs"] == saved.settings.epochs
    assert saved.metrics["built_by"] == "scripts/build_default_models.py"
    # the score in the header is the model's real score
    data = load_dataset(digits)
    _, accuracy = evaluate(saved.model, data.valid_x, data.valid_y, loss_function(saved.settings.loss, data.binary))
    assert accuracy == pytest.approx(saved.metrics["accuracy"], abs=1e-6)
    assert accuracy >= FLOORS[kind, digits]
    assert default_model(kind, digits).settings == saved.settings
    if reads_drawings(kind, digits):  # what Settings cannot hold: the recipe and the "not sure" threshold
        recorded = {**asdict(RECIPE), "look": asdict(DrawnLook()), "outliers": OUTLIERS}
        assert saved.metrics["recipe"] == json_like(recorded)
        assert 0.5 < saved.metrics["sure_threshold"] < 1
    else:
        assert "sure_threshold" not in saved.metrics and "recipe" not in saved.metrics


def json_like(value):
    """As a model file's JSON header gives it back: tuples become lists."""
    if isinstance(value, dict):
        return {k: json_like(v) for k, v in value.items()}
    return [json_like(v) for v in value] if isinstance(value, tuple | list) else value


def test_the_recipe_rebuilds_the_shipped_model():
    shipped = default_model("linear", (2, 6))
    rebuilt = train_default("linear", (2, 6))
    for (name, mine), (_, theirs) in zip(rebuilt.model.named_parameters(), shipped.model.named_parameters()):
        assert torch.equal(mine, theirs), name


def test_other_pairs_are_trained_on_first_use():
    assert not shipped_path("linear", (3, 8)).exists()
    saved = default_model("linear", (3, 8))
    assert saved.settings == recipe("linear", (3, 8)) and saved.settings.digits == (3, 8)
    assert saved.metrics["accuracy"] > 0.9
    assert not shipped_path("linear", (3, 8)).exists()  # nothing is written next to the shipped files


def test_recipe_for_every_task():
    pair, ten = recipe("mlp", (6, 2)), recipe("mlp", "all")
    assert pair.digits == (6, 2) and ten.digits == ALL_DIGITS
    assert ten.epochs > pair.epochs  # ten digits need longer to read drawings of every digit
    with pytest.raises(ValueError, match="kind must be one of"):
        default_model("cnn", (2, 6))


@pytest.fixture(scope="module")
def few_images():
    """A little of what the shipped nets learn from: 1,200 MNIST digits and 48 generated non-digits,
    with two augmented copies of each."""
    data = load_dataset(ALL_DIGITS)
    keep = torch.arange(0, 60_000, 50)
    _, nondigits = DrawnSet(3, 77, ("star", "W", "zigzag", "hash")).model_inputs()
    generator = torch.Generator().manual_seed(0)
    return TrainingImages(augmented_copies(data.train_x[keep], 2, generator), data.train_y[keep],
                          augmented_copies(torch.from_numpy(nondigits), 2, generator))


def test_the_drawing_recipe_repeats_itself(few_images):
    settings = recipe("mlp", (2, 6)).replace(epochs=2)
    short = DrawingRecipe(copies=2)
    first, again = (train_to_read_drawings(settings, few_images, log=lambda _: None, drawing=short) for _ in range(2))
    for (name, mine), (_, theirs) in zip(first.model.named_parameters(), again.model.named_parameters()):
        assert torch.equal(mine, theirs), name
    assert first.metrics == again.metrics and first.metrics["recipe"]["copies"] == 2


def test_copies_are_the_images_through_draw_augment():
    images = load_dataset((2, 6)).train_x[:5]
    raw, copy = augmented_copies(images, 1, torch.Generator().manual_seed(3))
    assert raw.dtype == copy.dtype == torch.uint8 and torch.equal(raw, (images * 255).round().to(torch.uint8))
    expected = defaults.draw_augment(images, torch.Generator().manual_seed(3))
    assert torch.equal(copy, (expected.clamp(0, 1) * 255).round().to(torch.uint8))


def test_none_of_these_is_cross_entropy_to_equal_probabilities():
    outputs = torch.randn(6, 10, generator=torch.Generator().manual_seed(0))
    assert none_of_these(outputs) == pytest.approx(F.cross_entropy(outputs, torch.full((6, 10), 0.1)).item())
    logit = torch.zeros(3, 1, requires_grad=True)
    none_of_these(logit).backward()
    assert torch.equal(logit.grad, torch.zeros(3, 1))  # a pair's output is pushed to 0: neither digit
    assert none_of_these(torch.full((3, 1), 2.0)) > none_of_these(torch.zeros(3, 1))


def test_a_missing_shipped_net_is_never_trained_on_a_click(tmp_path, monkeypatch):
    monkeypatch.setattr(defaults, "MODELS", tmp_path)
    with pytest.raises(ModelFileError, match="build it with python -m scripts.build_default_models"):
        default_model("mlp", ALL_DIGITS)


def test_the_threshold_flags_its_share_of_generated_digits():
    saved = read_model_file(shipped_path("mlp", ALL_DIGITS))
    labels, images = defaults.FOR_BUILDING["digits"].model_inputs()
    with torch.no_grad():
        top = saved.model(torch.from_numpy(images)).softmax(1).amax(1).numpy()
    assert np.mean(top < saved.metrics["sure_threshold"]) == pytest.approx(RECIPE.flagged_share, abs=0.005)

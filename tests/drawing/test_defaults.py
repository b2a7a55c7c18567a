from dataclasses import asdict

import pytest
import torch

from digitnet.drawing import defaults
from digitnet.drawing.defaults import SHIPPED_DIGITS, default_model, reads_drawings, recipe, shipped_path, train_default
from digitnet.drawing.shipped_nets import LEARNT, OUTLIERS, RECIPE
from digitnet.errors import ModelFileError
from digitnet.files.modelfile import read_model_file
from digitnet.lesson.augment import DrawnLook
from digitnet.lesson.dataset import ALL_DIGITS, load_dataset
from digitnet.lesson.losses import loss_function
from digitnet.lesson.models import KINDS
from digitnet.lesson.run import evaluate

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
        recorded = {**asdict(RECIPE), "look": asdict(DrawnLook()), "learnt": LEARNT, "outliers": OUTLIERS}
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


def test_a_missing_shipped_net_is_never_trained_on_a_click(tmp_path, monkeypatch):
    monkeypatch.setattr(defaults, "MODELS", tmp_path)
    with pytest.raises(ModelFileError, match="build it with python -m scripts.build_default_models"):
        default_model("mlp", ALL_DIGITS)

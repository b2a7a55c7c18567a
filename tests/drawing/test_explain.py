import copy

import numpy as np
import pytest
import torch

from digitnet.drawing.defaults import default_model
from digitnet.drawing.explain import explain
from digitnet.drawing.predict import classify
from digitnet.lesson.dataset import load_dataset
from digitnet.lesson.models import LinearModel


@pytest.fixture(scope="module")
def pair():
    return load_dataset()


@pytest.fixture(scope="module")
def linear():
    return default_model("linear", (2, 6)).model


@pytest.fixture(scope="module")
def mlp():
    return default_model("mlp", (2, 6)).model


def validation_image(data, label: int, nth: int = 0) -> np.ndarray:
    index = int((data.valid_y[:, 0] == label).nonzero()[nth])
    return data.valid_x[index].reshape(28, 28).numpy()


def score(model, image: np.ndarray) -> float:
    with torch.no_grad():
        return model(torch.as_tensor(image).reshape(1, 784))[0, 0].item()


@pytest.mark.parametrize("label", [0, 1])
def test_linear_is_weight_times_pixel(linear, pair, label):
    image = validation_image(pair, label)
    why = explain(linear, image, pair.class_digits)
    expected = (linear.weights[:, 0] * torch.from_numpy(image).reshape(784)).detach().numpy()
    assert np.array_equal(why.contributions, expected)
    assert why.contributions.shape == (784,) and why.contributions.dtype == np.float32
    # the contributions and the bias add up to the score the answer comes from
    assert why.contributions.sum() + linear.bias.item() == pytest.approx(why.score, abs=1e-4)
    assert why.score == pytest.approx(score(linear, image), abs=1e-6)
    assert (why.towards, why.against) == (6, 2)
    assert np.all(why.contributions[image.reshape(784) == 0] == 0)  # no ink, no push


def test_mlp_is_input_gradient_times_input(mlp, pair):
    image = validation_image(pair, 1)
    why = explain(mlp, image, pair.class_digits)
    # central differences on a float64 copy, one pixel at a time (all 784 in one batch)
    exact = copy.deepcopy(mlp).double()
    x = torch.from_numpy(image).double().reshape(1, 784)
    eps = 1e-4
    steps = torch.eye(784, dtype=torch.float64) * eps
    with torch.no_grad():
        gradient = (exact(x + steps)[:, 0] - exact(x - steps)[:, 0]) / (2 * eps)
    expected = (gradient * x[0]).numpy()
    assert np.abs(why.contributions - expected).max() < 1e-3 * np.abs(expected).max()
    assert why.score == pytest.approx(score(mlp, image), abs=1e-5)


@pytest.mark.parametrize("label", [0, 1])
def test_linear_signs_say_which_way_each_pixel_pushes(linear, pair, label):
    image = validation_image(pair, label, nth=3)
    pushes = explain(linear, image, pair.class_digits).contributions.reshape(28, 28)
    towards_six, towards_two = pushes > 0, pushes < 0
    # rubbing out the ink marked "towards 6" lowers the score by exactly its pushes; "towards 2" raises it
    whole = score(linear, image)
    assert score(linear, image * ~towards_six) == pytest.approx(whole - pushes[towards_six].sum(), abs=1e-4)
    assert score(linear, image * ~towards_two) == pytest.approx(whole - pushes[towards_two].sum(), abs=1e-4)
    assert pushes[towards_six].sum() > 0 > pushes[towards_two].sum()


@pytest.mark.parametrize("label", [0, 1])
def test_mlp_ink_marked_for_the_answer_holds_it_up(mlp, pair, label):
    for nth in range(5):
        image = validation_image(pair, label, nth)
        pushes = explain(mlp, image, pair.class_digits).contributions.reshape(28, 28)
        if label == 1:  # a 6: without the ink marked "towards 6" the score falls
            assert score(mlp, image * (pushes <= 0)) < score(mlp, image)
        else:  # a 2: without the ink marked "towards 2" the score rises
            assert score(mlp, image * (pushes >= 0)) > score(mlp, image)


def test_ten_digits_explain_the_predicted_digit():
    model = LinearModel(n_outputs=10, generator=torch.Generator().manual_seed(0))
    image = np.random.default_rng(1).random((28, 28), dtype=np.float32)
    digits = tuple(range(10))
    why = explain(model, image, digits)
    answer = classify(model, image, digits)
    assert why.towards == answer.digit and why.against is None
    expected = (model.weights[:, answer.digit] * torch.from_numpy(image).reshape(784)).detach().numpy()
    assert np.array_equal(why.contributions, expected)


def test_leaves_the_model_untouched_and_works_without_grad(mlp, pair):
    image = validation_image(pair, 0)
    before = {name: p.detach().clone() for name, p in mlp.named_parameters()}
    with torch.no_grad():
        why = explain(mlp, image, pair.class_digits)
    assert np.abs(why.contributions).sum() > 0
    for name, p in mlp.named_parameters():
        assert p.grad is None, name  # the optimiser would read any gradient left here
        assert torch.equal(p, before[name])

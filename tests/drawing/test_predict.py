import numpy as np
import pytest
import torch
from PIL import Image

from digitnet.drawing.predict import UNSURE_BELOW, classify, threshold_of
from digitnet.drawing.preprocess import preprocess
from digitnet.lesson.dataset import load_dataset
from digitnet.lesson.models import LinearModel
from digitnet.lesson.run import Run
from digitnet.lesson.settings import Settings


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def model(dataset):
    run = Run(Settings(epochs=1, seed=0), dataset)
    for _ in run.fit():
        pass
    return run.model


def first_validation_image(dataset, label):
    index = int((dataset.valid_y[:, 0] == label).nonzero()[0])
    return dataset.valid_x[index].reshape(28, 28).numpy()


@pytest.mark.parametrize("label, digit", [(0, 2), (1, 6)])
def test_real_images(model, dataset, label, digit):
    answer = classify(model, first_validation_image(dataset, label), dataset.class_digits)
    assert answer.digit == digit
    assert answer.probability > 0.5
    assert set(answer.probabilities) == {2, 6}
    assert sum(answer.probabilities.values()) == pytest.approx(1)
    assert answer.probabilities[digit] == answer.probability


@pytest.mark.parametrize("label, digit", [(0, 2), (1, 6)])
def test_enlarged_and_preprocessed(model, dataset, label, digit):
    # What the app does with a drawing: a 280x280 picture, brought back to MNIST's form.
    pixels = (first_validation_image(dataset, label) * 255).astype(np.uint8)
    picture = Image.fromarray(pixels).resize((280, 280), Image.Resampling.BILINEAR)
    assert classify(model, preprocess(picture), dataset.class_digits).digit == digit


def test_ten_digits():
    model = LinearModel(n_outputs=10, generator=torch.Generator().manual_seed(0))
    image = np.random.default_rng(0).random((28, 28), dtype=np.float32)
    answer = classify(model, image, tuple(range(10)))
    with torch.no_grad():
        expected = int(model(torch.from_numpy(image).reshape(1, 784)).argmax())
    assert answer.digit == expected
    assert list(answer.probabilities) == list(range(10))
    assert answer.probability == max(answer.probabilities.values())
    assert sum(answer.probabilities.values()) == pytest.approx(1)


def test_label_order_follows_class_digits(model, dataset):
    # the same model read with the classes swapped gives the other digit
    image = first_validation_image(dataset, 1)
    assert classify(model, image, (6, 2)).digit == 2


def test_sure_when_the_top_probability_reaches_the_threshold(model, dataset):
    image = first_validation_image(dataset, 1)
    answer = classify(model, image, dataset.class_digits)
    assert answer.sure  # a pair's top probability is at least one half: without a threshold it is always sure
    assert classify(model, image, dataset.class_digits, threshold=answer.probability).sure
    flagged = classify(model, image, dataset.class_digits, threshold=np.nextafter(answer.probability, 1))
    assert not flagged.sure and flagged.digit == answer.digit and flagged.probabilities == answer.probabilities


def test_a_near_tie_among_ten_is_not_sure():
    model = LinearModel(n_outputs=10)
    with torch.no_grad():
        model.weights.zero_()
        model.bias.copy_(torch.tensor([1.0, 1.0, 0, 0, 0, 0, 0, 0, 0, 0]))  # 0 and 1 at about 0.27 each
    answer = classify(model, np.zeros((28, 28), np.float32), tuple(range(10)))
    assert answer.digit == 0 and answer.probability == pytest.approx(np.e / (2 * np.e + 8)) and not answer.sure


@pytest.mark.parametrize("metrics, threshold", [
    ({"sure_threshold": 0.88}, 0.88), ({}, UNSURE_BELOW), ({"sure_threshold": True}, UNSURE_BELOW),
    ({"sure_threshold": 1.5}, UNSURE_BELOW), ({"sure_threshold": 0}, UNSURE_BELOW),
    ({"sure_threshold": "0.9"}, UNSURE_BELOW), ({"sure_threshold": float("nan")}, UNSURE_BELOW), (None, UNSURE_BELOW),
])
def test_threshold_of_a_model_file(metrics, threshold):
    assert threshold_of(metrics) == threshold

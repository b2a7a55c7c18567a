import numpy as np
import pytest
import torch
from PIL import Image

from digitnet.drawing.predict import classify
from digitnet.drawing.preprocess import preprocess
from digitnet.lesson.dataset import load_dataset
from digitnet.lesson.learner import Run
from digitnet.lesson.models import LinearModel
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

import numpy as np
import pytest
import torch

from digitnet.files.mnist import Assets
from digitnet.lesson.baseline import class_means, mnist_distance, nearest_mean, pixel_baseline
from digitnet.lesson.dataset import ALL_DIGITS, load_dataset


@pytest.fixture(scope="module")
def pair():
    return load_dataset((2, 6))


def numpy_baseline(digits):
    """The lesson's recipe in plain numpy, straight from the image files."""
    source = Assets()
    means = [source.images("train", d).reshape(-1, 784).astype(np.float64).mean(axis=0) / 255 for d in digits]
    predicted, actual = [], []
    for label, digit in enumerate(digits):
        images = source.images("test", digit).reshape(-1, 784).astype(np.float64) / 255
        distances = np.stack([np.abs(images - mean).mean(axis=1) for mean in means], axis=1)
        predicted.append(distances.argmin(axis=1))
        actual.append(np.full(len(images), label))
    predicted, actual = np.concatenate(predicted), np.concatenate(actual)
    return np.stack(means), predicted, (predicted == actual).mean()


def test_pair_matches_numpy_and_beats_chance(pair):
    result = pixel_baseline(pair)
    means, predicted, accuracy = numpy_baseline((2, 6))
    assert result.accuracy == pytest.approx(accuracy, abs=1e-6)
    assert np.array_equal(result.predicted.numpy(), predicted)
    assert np.allclose(result.means.numpy(), means, atol=1e-6)
    assert result.accuracy > 0.9  # chance is 0.52: the commonest digit, 2, every time


def test_ten_digits_matches_numpy():
    result = pixel_baseline(load_dataset(ALL_DIGITS))
    means, predicted, accuracy = numpy_baseline(ALL_DIGITS)
    assert result.means.shape == (10, 784)
    # float32 against float64: a near tie may fall the other way for an image or two
    assert (result.predicted.numpy() == predicted).mean() > 0.999
    assert result.accuracy == pytest.approx(accuracy, abs=3e-4)
    assert result.accuracy > 0.5  # chance is 0.11


def test_class_means_average_each_label():
    x = torch.tensor([[0.0, 1.0], [1.0, 1.0], [0.5, 0.0]])
    labels = torch.tensor([0, 0, 1])
    assert torch.equal(class_means(x, labels, 2), torch.tensor([[0.5, 1.0], [0.5, 0.0]]))


def test_distance_is_mean_absolute_difference():
    images = torch.tensor([[0.0, 1.0, 0.5, 0.5], [1.0, 1.0, 1.0, 1.0]])
    mean = torch.tensor([0.5, 0.5, 0.5, 0.5])
    assert torch.allclose(mnist_distance(images, mean), torch.tensor([0.25, 0.5]))


def test_nearest_mean_picks_the_closest_average(pair):
    means = class_means(pair.train_x, pair.train_y[:, 0].long(), 2)
    # an average is nearest to itself; a slightly darkened one still is
    assert nearest_mean(torch.stack([means[0], means[1], means[1] * 0.9]), means).tolist() == [0, 1, 1]

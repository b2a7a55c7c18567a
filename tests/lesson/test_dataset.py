import numpy as np
import pytest
import torch
from PIL import Image

from digitnet.errors import DataError
from digitnet.files.mnist import Assets
from digitnet.lesson.dataset import describe_digits, either_digit, load_dataset, parse_digits


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


def test_two_vs_six_sizes(dataset):
    assert dataset.digits == (2, 6)
    assert dataset.train_x.shape == (11_876, 784)
    assert dataset.valid_x.shape == (1_990, 784)
    assert dataset.train_y.shape == (11_876, 1)
    assert dataset.valid_y.shape == (1_990, 1)
    assert dataset.binary and dataset.n_outputs == 1
    assert str(dataset).startswith("2 vs 6: 11,876 training and 1,990 validation images")


@pytest.mark.parametrize("x_name, y_name, split", [("train_x", "train_y", "train"), ("valid_x", "valid_y", "test")])
def test_two_vs_six_stacked_class_by_class(dataset, x_name, y_name, split):
    x, y = getattr(dataset, x_name), getattr(dataset, y_name)
    twos, sixes = Assets().images(split, 2), Assets().images(split, 6)
    n = len(twos)
    assert (y[:n] == 0).all() and (y[n:] == 1).all()
    assert y.dtype == torch.float32
    # Every 2 in the source's order, then every 6.
    assert torch.equal(x[:n], torch.tensor(twos).reshape(-1, 784).float() / 255)
    assert torch.equal(x[n:], torch.tensor(sixes).reshape(-1, 784).float() / 255)


def test_pixels(dataset):
    for x in (dataset.train_x, dataset.valid_x):
        assert x.dtype == torch.float32
        assert x.min() == 0 and x.max() == 1


def test_second_digit_is_label_one():
    data = load_dataset("6 2")
    n_sixes = len(Assets().images("train", 6))
    assert (data.train_y[:n_sixes] == 0).all() and (data.train_y[n_sixes:] == 1).all()
    assert data.class_digits == (6, 2)


def test_all_ten_digits():
    data = load_dataset("all")
    assert data.train_x.shape == (60_000, 784)
    assert data.valid_x.shape == (10_000, 784)
    assert not data.binary and data.n_outputs == 10
    assert data.train_y.dtype == torch.int64 and data.train_y.shape == (60_000,)
    for y, split in ((data.train_y, "train"), (data.valid_y, "test")):
        counts = [len(Assets().images(split, d)) for d in range(10)]
        assert torch.equal(y, torch.repeat_interleave(torch.arange(10), torch.tensor(counts)))


def test_loaded_once():
    assert load_dataset((2, 6)) is load_dataset("2,6")


@pytest.mark.parametrize(
    "value, digits",
    [("2 6", (2, 6)), ("3,8", (3, 8)), ([9, 0], (9, 0)), (("1", "7"), (1, 7)), ("ALL", tuple(range(10))),
     (range(10), tuple(range(10)))],
)
def test_parse_digits(value, digits):
    assert parse_digits(value) == digits


@pytest.mark.parametrize(
    "value, message",
    [
        ("3 3", "two different digits; both are 3"),
        ((2, 10), "from 0 to 9"),
        ((-1, 2), "from 0 to 9"),
        ("1 2 3", "from 0 to 9, or all ten"),
        ("7", "from 0 to 9, or all ten"),
        ("two six", "two digits such as '2 6'"),
        (None, "two digits such as '2 6'"),
    ],
)
def test_parse_digits_errors(value, message):
    with pytest.raises(DataError, match=message):
        parse_digits(value)


def test_describe_digits():
    assert describe_digits((2, 6)) == "2 vs 6"
    assert describe_digits(tuple(range(10))) == "all ten digits"


def test_a_pair_is_named_with_its_articles():
    """The Draw page, the command line and exported code say "an 8" (the command line said "a 8")."""
    assert either_digit((2, 6)) == "a 2 or a 6" and either_digit((8, 3)) == "an 8 or a 3"


def test_dataset_from_png_folder(tmp_path):
    images = {}
    for split in ("training", "testing"):
        for digit, n in ((4, 3), (9, 2)):
            folder = tmp_path / split / str(digit)
            folder.mkdir(parents=True)
            images[split, digit] = np.random.default_rng(digit).integers(0, 256, (n, 28, 28), dtype=np.uint8)
            for i, image in enumerate(images[split, digit]):
                Image.fromarray(image).save(folder / f"{i}.png")
    data = load_dataset("4 9", folder=str(tmp_path))
    assert data.train_x.shape == (5, 784) and data.valid_x.shape == (5, 784)
    assert data.train_y[:, 0].tolist() == [0, 0, 0, 1, 1]
    expected = np.concatenate([images["training", 4], images["training", 9]]).reshape(5, 784) / 255
    assert np.allclose(data.train_x.numpy(), expected)
    assert str(tmp_path) in data.source

import numpy as np

from digitnet.files.mnist import class_counts, sample_grid
from digitnet.lesson.dataset import load_dataset


def test_counts_match_the_dataset():
    counts = class_counts((2, 6))
    assert counts == {2: {"train": 5958, "test": 1032}, 6: {"train": 5918, "test": 958}}
    data = load_dataset((2, 6))
    assert sum(c["train"] for c in counts.values()) == len(data.train_x)


def test_sample_grid_holds_the_first_images_of_each_digit():
    grid = sample_grid((2, 6), per_digit=3, gap=2)
    assert grid.shape == (2 * 30 - 2, 3 * 30 - 2) and grid.dtype == np.uint8
    data = load_dataset((2, 6))
    first_six = (data.train_x[data.train_y[:, 0] == 1][1] * 255).round().numpy().reshape(28, 28)
    assert np.array_equal(grid[30:58, 30:58], first_six.astype(np.uint8))
    assert not grid[28:30].any()  # the gap between rows stays black

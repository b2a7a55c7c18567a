"""The dataset at a glance, from the raw images: counts per class and a few samples.

Uses numpy only, so the first page can show it before torch has been imported.
"""

import numpy as np

from .sources import open_source


def class_counts(digits, data: str | None = None) -> dict[int, dict[str, int]]:
    """digit -> {"train": n, "test": n}."""
    source = open_source(data)
    return {d: {split: len(source.images(split, d)) for split in ("train", "test")} for d in digits}


def sample_grid(digits, per_digit: int = 8, data: str | None = None, gap: int = 2) -> np.ndarray:
    """A uint8 image: one row per digit of its first `per_digit` training images."""
    source = open_source(data)
    cell = 28 + gap
    grid = np.zeros((cell * len(digits) - gap, cell * per_digit - gap), dtype=np.uint8)
    for row, digit in enumerate(digits):
        for col, image in enumerate(source.images("train", digit)[:per_digit]):
            grid[row * cell : row * cell + 28, col * cell : col * cell + 28] = image
    return grid

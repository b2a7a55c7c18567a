"""The task the models learn: a pair of digits (the second one is label 1) or all ten.

As in the lesson the images are stacked class by class (for 2 vs 6: every 2, then every 6),
and the MNIST test set serves as the validation set. Trained without shuffling, the
model sees a long run of one class, then of the other: the lesson's plateau at 0.5186.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from ..errors import DataError
from ..files.mnist import open_source

if TYPE_CHECKING:
    import torch

ALL_DIGITS = tuple(range(10))
DEFAULT_DIGITS = (2, 6)


def parse_digits(value) -> tuple[int, ...]:
    """(a, b) for a pair, `b` being the positive class, or 0..9 for "all"."""
    if isinstance(value, str):
        value = ALL_DIGITS if value.strip().lower() == "all" else value.replace(",", " ").split()
    try:
        digits = tuple(int(d) for d in value)
    except (TypeError, ValueError, OverflowError):  # int(inf) overflows
        raise DataError(f"digits must be two digits such as '2 6', or 'all'; got {value!r}") from None
    if digits == ALL_DIGITS:
        return digits
    if len(digits) != 2 or not all(0 <= d <= 9 for d in digits):
        raise DataError(f"choose two digits from 0 to 9, or all ten; got {digits}")
    if digits[0] == digits[1]:
        raise DataError(f"choose two different digits; both are {digits[0]}")
    return digits


def is_pair(digits: tuple[int, ...]) -> bool:
    """The one rule of a task's shape: two digits to tell apart (a model of one output, label 1 for the
    second digit), else all ten (ten outputs, one per digit)."""
    return len(digits) == 2


def outputs_for(digits: tuple[int, ...]) -> int:
    """How many outputs a model of the task has."""
    return 1 if is_pair(digits) else len(ALL_DIGITS)


def describe_digits(digits: tuple[int, ...]) -> str:
    return f"{digits[0]} vs {digits[1]}" if is_pair(digits) else "all ten digits"


def with_article(digit: int) -> str:
    return f"an {digit}" if digit == 8 else f"a {digit}"


def either_digit(digits: tuple[int, ...]) -> str:
    """What a pair's model answers: 'a 2 or a 6', 'an 8 or a 3'."""
    return f"{with_article(digits[0])} or {with_article(digits[1])}"


def targets(labels, digits: tuple[int, ...]):
    """What a task's model learns to output for images labelled with these digits, as its Dataset
    holds it: for a pair, (n, 1) float32, 1 for the second digit (label 1); for all ten, the digit."""
    return (labels == digits[1]).float().unsqueeze(1) if is_pair(digits) else labels


@dataclass(frozen=True, eq=False)
class Dataset:
    digits: tuple[int, ...]
    train_x: torch.Tensor  # (n, 784) float32 in [0, 1]
    train_y: torch.Tensor  # binary: (n, 1) float32 of 0/1; ten digits: (n,) int64
    valid_x: torch.Tensor
    valid_y: torch.Tensor
    source: str

    @property
    def binary(self) -> bool:
        return is_pair(self.digits)

    @property
    def n_outputs(self) -> int:
        return outputs_for(self.digits)

    @property
    def class_digits(self) -> tuple[int, ...]:
        """The digit each label stands for: label i is class_digits[i]."""
        return self.digits

    def __str__(self) -> str:
        return (
            f"{describe_digits(self.digits)}: {len(self.train_x):,} training and "
            f"{len(self.valid_x):,} validation images ({self.source})"
        )


def load_dataset(digits=DEFAULT_DIGITS, folder: str | None = None) -> Dataset:
    """Tensors for the task (digits as parse_digits takes them), from the MNIST in `folder`
    (default: $DIGITNET_DATA, else the shipped copy). The tasks used last are kept, shared by
    every session; the raw images stay with their source, so another task is quick to make."""
    return _load(parse_digits(digits), folder)


# As float32 a pair of digits takes about 50 MB, all ten 220 MB: a visitor trying every pair
# must not hold them all (a run keeps its own task alive as long as it needs it).
@lru_cache(maxsize=4)
def _load(digits: tuple[int, ...], folder: str | None) -> Dataset:
    import torch  # here, not at the top: the first page shows the digits without waiting for torch

    source = open_source(folder)
    splits = []
    for split in ("train", "test"):
        images = [source.images(split, d) for d in digits]
        x = torch.from_numpy(np.concatenate(images)).reshape(-1, 784).float().div_(255)
        labels = torch.from_numpy(np.repeat(np.array(digits), [len(i) for i in images]))
        splits += [x, targets(labels, digits)]
    return Dataset(digits, *splits, source=str(source))

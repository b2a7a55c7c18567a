"""A learner's own digits: drawings they labelled on the Draw page, kept in their session (the
Lab). A test set that is their own (how well does each model read *my* handwriting?), a file to
take home and load again (files/digitsheet.py), and images to fine-tune a model on
(lesson/fine_tune.py), every third of them kept aside to see whether it learned them.
"""

from __future__ import annotations

import copy
from contextlib import closing
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..errors import DigitsFileError
from ..files.digitsheet import MAX_DIGITS, read_sheet, sheet_bytes

if TYPE_CHECKING:  # they need torch, which the first page does without
    from ..lesson.dataset import Dataset
    from ..lesson.learner import Run
    from .lab import Lab

MIN_TO_FINE_TUNE = 6  # digits of the task: four to train on, two kept aside to measure
CELL, LABEL = 84, 18  # the grid's pixels: a digit three times its size, and its label under it
ASIDE = (230, 145, 20)  # the frame of a digit kept aside from fine-tuning


@dataclass(frozen=True)
class FineTuning:
    """What fine-tuning a model on the learner's digits did."""

    source: str  # the model it started from
    run: str  # the new run it made
    epochs: int
    n_trained: int  # the learner's digits mixed into the batches
    n_held_out: int  # ... and kept aside to measure with
    held_out_before: float
    held_out_after: float
    valid_before: float  # MNIST's validation set
    valid_after: float


class MyDigits:
    def __init__(self):
        self.images: list[np.ndarray] = []  # (28, 28) uint8, as the model saw each drawing
        self.labels: list[int] = []  # the digit the learner said it is

    def __len__(self) -> int:
        return len(self.labels)

    def add(self, image: np.ndarray, label: int) -> bool:
        """Keep a preprocessed (28, 28) image in [0, 1] with its label; False when it is the image
        added last (a second click on the same drawing) or there is no room left."""
        stored = np.clip(np.round(np.asarray(image, dtype=np.float32) * 255), 0, 255).astype(np.uint8)
        if not 0 <= int(label) <= 9 or stored.shape != (28, 28):
            raise ValueError(f"a (28, 28) image and a label from 0 to 9; got {stored.shape} and {label!r}")
        if (self.images and np.array_equal(self.images[-1], stored)) or len(self) >= MAX_DIGITS:
            return False
        self.images.append(stored)
        self.labels.append(int(label))
        return True

    def file(self) -> bytes:
        """All of them as one PNG sheet (files/digitsheet.py)."""
        return sheet_bytes(np.stack(self.images), self.labels)

    def load(self, data: bytes) -> int:
        """Add the digits of a sheet's bytes; how many. DigitsFileError says why a file is refused."""
        images, labels = read_sheet(data)
        if len(self) + len(labels) > MAX_DIGITS:
            raise DigitsFileError(f"you have {len(self)} digits: {len(labels)} more would pass {MAX_DIGITS:,}")
        self.images += list(images)
        self.labels += labels
        return len(labels)

    def of_task(self, digits: tuple[int, ...]) -> list[int]:
        """The indices of the digits a model of `digits` can read (for a pair, its two)."""
        return [i for i, label in enumerate(self.labels) if label in digits]

    def tensors(self, indices, digits: tuple[int, ...]):
        """(images (n, 784) float32, targets as the task's Dataset holds them) of those digits."""
        import torch

        from ..lesson.dataset import targets

        x = torch.from_numpy(np.stack([self.images[i] for i in indices])).reshape(-1, 784).float() / 255
        return x, targets(torch.tensor([self.labels[i] for i in indices]), digits)

    def accuracy(self, model, digits: tuple[int, ...]) -> tuple[float | None, int]:
        """The share of the task's digits the model reads right (None when there are none), and of how many."""
        indices = self.of_task(digits)
        if not indices:
            return None, 0
        return read_right(model, *self.tensors(indices, digits)), len(indices)

    def split(self, digits: tuple[int, ...]) -> tuple[list[int], list[int]]:
        """The task's digits to fine-tune on and to keep aside: every third (lesson/fine_tune.py)."""
        from ..lesson.fine_tune import held_out

        indices = self.of_task(digits)
        train, aside = held_out(len(indices))
        return [indices[i] for i in train], [indices[i] for i in aside]

    def picture(self, aside=()) -> Image.Image:
        """A grid of the digits, three times their size, ten to a row, each labelled; those whose
        index is in `aside` framed."""
        rows = -(-len(self) // 10)
        grid = Image.new("RGB", (10 * CELL, rows * (CELL + LABEL)), "white")
        pen, font = ImageDraw.Draw(grid), ImageFont.load_default(size=14)
        for i, (image, label) in enumerate(zip(self.images, self.labels)):
            x, y = (i % 10) * CELL, (i // 10) * (CELL + LABEL)
            grid.paste(Image.fromarray(image).resize((CELL - 4, CELL - 4), Image.Resampling.NEAREST), (x + 2, y + 2))
            if i in aside:
                pen.rectangle((x, y, x + CELL - 1, y + CELL - 1), outline=ASIDE, width=2)
            pen.text((x + CELL // 2, y + CELL + LABEL // 2), str(label), fill="black", font=font, anchor="mm")
        return grid


def read_right(model, x, y) -> float:
    """The share of images x the model answers as y says."""
    import torch

    from ..lesson.losses import accuracy

    with torch.no_grad():
        return accuracy(model(x), y)


def fine_tune_copy(lab: Lab, source: str, model, settings, file_metrics: dict, data: Dataset, epochs: int,
                   should_stop=lambda: False) -> tuple[Run, FineTuning]:
    """A copy of a model, trained `epochs` more epochs on its MNIST with the learner's digits of
    its task in every batch (all but every third, kept aside); kept in the lab as a new run."""
    from ..drawing.predict import SURE_THRESHOLD
    from ..lesson.fine_tune import fine_tune
    from ..lesson.learner import Run

    digits = settings.digits
    train, aside = lab.my_digits.split(digits)
    if len(train) + len(aside) < MIN_TO_FINE_TUNE:
        raise ValueError(f"at least {MIN_TO_FINE_TUNE} of the learner's digits of the task are needed")
    name = f"{source} + my digits ({len(lab.fine_tunings) + 1})"
    # A shipped net's "not sure" threshold was chosen for the weights it had: not kept.
    kept = {k: v for k, v in file_metrics.items() if k != SURE_THRESHOLD}
    run = Run(settings, data, model=copy.deepcopy(model), name=name, file_metrics=kept)
    held_x, held_y = lab.my_digits.tensors(aside, digits)
    before = (read_right(run.model, held_x, held_y), run.evaluate()[1])
    with closing(fine_tune(run, *lab.my_digits.tensors(train, digits), epochs)) as events:
        for _ in events:
            if should_stop():
                break
    lab.runs.append(run)
    outcome = FineTuning(source, name, epochs, len(train), len(aside), before[0], read_right(run.model, held_x, held_y),
                         before[1], run.evaluate()[1])
    lab.fine_tunings.append(outcome)
    return run, outcome

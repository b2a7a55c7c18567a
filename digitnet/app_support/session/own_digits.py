"""A learner's own digits: drawings they labelled on the Draw page, kept in their session (the
Lab). A test set that is their own (how well does each model read *my* handwriting?), a file to
take home and load again (files/digitsheet.py), and images to fine-tune a model on
(fine_tuning.py), every third of them kept aside to see whether it learned them. The page shows
them as a grid (views/digit_grid.py).
"""

import numpy as np

from ...errors import DigitsFileError
from ...files.digitsheet import MAX_DIGITS, read_sheet, sheet_bytes

MIN_TO_FINE_TUNE = 6  # digits of the task: four to train on, two kept aside to measure


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

        from ...lesson.dataset import targets

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
        from ...lesson.fine_tune import held_out

        indices = self.of_task(digits)
        train, aside = held_out(len(indices))
        return [indices[i] for i in train], [indices[i] for i in aside]


def read_right(model, x, y) -> float:
    """The share of images x the model answers as y says."""
    import torch

    from ...lesson.losses import accuracy

    with torch.no_grad():
        return accuracy(model(x), y)

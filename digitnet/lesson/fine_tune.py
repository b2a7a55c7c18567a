"""Fine-tuning: a model goes on learning with a few images of another kind in every mini-batch,
such as a learner's own handwriting.

MNIST is one population of handwriting and a learner's is another: a model trained on MNIST
may read theirs worse (distribution shift). Fine-tuning keeps the lesson's loop, steps 2 to 5
on every mini-batch, epoch after epoch (Run.repeat), and a hook before each batch adds a few of
the new images to it, drawn at random, so that the model learns them without forgetting MNIST. Whether
it learned them is measured on new images it never trained on, kept aside (held out), and what
it forgot of MNIST on the validation set.
"""

import math

import torch

from .hooks import Hook
from .run import Run

HELD_OUT_EVERY = 3  # every third new image is kept aside to measure with
SHARE = 1 / 8  # of a mini-batch's size: how many new images join each one


def held_out(n: int, every: int = HELD_OUT_EVERY) -> tuple[list[int], list[int]]:
    """The indices of n images to train on and to keep aside: every `every`-th one (the 3rd, the 6th...)."""
    kept = [i for i in range(n) if i % every == every - 1]
    return [i for i in range(n) if i % every != every - 1], kept


class MixIn(Hook):
    """Before each mini-batch: `per_batch` of the new images, drawn at random, join it."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, per_batch: int):
        self.x, self.y, self.per_batch = x, y, per_batch

    def before_batch(self, run, batch) -> None:
        mine = torch.randint(len(self.x), (self.per_batch,), generator=run.generator)
        batch.xb, batch.yb = torch.cat([batch.xb, self.x[mine]]), torch.cat([batch.yb, self.y[mine]])


def fine_tune(run: Run, new_x: torch.Tensor, new_y: torch.Tensor, epochs: int = 1, hooks=()):
    """Train `run`'s model `epochs` more epochs on its MNIST with new images (targets as the
    run's data has them) mixed into every mini-batch; yields as Run.fit does, which `hooks` join
    too. Stop iterating to stop."""
    per_batch = max(1, math.ceil(min(run.settings.bs, len(run.data.train_x)) * SHARE))
    yield from run.fit(epochs, [MixIn(new_x, new_y, per_batch), *hooks])

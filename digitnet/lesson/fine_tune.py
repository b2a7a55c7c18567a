"""Fine-tuning: a model goes on learning with a few images of another kind in every mini-batch,
such as a learner's own handwriting.

MNIST is one population of handwriting and a learner's is another: a model trained on MNIST
may read theirs worse (distribution shift). Fine-tuning keeps the lesson's loop, steps 2 to 5
on every mini-batch, epoch after epoch (Run.repeat), and adds a few of the new images to each
MNIST batch, drawn at random, so that the model learns them without forgetting MNIST. Whether
it learned them is measured on new images it never trained on, kept aside (held out), and what
it forgot of MNIST on the validation set.
"""

import math
import time

import torch

from .learner import BatchResult, Run, batch_indices
from .steps import train_batch

HELD_OUT_EVERY = 3  # every third new image is kept aside to measure with
SHARE = 1 / 8  # of a mini-batch's size: how many new images join each one


def held_out(n: int, every: int = HELD_OUT_EVERY) -> tuple[list[int], list[int]]:
    """The indices of n images to train on and to keep aside: every `every`-th one (the 3rd, the 6th...)."""
    kept = [i for i in range(n) if i % every == every - 1]
    return [i for i in range(n) if i % every != every - 1], kept


def fine_tune(run: Run, new_x: torch.Tensor, new_y: torch.Tensor, epochs: int = 1):
    """Train `run`'s model `epochs` more epochs on its MNIST with new images (targets as the
    run's data has them) mixed into every mini-batch; yields as Run.fit does. Stop iterating
    to stop."""
    yield from run.training(_repeat(run, new_x, new_y, epochs))


def _repeat(run: Run, new_x: torch.Tensor, new_y: torch.Tensor, epochs: int):
    n, s = len(run.data.train_x), run.settings
    per_batch = max(1, math.ceil(min(s.bs, n) * SHARE))
    for _ in range(epochs):
        epoch = len(run.history) + 1
        start, total, seen = time.perf_counter(), 0.0, 0
        for batch, indices in enumerate(batch_indices(n, s.bs, s.shuffle, run.generator), 1):
            xb, yb = run.batch(indices)
            mine = torch.randint(len(new_x), (per_batch,), generator=run.generator)
            xb, yb = torch.cat([xb, new_x[mine]]), torch.cat([yb, new_y[mine]])
            loss = train_batch(run.model, xb, yb, run.loss_fn, run.optimiser)
            run.record_batch(loss, epoch, batch)
            total, seen = total + loss * len(xb), seen + len(xb)
            yield BatchResult(epoch, batch, run.n_batches, loss)
        yield run.close_epoch(total / seen, time.perf_counter() - start)

"""The six steps of the lesson: initialise, predict, loss, gradients, step, repeat.

`train_batch` is steps 2 to 5 on one mini-batch; `Run.fit` repeats it (step 6) and
reports as it goes, so a caller can draw each epoch as it arrives or stop between batches.
"""

import math
import random
import threading
import time
from dataclasses import dataclass

import torch

from .augment import augment
from .data import Dataset
from .errors import Diverged, SettingsError
from .losses import accuracy, loss_function
from .models import build_model
from .optim import make_optimiser
from .settings import MAX_SEED, Settings

# A loss this large means the steps overshot: mnist_loss stays below 1, and a
# cross-entropy of 1000 needs an output of 1000 on the wrong side.
EXPLODED = 1000.0


def train_batch(model, xb, yb, loss_fn, optimiser) -> float:
    predictions = model(xb)  # step 2: predict
    loss = loss_fn(predictions, yb)  # step 3: loss
    loss.backward()  # step 4: gradients
    optimiser.step()  # step 5: step
    optimiser.zero_grad()
    return loss.item()


def batch_indices(n: int, bs: int, shuffle: bool, generator: torch.Generator):
    """Index of each mini-batch: slices of a fresh permutation, or of the data in order."""
    order = torch.randperm(n, generator=generator) if shuffle else None
    for start in range(0, n, bs):
        yield slice(start, start + bs) if order is None else order[start : start + bs]


@torch.no_grad()
def evaluate(model, x, y, loss_fn) -> tuple[float, float]:
    """Loss and accuracy on a whole set, in one pass."""
    outputs = model(x)
    return loss_fn(outputs, y).item(), accuracy(outputs, y)


@dataclass(frozen=True)
class BatchResult:
    epoch: int
    batch: int  # 1-based
    n_batches: int
    loss: float


@dataclass(frozen=True)
class EpochResult:
    epoch: int
    train_loss: float
    valid_loss: float
    accuracy: float
    seconds: float

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class Run:
    """One model with its optimiser and everything it went through.

    status: "new", "training", then "done", "stopped" (the caller stopped iterating) or
    "diverged"; "loaded" for a model read from a file.
    """

    def __init__(self, settings: Settings, data: Dataset, model=None, name: str = "run"):
        """A fresh model (step 1), or `model` when given: one loaded from a file, say."""
        settings = settings.checked()
        if settings.seed is None:
            settings = settings.replace(seed=random.randint(0, MAX_SEED))
        if settings.digits != data.digits:
            raise ValueError(f"settings are for digits {settings.digits}, the data for {data.digits}")
        self.settings = settings
        self.data = data
        self.name = name
        self.generator = torch.Generator().manual_seed(settings.seed)
        self.model = model or build_model(  # step 1: initialise
            settings.model, data.n_outputs, settings.hidden, settings.init, self.generator
        )
        self.optimiser = make_optimiser(settings.opt, self.model.parameters(), settings.lr)
        self.loss_fn = loss_function(settings.loss, data.binary)
        self.history: list[EpochResult] = []
        self.batch_losses: list[float] = []
        self.snapshots = [self.weights()]  # the parameters at the start and after each epoch
        self.diverged: str | None = None
        self.status = "new" if model is None else "loaded"
        self._idle = threading.Event()  # clear while a fit is under way, in whatever thread
        self._idle.set()

    @property
    def usable(self) -> bool:
        """Whether the model is worth asking: loaded, or trained at least a batch without diverging."""
        return self.status == "loaded" or (bool(self.batch_losses) and not self.diverged)

    def weights(self) -> dict[str, torch.Tensor]:
        return {name: p.detach().clone() for name, p in self.model.named_parameters()}

    def evaluate(self) -> tuple[float, float]:
        return evaluate(self.model, self.data.valid_x, self.data.valid_y, self.loss_fn)

    def metrics(self) -> dict:
        """How the model does now, as recorded in a model file."""
        valid_loss, valid_accuracy = self.evaluate()
        return {"accuracy": valid_accuracy, "valid_loss": valid_loss, "epochs": len(self.history)}

    def change_settings(self, settings: Settings) -> None:
        """Go on training this model with other settings: learning rate, optimiser, loss, batch
        size, shuffling, augmentation, epochs. What makes the model (its kind, digits and hidden
        sizes) cannot change; its seed and init record how it began, so they stay the run's.
        A new optimiser or learning rate starts a new optimiser: momentum and Adam forget their
        running averages."""
        settings = settings.checked()
        fixed = {"model": "the kind of model", "digits": "the digits"}
        if self.settings.model == "mlp":
            fixed["hidden"] = "the hidden layer sizes"
        changed = [text for name, text in fixed.items() if getattr(settings, name) != getattr(self.settings, name)]
        if changed:
            raise SettingsError(f"{' and '.join(changed)} cannot change for a model that exists: start a new one")
        settings = settings.replace(seed=self.settings.seed, init=self.settings.init, hidden=self.settings.hidden)
        if (settings.opt, settings.lr) != (self.settings.opt, self.settings.lr):
            self.optimiser = make_optimiser(settings.opt, self.model.parameters(), settings.lr)
        self.loss_fn = loss_function(settings.loss, self.data.binary)
        self.settings = settings

    def fit(self, epochs: int | None = None):
        """Train for `epochs` more epochs (default: the settings'), yielding after every
        batch (BatchResult) and epoch (EpochResult). Stop iterating to stop training."""
        self._idle.clear()
        self.status = "training"
        try:
            yield from self._epochs(epochs or self.settings.epochs)
            self.status = "done"
        finally:
            if self.status == "training":
                self.status = "stopped"
            self._idle.set()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no fit is under way; False if one still is after `timeout` seconds."""
        return self._idle.wait(timeout)

    def _epochs(self, epochs: int):
        x, y, s = self.data.train_x, self.data.train_y, self.settings
        n_batches = math.ceil(len(x) / s.bs)
        for _ in range(epochs):
            epoch = len(self.history) + 1
            start, total = time.perf_counter(), 0.0
            for batch, idx in enumerate(batch_indices(len(x), s.bs, s.shuffle, self.generator), 1):
                xb, yb = x[idx], y[idx]
                if s.augment:
                    xb = augment(xb, self.generator)
                loss = train_batch(self.model, xb, yb, self.loss_fn, self.optimiser)
                self.record_batch(loss, epoch, batch)
                total += loss * len(xb)
                yield BatchResult(epoch, batch, n_batches, loss)
            yield self.close_epoch(total / len(x), time.perf_counter() - start)  # step 6: repeat

    def record_batch(self, loss: float, epoch: int, batch: int) -> None:
        """Keep a batch's loss; Diverged, with advice, when it shows the steps overshot."""
        if not loss < EXPLODED:  # also catches NaN
            self.status = "diverged"
            self.diverged = (
                f"Training diverged in epoch {epoch}, batch {batch}: the loss became {loss:.4g}. "
                f"The steps were too big; try a smaller learning rate than {self.settings.lr:g}."
            )
            raise Diverged(self.diverged)
        self.batch_losses.append(loss)

    def close_epoch(self, train_loss: float, seconds: float) -> EpochResult:
        """Score the model on the validation set and keep the epoch's record and weights."""
        valid_loss, valid_accuracy = self.evaluate()
        result = EpochResult(len(self.history) + 1, train_loss, valid_loss, valid_accuracy, seconds)
        self.history.append(result)
        self.snapshots.append(self.weights())
        return result

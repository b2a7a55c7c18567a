"""A training run: a model, its optimiser and everything it went through.

`Run.repeat` is step 6, the loop, and the only loop over mini-batches in digitnet: steps 2 to 5
(steps.train_batch) on every mini-batch, epoch after epoch. Other code joins it through hooks
at named points (hooks.py): before a batch, after a step, after an epoch, when training ends.
The loop is made of three methods, next_batch, stepped and close_epoch, and the Stepper
(stepper.py) walks the same loop one step at a time through them. `Run.fit` reports as it goes,
so a caller can draw each epoch as it arrives or stop between batches.
"""

import math
import random
import time
import uuid
from dataclasses import dataclass

import torch

from ..errors import Diverged, SettingsError
from .dataset import Dataset
from .hooks import Augment, Hook, StopTraining
from .losses import accuracy, loss_function
from .optim import make_optimiser
from .settings import MAX_SEED, Settings
from .steps import initialise, train_batch

# A loss this large means the steps overshot: mnist_loss stays below 1, and a
# cross-entropy of 1000 needs an output of 1000 on the wrong side.
EXPLODED = 1000.0
MEASURED = ("accuracy", "valid_loss", "epochs")  # what Run.metrics measures afresh
# The weights a run keeps for the Weights page: at the start, then after at most this many epochs
# chosen evenly (and the last), within KEPT_WEIGHT_BYTES: a long run of a wide net must not fill
# the server's memory, nor its database.
KEPT_WEIGHTS = 10
KEPT_WEIGHT_BYTES = 6 * 2**20


def batch_count(n: int, bs: int) -> int:
    """Mini-batches in an epoch of n images: the last one holds what is left."""
    return math.ceil(n / bs)


def epoch_order(n: int, shuffle: bool, generator: torch.Generator) -> torch.Tensor | None:
    """The order an epoch takes the n images in: a fresh permutation, or None for as stored."""
    return torch.randperm(n, generator=generator) if shuffle else None


def batch_at(order: torch.Tensor | None, start: int, bs: int):
    """Index of the mini-batch of `bs` images from position `start` of an epoch's order: a slice
    when the order is as stored (slicing the data is faster than indexing it)."""
    return slice(start, start + bs) if order is None else order[start : start + bs]


def batch_indices(n: int, bs: int, shuffle: bool, generator: torch.Generator):
    """Index of each mini-batch of an epoch of n images, in the order the run takes them."""
    order = epoch_order(n, shuffle, generator)
    for start in range(0, n, bs):
        yield batch_at(order, start, bs)


def diverged_message(epoch: int, batch: int, loss: float, lr: float) -> str:
    """What a run says when a batch's loss shows that the steps overshot."""
    return (
        f"Training diverged in epoch {epoch}, batch {batch}: the loss became {loss:.4g}. "
        f"The steps were too big; try a smaller learning rate than {lr:g}."
    )


# What makes a run's first weights: a run "from the same start" as another takes these from it.
START = ("model", "digits", "hidden", "init", "seed")


def same_start(earlier: Settings, settings: Settings) -> Settings:
    """`settings` with what makes the first weights taken from `earlier`: its model, digits, hidden
    sizes, init and seed. The seed also drives shuffling and augmentation: two runs that shuffle see
    the images of their first epoch in the same order (another batch size only cuts it into other
    batches), and of every epoch when neither augments, or both augment batches of the same size."""
    return settings.replace(**{name: getattr(earlier, name) for name in START})


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


@dataclass(eq=False)
class Batch:
    """A mini-batch on its way through the loop; hooks before it may change its images and targets."""

    epoch: int
    number: int  # 1-based, in its epoch
    indices: slice | torch.Tensor  # of the training images it holds
    xb: torch.Tensor
    yb: torch.Tensor
    loss: float | None = None  # once trained


class Epoch:
    """An epoch under way: the order it takes the training images in, how far it got, its loss so far."""

    def __init__(self, number: int, n: int, shuffle: bool, generator: torch.Generator):
        self.number, self.n = number, n
        self.order = epoch_order(n, shuffle, generator)
        self.taken = self.batches = self.seen = 0
        self.total = 0.0  # the loss of every image trained on so far, added up
        self.started = time.perf_counter()

    @property
    def left(self) -> int:
        """Images it has yet to take."""
        return self.n - self.taken

    def take(self, bs: int):
        """The index of its next mini-batch, of `bs` images or what is left."""
        indices = batch_at(self.order, self.taken, bs)
        self.taken, self.batches = min(self.taken + bs, self.n), self.batches + 1
        return indices

    def reorder(self, shuffle: bool, generator: torch.Generator) -> None:
        """The images it has yet to take in a fresh random order, or as stored: shuffling changed."""
        order = torch.arange(self.n) if self.order is None else self.order
        rest = order[self.taken :]
        rest = rest[torch.randperm(len(rest), generator=generator)] if shuffle else rest.sort().values
        self.order = torch.cat([order[: self.taken], rest])


class Run:
    """One model with its optimiser and everything it went through.

    status: "new", "training", then "done", "stopped" (the caller stopped iterating) or
    "diverged"; "loaded" for a model read from a file.
    """

    def __init__(self, settings: Settings, data: Dataset, model=None, name: str = "run", start: "Run | None" = None,
                 file_metrics=None, hooks: list[Hook] | None = None, loss_fn=None):
        """A fresh model (step 1), or `model` when given: one loaded from a file, say, with what its
        file said of it (`file_metrics`). With `start`, an earlier run, the new run begins from
        exactly its first weights (see same_start). `hooks` join every batch of its loop (default:
        Augment, as the settings ask); `loss_fn` scores its batches (default: the settings' loss)."""
        if start is not None:
            settings = same_start(start.settings, settings)
        settings = settings.checked()
        if settings.seed is None:
            settings = settings.replace(seed=random.randint(0, MAX_SEED))
        if settings.digits != data.digits:
            raise ValueError(f"settings are for digits {settings.digits}, the data for {data.digits}")
        self.settings = settings
        self.data = data
        self.name = name
        self.id = uuid.uuid4().hex  # made when the run starts: whoever records it, records it once
        self.generator = torch.Generator().manual_seed(settings.seed)
        self.model = model or initialise(settings, self.generator)
        # Why the settings alone cannot replay this run (an exported script replays them), if they cannot.
        self.unreplayable: str | None = "it was loaded from a file" if model is not None else None
        self.same_start_as: str | None = None  # the name of the run whose first weights it took
        if start is not None:
            self._begin_as(start)
        self.optimiser = make_optimiser(settings.opt, self.model.parameters(), settings.lr)
        self.loss_fn = loss_fn or loss_function(settings.loss, data.binary)
        self.hooks = [Augment()] if hooks is None else list(hooks)
        self._fit_hooks: list[Hook] = []  # what the fit under way adds
        self.epoch: Epoch | None = None  # the epoch under way
        self.history: list[EpochResult] = []
        self.batch_losses: list[float] = []
        self.snapshots = {0: self.weights()}  # epoch -> the parameters: at the start, after some epochs
        self._stride = 1  # the epochs kept are multiples of this, and the last
        self.diverged: str | None = None
        self.status = "new" if model is None else "loaded"
        # What a model file said beyond what a run measures (a shipped net's "not sure" threshold and
        # recipe): kept with the model, and written again when it is saved.
        self.file_metrics = {k: v for k, v in (file_metrics or {}).items() if k not in MEASURED}

    @classmethod
    def rebuilt(cls, settings: Settings, data: Dataset, model, *, id: str, name: str, status: str,
                history: list[EpochResult], batch_losses: list[float], snapshots: dict, diverged: str | None,
                unreplayable: str | None, same_start_as: str | None, file_metrics: dict) -> "Run":
        """A run as it was kept (a learner's saved work): its model, what it went through and how it
        ended. Trained on, it starts a fresh optimiser: Adam and momentum forget their averages."""
        run = cls(settings, data, model=model, name=name, file_metrics=file_metrics)
        run.id, run.status, run.diverged = id, status, diverged
        run.unreplayable, run.same_start_as = unreplayable, same_start_as
        run.history, run.batch_losses, run.snapshots = list(history), list(batch_losses), dict(snapshots)
        return run

    def _begin_as(self, earlier: "Run") -> None:
        """Take the earlier run's first weights. With its seed and init they are the weights just drawn,
        and drawing them all the same keeps the generator where the earlier run's was; a loaded
        model's weights are not what the seed draws."""
        first = earlier.snapshots[0]
        with torch.no_grad():
            for name, p in self.model.named_parameters():
                if not torch.equal(p, first[name]):
                    self.unreplayable = f"it began from the weights of {earlier.name}, which its seed does not draw"
                p.copy_(first[name])
        self.same_start_as = earlier.name

    @property
    def usable(self) -> bool:
        """Whether the model is worth asking: loaded, or trained at least a batch without diverging."""
        return self.status == "loaded" or (bool(self.batch_losses) and not self.diverged)

    def weights(self) -> dict[str, torch.Tensor]:
        return {name: p.detach().clone() for name, p in self.model.named_parameters()}

    def evaluate(self) -> tuple[float, float]:
        return evaluate(self.model, self.data.valid_x, self.data.valid_y, self.loss_fn)

    def accuracy_now(self) -> float:
        """Validation accuracy of the model as it is: its last epoch's, unless it changed since
        (stopped within an epoch, or stepped) or has no epoch of this session (loaded)."""
        if self.status in ("stopped", "loaded") or not self.history:
            return self.evaluate()[1]
        return self.history[-1].accuracy

    def metrics(self) -> dict:
        """How the model does now, as recorded in a model file."""
        valid_loss, valid_accuracy = self.evaluate()
        return {**self.file_metrics, "accuracy": valid_accuracy, "valid_loss": valid_loss, "epochs": len(self.history)}

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
        if settings.replace(epochs=self.settings.epochs) != self.settings:
            self.unreplayable = "its settings changed while it trained"
        if (settings.opt, settings.lr) != (self.settings.opt, self.settings.lr):
            self.optimiser = make_optimiser(settings.opt, self.model.parameters(), settings.lr)
        self.loss_fn = loss_function(settings.loss, self.data.binary)
        self.settings = settings

    @property
    def n_batches(self) -> int:
        """Mini-batches per epoch with the current batch size."""
        return batch_count(len(self.data.train_x), self.settings.bs)

    def fit(self, epochs: int | None = None, hooks=()):
        """Train for `epochs` more epochs (default: the settings'), yielding after every batch
        (BatchResult) and epoch (EpochResult); `hooks` join this training only. Stop iterating, or
        raise StopTraining in a hook, to stop training."""
        self._fit_hooks = list(hooks)
        self.status = "training"
        try:
            self._call("before_fit")
            yield from self.repeat(epochs or self.settings.epochs)
            self.status = "done"
        except StopTraining:
            pass
        finally:
            if self.status == "training":
                self.status = "stopped"
            self._call("after_fit")
            self._fit_hooks = []

    def repeat(self, epochs: int):
        """Step 6: steps 2 to 5 on every mini-batch, epoch after epoch; each epoch ends with
        a check on the validation set."""
        for _ in range(epochs):
            for batch in self.batches():
                loss = train_batch(self.model, batch.xb, batch.yb, self.loss_fn, self.optimiser)
                yield self.stepped(batch, loss)
            yield self.close_epoch()

    def batches(self):
        """The mini-batches of the epoch under way, or of a new one, to its end."""
        while (batch := self.next_batch()) is not None:
            yield batch

    def next_batch(self) -> Batch | None:
        """The next mini-batch of training images and targets, as the hooks before a batch make it;
        None at the end of the epoch under way. The first begins an epoch, drawing its order."""
        if self.epoch is None:
            self.epoch = Epoch(len(self.history) + 1, len(self.data.train_x), self.settings.shuffle, self.generator)
        if not self.epoch.left:
            return None
        indices = self.epoch.take(self.settings.bs)
        batch = Batch(self.epoch.number, self.epoch.batches, indices, self.data.train_x[indices],
                      self.data.train_y[indices])
        self._call("before_batch", batch)
        return batch

    def stepped(self, batch: Batch, loss: float) -> BatchResult:
        """Keep the loss of a batch just trained; Diverged, with advice, when it shows that the steps
        overshot. Then the hooks after a step."""
        if not loss < EXPLODED:  # also catches NaN
            self.status = "diverged"
            self.diverged = diverged_message(batch.epoch, batch.number, loss, self.settings.lr)
            raise Diverged(self.diverged)
        self.batch_losses.append(loss)
        batch.loss = loss
        self.epoch.total, self.epoch.seen = self.epoch.total + loss * len(batch.xb), self.epoch.seen + len(batch.xb)
        self._call("after_step", batch)
        return BatchResult(batch.epoch, batch.number, self.n_batches, loss)

    def close_epoch(self, seconds: float | None = None) -> EpochResult:
        """Score the model on the validation set, keep the epoch's record and weights, then the hooks
        after an epoch. `seconds`: what the epoch took (default: the time since it began)."""
        epoch, self.epoch = self.epoch, None
        seconds = time.perf_counter() - epoch.started if seconds is None else seconds
        valid_loss, valid_accuracy = self.evaluate()
        result = EpochResult(epoch.number, epoch.total / epoch.seen, valid_loss, valid_accuracy, seconds)
        self.history.append(result)
        self.snapshots[result.epoch] = self.weights()
        self._thin_snapshots()
        self._call("after_epoch", result)
        return result

    @property
    def kept_weights(self) -> int:
        """How many epochs' weights the run keeps besides the first: KEPT_WEIGHTS, fewer for a wide net."""
        size = sum(p.numel() * p.element_size() for p in self.snapshots[0].values())
        return max(1, min(KEPT_WEIGHTS, KEPT_WEIGHT_BYTES // size - 1))

    def _thin_snapshots(self) -> None:
        """Keep the first weights, the last, and those of every stride-th epoch, the stride doubling
        until no more than kept_weights epochs are left: evenly spaced however long the run."""
        last = len(self.history)
        while True:
            kept = {epoch: w for epoch, w in self.snapshots.items() if epoch % self._stride == 0 or epoch == last}
            if len(kept) <= self.kept_weights + 1:
                self.snapshots = kept
                return
            self._stride *= 2

    def drop_epoch(self) -> None:
        """Give up the rest of the epoch under way: the next batch begins a new one. What its steps
        did stays in the model."""
        self.epoch = None

    def _call(self, point: str, *args) -> None:
        for hook in self.hooks + self._fit_hooks:
            getattr(hook, point)(self, *args)

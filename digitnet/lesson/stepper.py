"""Step mode: the lesson's six steps one click at a time, on a real run of the session.

The stepper walks the run's own loop (Run.repeat) a step at a time: step 2 takes the loop's
next batch (Run.next_batch, the hooks before it included), steps 2 to 5 call the functions of
steps.py that train_batch calls, on the run's own model, loss function and optimiser, step 5
ends the batch as the loop does (Run.stepped) and step 6 the epoch when it was the last
(Run.close_epoch). It keeps what each step produced for the learner to look at. A stepped run
is an ordinary run, so other pages can use its model and it can go on training with fit.
"""

import time
from contextlib import closing
from dataclasses import dataclass

import torch

from ..errors import Diverged
from . import steps
from .losses import image_losses, predicted_labels, probabilities, true_labels
from .run import Batch, EpochResult, Run, batch_count
from .settings import Settings

TRAIL_POINTS = 100  # validation checks per run of many batches: enough for a curve, cheap at bs 1
NAMES = {1: "initialise", 2: "predict", 3: "loss", 4: "gradients", 5: "step", 6: "repeat"}
# The function that does each step, for the stepper as for training: the Step page shows its source.
CODE = {1: steps.initialise, 2: steps.predict, 3: steps.loss, 4: steps.gradients, 5: steps.step, 6: Run.repeat}


@dataclass(frozen=True)
class TrailPoint:
    """The model on the validation set after `steps` steps (batches) of training."""

    steps: int
    valid_loss: float
    accuracy: float


@dataclass(frozen=True)
class ImageOutput:
    index: int  # in the training set
    digit: int  # the digit it shows
    outputs: tuple[float, ...]  # the model's raw outputs: one for a pair of digits, ten for all
    probability: float  # a pair: the sigmoid, P(second digit); all ten: P(the digit answered)
    answer: int  # the digit the model says
    loss: float  # the loss of this image alone


class Stepper:
    """One run walked through the six steps. `done` is the step just done (1: initialised);
    `advance` does the next one: 2 to 6 on a batch, then 2 again on the next batch."""

    def __init__(self, run: Run):
        self.run = run
        self.done = 1
        self.current: Batch | None = None  # the batch of steps 2 to 6
        self.outputs = self.loss = self.gradients = self.before = self.after = None
        self._epoch_seconds = 0.0  # the time its steps took: the learner's pauses between clicks do not count
        self.trail: list[TrailPoint] = []
        self._check()

    @property
    def next_step(self) -> int:
        return 2 if self.done in (1, 6) else self.done + 1

    @property
    def epoch(self) -> int:
        """The epoch under way, or the next one."""
        return len(self.run.history) + 1

    @property
    def mid_epoch(self) -> bool:
        return self.run.epoch is not None

    @property
    def batch(self) -> int:
        """The current batch's number in its epoch (0 before its first)."""
        return self.run.epoch.batches if self.mid_epoch else 0

    @property
    def indices(self) -> torch.Tensor | None:
        """Which training images the current batch holds."""
        return None if self.current is None else torch.arange(len(self.run.data.train_x))[self.current.indices]

    @property
    def xb(self):
        return None if self.current is None else self.current.xb

    @property
    def yb(self):
        return None if self.current is None else self.current.yb

    def _left(self) -> int:
        return self.run.epoch.left if self.mid_epoch else len(self.run.data.train_x)

    @property
    def batches_in_epoch(self) -> int:
        return self.batch + batch_count(self._left(), self.run.settings.bs)

    @property
    def batches_left(self) -> int:
        """Batches to the end of this epoch, the one half done included; a whole epoch's when none has begun."""
        return batch_count(self._left(), self.run.settings.bs) + (self.done not in (1, 6))

    def advance(self, detail: bool = True) -> int:
        """Do the next step and return its number; Diverged when step 5 sends the loss past EXPLODED.
        Without `detail` nothing is kept for the learner to look at, and step 6 skips the
        validation check unless it ends an epoch, so that many batches run about as fast as in fit."""
        if self.run.diverged:
            raise Diverged(self.run.diverged)
        step = self.next_step
        started = time.perf_counter()
        if step == 2:
            self._predict()
        elif step == 3:
            self.loss = steps.loss(self.run.loss_fn, self.outputs, self.yb)
        elif step == 4:
            self._gradients(detail)
        elif step == 5:
            self._step(detail)
        elif detail or not self.run.epoch.left:
            self._check()
        self._epoch_seconds += time.perf_counter() - started
        self.done = step
        if step == 6 and not self.run.epoch.left:
            self.run.close_epoch(self._epoch_seconds)
        return step

    def one_batch(self, detail: bool = True) -> None:
        """The rest of steps 2 to 6 on the current batch, or all of them on the next."""
        self.advance(detail)
        while self.done != 6:
            self.advance(detail)

    def batches(self, count: int, should_stop=lambda: False) -> int:
        """`count` batches, checked on the validation set TRAIL_POINTS times at most; the last in
        detail. Stops early, between batches, when should_stop() says so; returns how many it did."""
        every = max(1, count // TRAIL_POINTS)
        for number in range(1, count + 1):
            if number > 1 and should_stop():
                self._check()  # where it stopped, on the curve
                return number - 1
            self.one_batch(detail=number % every == 0 or number == count)
        return count

    def use_settings(self, settings: Settings) -> bool:
        """Take the learner's settings from the next batch on; False while a batch is half done
        (ask again after it). SettingsError when they need a new model. A change of shuffling
        re-orders the images this epoch has yet to see."""
        if self.next_step != 2:
            return False
        was_shuffled = self.run.settings.shuffle
        self.run.change_settings(settings)
        if self.mid_epoch and self.run.settings.shuffle != was_shuffled:
            self.run.epoch.reorder(self.run.settings.shuffle, self.run.generator)
        return True

    def fit(self, epochs: int, hooks=()):
        """Go on with Run.fit for whole epochs (yielding its events; `hooks` join it) after finishing
        the batch in progress; the rest of a stepped epoch is skipped, its steps stay in the model."""
        if self.done not in (1, 6):
            self.one_batch()
        self.run.drop_epoch()
        self.done = 6
        with closing(self.run.fit(epochs, hooks)) as events:  # closing this closes the run's fit at once
            for event in events:
                if isinstance(event, EpochResult):
                    self.trail.append(TrailPoint(len(self.run.batch_losses), event.valid_loss, event.accuracy))
                yield event

    # Steps 2, 4 and 5 (3 and 6 are one line each in advance), with what the page shows of them.

    def _predict(self) -> None:
        if not self.mid_epoch:
            self._epoch_seconds = 0.0
        # A stepped epoch can stop half way, take other settings or end in fit, which skips its rest.
        self.run.unreplayable = self.run.unreplayable or "it was stepped through"
        self.current = self.run.next_batch()
        self.outputs = steps.predict(self.run.model, self.xb)
        self.loss = self.gradients = self.before = self.after = None

    def _gradients(self, detail: bool) -> None:
        steps.gradients(self.loss)
        if detail:
            self.gradients = {name: p.grad.detach().clone() for name, p in self.run.model.named_parameters()}

    def _step(self, detail: bool) -> None:
        run = self.run
        self.before = run.weights() if detail else None
        steps.step(run.optimiser)
        self.after = run.weights() if detail else None
        run.status = "stopped"  # part way through training, as after a stopped fit
        run.stepped(self.current, self.loss.item())

    def _check(self) -> None:
        """The model on the validation set now: a point of the trail."""
        valid_loss, accuracy = self.run.evaluate()
        self.trail.append(TrailPoint(len(self.run.batch_losses), valid_loss, accuracy))

    # What the steps produced, for the page.

    def image_outputs(self, count: int) -> list[ImageOutput]:
        """Steps 2 and 3 for the first `count` images of the batch."""
        outputs = self.outputs.detach()[:count]
        chances = probabilities(outputs)
        answers = predicted_labels(outputs)
        digits = self.run.data.class_digits
        losses = image_losses(self.run.loss_fn, outputs, self.yb[:count])
        found = []
        for i, (index, label) in enumerate(zip(self.indices[:count].tolist(), true_labels(self.yb[:count]).tolist())):
            probability = chances[i, 1] if outputs.shape[1] == 1 else chances[i, answers[i]]
            found.append(ImageOutput(
                index, digits[label], tuple(outputs[i].tolist()), probability.item(), digits[answers[i]],
                losses[i].item(),
            ))
        return found

    def batch_counts(self) -> dict[int, int]:
        """How many images of each digit the batch holds."""
        counts = torch.bincount(true_labels(self.yb), minlength=len(self.run.data.class_digits)).tolist()
        return dict(zip(self.run.data.class_digits, counts))

    def mean_image_loss(self) -> float:
        """The mean of every image's own loss: the batch's loss, added up by hand."""
        return image_losses(self.run.loss_fn, self.outputs, self.yb).mean().item()

    def step_mismatch(self) -> float:
        """The largest gap, over every parameter, between the weights after step 5 and
        before - lr * gradient: 0 for plain SGD, which moves each weight by exactly that."""
        lr = self.run.settings.lr
        return max(
            (self.after[name] - (self.before[name] - lr * self.gradients[name])).abs().max().item()
            for name in self.before
        )

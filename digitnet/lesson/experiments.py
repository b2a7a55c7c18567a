"""The lesson's small experiments. Each function runs one on the real data and models and
returns its numbers; the Experiments page plots them. Like the lesson they use a pair of
digits and, unless told otherwise, its recipe (settings.LESSON).
"""

import copy
import statistics
from dataclasses import dataclass

import torch

from ..errors import Diverged
from . import steps
from .dataset import Dataset
from .inspection import training_batch
from .learner import EpochResult, Run, batch_indices
from .losses import accuracy, loss_function, mnist_loss, predicted_labels, true_labels
from .models import LinearModel
from .optim import make_optimiser
from .settings import LESSON, Settings
from .stepper import image_losses


def lesson_model(seed: int) -> LinearModel:
    """The lesson's linear model, freshly initialised: the one a Run with this seed starts from."""
    return steps.initialise(LESSON, 1, torch.Generator().manual_seed(seed))


# 1. Why accuracy cannot be the loss


@dataclass(frozen=True)
class Nudge:
    """One weight multiplied by a factor: the weight, accuracy and mnist_loss before and after."""

    index: int
    weight: tuple[float, float]
    accuracy: tuple[float, float]
    loss: tuple[float, float]
    inked: int  # images whose pixel `index` is not blank: only their outputs move


@dataclass(frozen=True)
class Sweep:
    values: list[float]  # the weight
    accuracies: list[float]
    losses: list[float]


def with_weight(model: LinearModel, index: int, value: float) -> LinearModel:
    """A copy of the model with weight `index` set to `value`; the model itself is left alone."""
    changed = copy.copy(model)
    changed.weights = model.weights.detach().clone()
    changed.weights[index] = value
    return changed


@torch.no_grad()
def score(model, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Accuracy and mnist_loss of the model on images x with labels y."""
    outputs = model(x)
    return accuracy(outputs, y), mnist_loss(outputs, y).item()


def nudge_weight(model: LinearModel, x, y, index: int, factor: float) -> Nudge:
    before = model.weights[index].item()
    after = with_weight(model, index, before * factor)
    (acc_before, loss_before), (acc_after, loss_after) = score(model, x, y), score(after, x, y)
    return Nudge(
        index, (before, after.weights[index].item()), (acc_before, acc_after), (loss_before, loss_after),
        int((x[:, index] > 0).sum()),
    )


def sweep_weight(model: LinearModel, x, y, index: int, values) -> Sweep:
    """Accuracy and mnist_loss with weight `index` set to each of `values` in turn."""
    scores = [score(with_weight(model, index, float(v)), x, y) for v in values]
    return Sweep([float(v) for v in values], [a for a, _ in scores], [loss for _, loss in scores])


# 2. The sigmoid, and mnist_loss as a function of one prediction


@dataclass(frozen=True)
class SigmoidCurves:
    predictions: list[float]
    sigmoid: list[float]
    loss_if_one: list[float]  # mnist_loss of each prediction when the image's target is 1
    loss_if_zero: list[float]


def sigmoid_curves(low: float = -6.0, high: float = 6.0, points: int = 241) -> SigmoidCurves:
    predictions = torch.linspace(low, high, points).unsqueeze(1)
    ones, zeros = torch.ones_like(predictions), torch.zeros_like(predictions)
    return SigmoidCurves(
        predictions[:, 0].tolist(), predictions.sigmoid()[:, 0].tolist(),
        image_losses(mnist_loss, predictions, ones).tolist(), image_losses(mnist_loss, predictions, zeros).tolist(),
    )


# 3. Gradients accumulate


ACCUMULATION_STEPS = ("backward", "backward again, not zeroed", "zero_grad, then backward")


@dataclass(frozen=True)
class Accumulation:
    """The parameters' .grad after each of ACCUMULATION_STEPS on the same batch."""

    gradients: list[dict[str, torch.Tensor]]


def accumulate_gradients(data: Dataset, seed: int, size: int) -> Accumulation:
    model = lesson_model(seed)
    xb, yb = training_batch(data, size, seed)
    loss_fn = loss_function(LESSON.loss, data.binary)
    optimiser = make_optimiser(LESSON.opt, model.parameters(), LESSON.lr)
    found = []

    def backward():
        steps.gradients(steps.loss(loss_fn, steps.predict(model, xb), yb))
        found.append({name: p.grad.clone() for name, p in model.named_parameters()})

    backward()
    backward()
    optimiser.zero_grad()
    backward()
    return Accumulation(found)


# 4, 5 and 6. Training runs side by side: shuffling, learning rates, batch sizes


@dataclass(frozen=True)
class Trace:
    """What a short training run went through."""

    settings: Settings
    start: tuple[float, float]  # validation loss and accuracy before training
    history: list[EpochResult]
    batch_losses: list[float]
    n_batches: int  # per epoch
    answered_first: list[float]  # after each epoch: the share of validation images given label 0
    diverged: str | None

    @property
    def seconds_per_epoch(self) -> float | None:
        return statistics.mean(e.seconds for e in self.history) if self.history else None

    @property
    def noise(self) -> float | None:
        """How much the loss jumps from one batch to the next, on average; None with one batch."""
        losses = self.batch_losses
        if len(losses) < 2:
            return None
        return statistics.mean(abs(b - a) for a, b in zip(losses, losses[1:]))


def trace(data: Dataset, settings: Settings, epochs: int) -> Trace:
    run = Run(settings, data)
    start, answered_first, diverged = run.evaluate(), [], None
    try:
        for event in run.fit(epochs):
            if isinstance(event, EpochResult):
                with torch.no_grad():
                    answered_first.append((predicted_labels(run.model(data.valid_x)) == 0).float().mean().item())
    except Diverged as exc:
        diverged = str(exc)
    return Trace(run.settings, start, run.history, run.batch_losses, run.n_batches, answered_first, diverged)


def compare(data: Dataset, all_settings: list[Settings], epochs: int) -> list[Trace]:
    return [trace(data, settings, epochs) for settings in all_settings]


def running_mean(values: list[float], window: int) -> list[float]:
    """The mean of each `window` consecutive values, from the first full window on."""
    sums = torch.tensor(values, dtype=torch.float64).cumsum(0)
    sums = torch.cat([torch.zeros(1, dtype=torch.float64), sums])
    return ((sums[window:] - sums[:-window]) / window).tolist()


def one_answer_epochs(trace: Trace) -> int:
    """How many epochs, from the first, ended with the model giving every validation image the same answer."""
    count = 0
    for share in trace.answered_first:
        if share not in (0.0, 1.0):
            break
        count += 1
    return count


def batch_contents(data: Dataset, bs: int) -> list[list[int]]:
    """For each batch of an unshuffled epoch, how many images of each label it holds."""
    labels = true_labels(data.train_y)
    n_labels = len(data.class_digits)
    return [
        torch.bincount(labels[idx], minlength=n_labels).tolist()
        for idx in batch_indices(len(labels), bs, False, torch.Generator())
    ]


def label_share(data: Dataset, label: int) -> tuple[int, int]:
    """How many validation images have `label`, of how many: the accuracy of always answering it."""
    labels = true_labels(data.valid_y)
    return int((labels == label).sum()), len(labels)

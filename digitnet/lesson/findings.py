"""The lesson's six experiments, and two of the questions the chapter leaves open. Each has one
entry function that runs it on the real data and models and returns a frozen result holding
every number its panel states; the Experiments page only lays these out. Like the lesson they
use a pair of digits and, unless told otherwise, its recipe (settings.LESSON).

1 accuracy_vs_loss, 2 sigmoid_at, 3 accumulate_gradients, 4 shuffling, 5 learning_rates,
6 batch_sizes; 7 threshold_question, 8 dead_units_by_rate.
"""

import copy
import math
import statistics
from dataclasses import dataclass

import torch

from ..errors import Diverged
from . import steps
from .dataset import Dataset
from .inspection import DeadUnits, dead_unit_history, kept_weights, training_batch
from .losses import accuracy, image_losses, loss_function, mnist_loss, predicted_labels, true_labels
from .models import LinearModel
from .optim import make_optimiser
from .run import EpochResult, Run, batch_indices
from .settings import LESSON, RECOMMENDED, Settings


def lesson_model(seed: int) -> LinearModel:
    """The lesson's linear model, freshly initialised: the one a Run with this seed starts from."""
    return steps.initialise(LESSON, torch.Generator().manual_seed(seed))


# 1. Why accuracy cannot be the loss

SWEEP_WIDTHS = (0.01, 0.05, 0.2, 1.0, 5.0)  # offered: a narrow sweep shows the steps, a wide one how far it goes
SWEEP_POINTS = 301


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


@dataclass(frozen=True)
class AccuracyVsLoss:
    """Experiment 1, on the validation images: one weight nudged, then swept around its value."""

    nudge: Nudge
    sweep: Sweep
    pixel: tuple[int, int]  # the weight's pixel: row and column
    accuracy_change: float
    loss_change: float
    unchanged: bool  # whether the nudge left the accuracy exactly where it was
    accuracy_levels: int  # how many different accuracies the sweep met: the staircase's steps


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


def accuracy_vs_loss(data: Dataset, seed: int, index: int, factor: float, width: float,
                     points: int = SWEEP_POINTS) -> AccuracyVsLoss:
    """Weight `index` of the lesson's fresh model times `factor`, then swept over its value ± width."""
    model = lesson_model(seed)
    x, y = data.valid_x, data.valid_y
    nudge = nudge_weight(model, x, y, index, factor)
    start = nudge.weight[0]
    sweep = sweep_weight(model, x, y, index, torch.linspace(start - width, start + width, points))
    (a0, a1), (l0, l1) = nudge.accuracy, nudge.loss
    return AccuracyVsLoss(nudge, sweep, divmod(index, 28), a1 - a0, l1 - l0, a0 == a1, len(set(sweep.accuracies)))


# 2. The sigmoid, and mnist_loss as a function of one prediction


@dataclass(frozen=True)
class SigmoidCurves:
    predictions: list[float]
    sigmoid: list[float]
    loss_if_one: list[float]  # mnist_loss of each prediction when the image's target is 1
    loss_if_zero: list[float]


@dataclass(frozen=True)
class SigmoidAt:
    """Experiment 2: one prediction's sigmoid and mnist_loss for either target, and the whole curves."""

    prediction: float
    sigmoid: float
    loss_if_one: float
    loss_if_zero: float
    curves: SigmoidCurves


def sigmoid_curves(low: float = -6.0, high: float = 6.0, points: int = 241) -> SigmoidCurves:
    predictions = torch.linspace(low, high, points).unsqueeze(1)
    ones, zeros = torch.ones_like(predictions), torch.zeros_like(predictions)
    return SigmoidCurves(
        predictions[:, 0].tolist(), predictions.sigmoid()[:, 0].tolist(),
        image_losses(mnist_loss, predictions, ones).tolist(), image_losses(mnist_loss, predictions, zeros).tolist(),
    )


def sigmoid_at(prediction: float) -> SigmoidAt:
    point = sigmoid_curves(prediction, prediction, 1)
    return SigmoidAt(prediction, point.sigmoid[0], point.loss_if_one[0], point.loss_if_zero[0], sigmoid_curves())


# 3. Gradients accumulate


ACCUMULATION_STEPS = ("backward", "backward again, not zeroed", "zero_grad, then backward")


@dataclass(frozen=True)
class GradientAfter:
    """The linear model's gradient after one of ACCUMULATION_STEPS."""

    call: str
    weights_mean: float
    bias: float
    weights: list[float]  # every weight's gradient, pixel by pixel


@dataclass(frozen=True)
class Accumulation:
    """Experiment 3: the parameters' .grad after each of ACCUMULATION_STEPS on the same batch."""

    size: int  # images in the batch
    calls: list[GradientAfter]
    ratio: float  # the weights' mean gradient after the second backward, over the first's


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
    calls = [GradientAfter(call, g["weights"].mean().item(), g["bias"].item(), g["weights"][:, 0].tolist())
             for call, g in zip(ACCUMULATION_STEPS, found, strict=True)]
    return Accumulation(size, calls, calls[1].weights_mean / calls[0].weights_mean)


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
    def epochs(self) -> list[int]:
        """0 (before training), then each epoch trained: where valid_losses and accuracies stand."""
        return list(range(len(self.history) + 1))

    @property
    def valid_losses(self) -> list[float]:
        return [self.start[0]] + [e.valid_loss for e in self.history]

    @property
    def accuracies(self) -> list[float]:
        return [self.start[1]] + [e.accuracy for e in self.history]

    @property
    def accuracy(self) -> float | None:
        """After the last epoch; None when no epoch finished."""
        return self.history[-1].accuracy if self.history else None

    @property
    def positions(self) -> list[float]:
        """Where each batch loss stands, in epochs: batch i of n ends at i / n."""
        return [(i + 1) / self.n_batches for i in range(len(self.batch_losses))]

    @property
    def diverged_at(self) -> float | None:
        """Where a diverged run stopped, in epochs: the batch after its last loss."""
        return (len(self.batch_losses) + 1) / self.n_batches if self.diverged else None

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


# 4. Shuffle or not


@dataclass(frozen=True)
class Shuffling:
    """Experiment 4: the lesson's recipe trained on the images as stored, class by class, and shuffled."""

    digits: tuple[int, ...]  # as stored: every image of the first, then of the second
    plain: Trace
    shuffled: Trace
    answer: int  # the digit the unshuffled model gave most after its first epoch
    stuck_epochs: int  # epochs, from the first, after which it gave every validation image one answer
    answer_count: int  # validation images of that digit ...
    total: int  # ... of so many
    plateau: float  # answer_count / total: the accuracy of giving every image that answer
    contents: list[list[int]]  # for each unshuffled batch, how many images of each digit it holds
    one_digit_batches: int  # unshuffled batches that hold a single digit
    batch_numbers: list[int]  # 1, 2, ... for each batch of an epoch
    first_epoch: tuple[list[float], list[float]]  # batch losses of epoch 1: unshuffled, shuffled


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


def shuffling(data: Dataset, seed: int, epochs: int) -> Shuffling:
    base = LESSON.replace(digits=data.digits, seed=seed)
    plain, shuffled = compare(data, [base, base.replace(shuffle=True)], epochs)
    label = 0 if plain.answered_first and plain.answered_first[0] > 0.5 else 1
    answer_count, total = label_share(data, label)
    contents = batch_contents(data, base.bs)
    n = plain.n_batches
    return Shuffling(
        data.class_digits, plain, shuffled, data.class_digits[label], one_answer_epochs(plain), answer_count, total,
        answer_count / total, contents, sum(1 for c in contents if min(c) == 0), list(range(1, n + 1)),
        (plain.batch_losses[:n], shuffled.batch_losses[:n]),
    )


# 5. Learning rates


@dataclass(frozen=True)
class LearningRates:
    """Experiment 5: the same model and loss trained with each learning rate, shuffled."""

    settings: Settings  # what the runs share
    traces: list[Trace]  # one per learning rate, in the order asked


def learning_rates(data: Dataset, seed: int, model: str, loss: str, rates, epochs: int) -> LearningRates:
    base = LESSON.replace(digits=data.digits, seed=seed, model=model, loss=loss, shuffle=True)
    return LearningRates(base, compare(data, [base.replace(lr=lr) for lr in rates], epochs))


# 6. Batch sizes

MIDDLE_BATCH = LESSON.bs  # the lesson's batch size, between one image and all of them


@dataclass(frozen=True)
class BatchSizes:
    """Experiment 6: one shuffled epoch of the lesson's recipe with a batch of 1, MIDDLE_BATCH and all images."""

    settings: Settings  # what the runs share
    n_images: int  # training images: the largest batch
    traces: list[Trace]  # batch size 1, MIDDLE_BATCH, n_images
    seen: list[list[int]]  # for each trace, the training images seen after each of its steps
    smooth: list[float]  # batch size 1: the mean loss of each MIDDLE_BATCH consecutive steps ...
    smooth_seen: list[int]  # ... and the images seen at the last of them


def running_mean(values: list[float], window: int) -> list[float]:
    """The mean of each `window` consecutive values, from the first full window on."""
    sums = torch.tensor(values, dtype=torch.float64).cumsum(0)
    sums = torch.cat([torch.zeros(1, dtype=torch.float64), sums])
    return ((sums[window:] - sums[:-window]) / window).tolist()


def batch_sizes(data: Dataset, seed: int) -> BatchSizes:
    n = len(data.train_x)
    base = LESSON.replace(digits=data.digits, seed=seed, shuffle=True)
    traces = compare(data, [base.replace(bs=bs) for bs in (1, MIDDLE_BATCH, n)], 1)
    seen = [[min((i + 1) * t.settings.bs, n) for i in range(len(t.batch_losses))] for t in traces]
    smooth = running_mean(traces[0].batch_losses, MIDDLE_BATCH)
    return BatchSizes(base, n, traces, seen, smooth, seen[0][MIDDLE_BATCH - 1 :])


# 7. The threshold: the lesson's `preds > 0.0` and `sigmoid(preds) > 0.5`

# Enough for the lesson's recipe, shuffled, to be a trained model (tests/lesson/test_findings.py checks), and quick.
THRESHOLD_EPOCHS = 5
THRESHOLDS = tuple(round(0.01 * i, 2) for i in range(1, 100))  # on the sigmoid, the curve's points


@dataclass(frozen=True)
class ThresholdPoint:
    """The answers when an image is called label 1 for sigmoid(output) > threshold."""

    threshold: float
    output: float  # the same cut on the raw output: sigmoid(output) > t is output > log(t / (1 - t))
    accuracy: float
    false_first: int  # images of the second digit called the first: "false 2s" for 2 vs 6
    false_second: int  # images of the first digit called the second: "false 6s"


@dataclass(frozen=True)
class ThresholdQuestion:
    """Experiment 7, on the validation images and the lesson's model trained THRESHOLD_EPOCHS epochs."""

    settings: Settings
    digits: tuple[int, ...]
    outputs: torch.Tensor  # (n,): the model's raw output for each image
    labels: torch.Tensor  # (n,): 0 or 1
    agree: int  # images that `preds > 0.0` and `sigmoid(preds) > 0.5` give the same answer
    nearest: float  # the output nearest 0: how near any image came to the line
    curve: list[ThresholdPoint]  # at each of THRESHOLDS

    @property
    def total(self) -> int:
        return len(self.labels)

    def at(self, threshold: float) -> ThresholdPoint:
        return threshold_point(self.outputs, self.labels, threshold)

    @property
    def best(self) -> ThresholdPoint:
        """The point of the curve with the highest accuracy (the lowest threshold of a tie)."""
        return max(self.curve, key=lambda point: point.accuracy)


def threshold_point(outputs: torch.Tensor, labels: torch.Tensor, threshold: float) -> ThresholdPoint:
    answers = outputs.sigmoid() > threshold
    return ThresholdPoint(
        threshold, math.log(threshold / (1 - threshold)), (answers.long() == labels).float().mean().item(),
        int((~answers & (labels == 1)).sum()), int((answers & (labels == 0)).sum()),
    )


def threshold_question(data: Dataset, seed: int) -> ThresholdQuestion:
    settings = LESSON.replace(digits=data.digits, seed=seed, shuffle=True, epochs=THRESHOLD_EPOCHS)
    run = Run(settings, data)
    for _ in run.fit():
        pass
    with torch.no_grad():
        preds = run.model(data.valid_x)[:, 0]
    labels = true_labels(data.valid_y)
    agree = int(((preds > 0.0) == (preds.sigmoid() > 0.5)).sum())
    curve = [threshold_point(preds, labels, t) for t in THRESHOLDS]
    return ThresholdQuestion(run.settings, data.class_digits, preds, labels, agree, preds.abs().min().item(), curve)


# 8. Dead units: a large learning rate kills more of them

# From rates that leave every first-layer unit alive to rates that kill most of them within an epoch or
# two (tests/lesson/test_findings.py checks the two ends).
DEAD_RATES = (0.01, 0.1, 1.0, 3.0)
DEAD_EPOCHS = 2


@dataclass(frozen=True)
class RateDeaths:
    """The three-layer net trained with one learning rate: its dead units at the start and after each epoch."""

    lr: float
    dead: DeadUnits
    accuracy: float | None  # after the last epoch; None when none finished
    diverged: str | None


@dataclass(frozen=True)
class DeadUnitsByRate:
    """Experiment 8: the same net from the same start, trained with plain SGD at each learning rate."""

    settings: Settings  # what the runs share
    runs: list[RateDeaths]  # in the order of the rates asked


def dead_units_by_rate(data: Dataset, seed: int, rates=DEAD_RATES, epochs: int = DEAD_EPOCHS) -> DeadUnitsByRate:
    base = RECOMMENDED.replace(digits=data.digits, seed=seed, opt="sgd", epochs=epochs)
    found = []
    for lr in rates:
        run, diverged = Run(base.replace(lr=lr), data), None
        try:
            for _ in run.fit():
                pass
        except Diverged as exc:
            diverged = str(exc)
        # The weights after whole epochs only: a diverged run's last weights may be no numbers at all.
        history = kept_weights(run)
        accuracy = run.history[-1].accuracy if run.history else None
        found.append(RateDeaths(lr, dead_unit_history(history, data.valid_x), accuracy, diverged))
    return DeadUnitsByRate(base, found)

"""How the shipped three-layer nets are trained to read drawings: on the lesson's own loop
(Run.repeat), with three hooks that a learner's run does not have.

They are larger for ten digits and train longer (DRAWING_NETS), with a learning rate that falls
along a half cosine (CosineSchedule); on MNIST's digits and on generated drawings of digits
(in the styles of several handwriting traditions, and against the square's edge or past it),
made to look drawn (lesson/augment.py's draw_augment: slant, width, turn, bend, stroke width),
made once as copies because that is too slow for every batch (DrawnCopies); and with outlier
exposure: every batch also holds generated drawings that are no digit (and, for a pair, the
other digits), trained towards "none of these", equal probabilities (OutlierExposure). That is
what lets their top probability tell a digit from a scribble: the threshold under which an
answer is "not sure" is chosen on generated drawings of digits that the build never learns
from, and stored in the file. Only generated.FOR_BUILDING is used here; the held-out sets (a
hand drawn another way among them) measure them. bench/draw_accuracy.py measures them;
tests/drawing/test_defaults_on_drawings.py holds floors.

No deslanting (MNIST's shear of each digit upright), though research/draw11 measured it: with
this recipe it added 0.4 points on MNIST and 0.6 on generated drawings, but flagged fewer
non-digits of unseen families at the same share of flagged digits (82% against 86%), and it
would have to belong to the model, not the page: a learner's model, trained on MNIST as it is,
must not be shown deslanted drawings, so every model file would need to say which input it takes.
"""

import math
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch

from ..files.modelfile import SavedModel
from ..lesson.augment import DrawnLook, draw_augment
from ..lesson.dataset import ALL_DIGITS, DEFAULT_DIGITS, Dataset, is_pair, load_dataset, targets
from ..lesson.hooks import Hook
from ..lesson.losses import loss_function, probabilities
from ..lesson.run import Run, batch_count
from ..lesson.settings import Settings
from .generated import FOR_BUILDING, TRAIN_FAMILIES
from .predict import SURE_THRESHOLD

SEED = 0
DRAWING_NETS = {
    DEFAULT_DIGITS: Settings(digits=DEFAULT_DIGITS, hidden=(40, 20), epochs=6, augment=True, seed=SEED),
    ALL_DIGITS: Settings(digits=ALL_DIGITS, hidden=(256, 128), epochs=30, augment=True, seed=SEED),
}


@dataclass(frozen=True)
class DrawingRecipe:
    """What the shipped nets' training adds to their Settings; recorded in their files' metrics."""

    copies: int = 6  # of MNIST's training images through draw_augment, made once; epoch e uses copy e % 6
    augmented_share: float = 0.8  # of each batch's digits taken from the epoch's copy, the rest as MNIST has them
    schedule: str = "cosine"  # the learning rate falls from lr to 0 along a half cosine over the whole run
    outliers_per_batch: int = 32  # generated non-digits (for a pair, also other digits) beside each batch
    outlier_weight: float = 0.5  # their loss, "none of these", counts half as much as the digits'
    # of generated drawings of the task's digits, never learnt from, under the "not sure" threshold:
    # (a pair, ten digits), chosen so that few digits by a hand the build never saw are flagged
    # (bench/draw_accuracy.py: held_out_hand) and most non-digits still are
    flagged_share: tuple[float, float] = (0.005, 0.02)
    copies_seed: int = SEED


RECIPE = DrawingRecipe()


def _drawn_digits() -> str:
    """Which generated drawings of digits the nets learn from, beside MNIST's, as their files record it."""
    def described(name):
        made = FOR_BUILDING[name]
        digits = "each digit" if made.digits == tuple(range(10)) else f"the {', '.join(map(str, made.digits))}"
        variant = f" ({made.variant})" if made.variant else ""
        return f"generated.FOR_BUILDING['{name}']: {made.n:,} of {digits}{variant}, seed {made.seed}, {made.style} hand"

    return "; ".join(described(name) for name in DRAWN_DIGITS)


def _outliers() -> str:
    """Which generated non-digits the nets learn "none of these" from, as their files record it."""
    made = FOR_BUILDING["nondigits"]
    families = "the TRAIN_FAMILIES" if made.families == tuple(TRAIN_FAMILIES) else ", ".join(made.families)
    return f"generated.FOR_BUILDING['nondigits']: {families}, {made.n:,} of each, seed {made.seed}"


DRAWN_DIGITS = ("drawn_digits", "drawn_at_edge", "drawn_flagged_1", "drawn_crossed_7", "drawn_big_loop_6")
LEARNT, OUTLIERS = _drawn_digits(), _outliers()


@dataclass(frozen=True)
class TrainingImages:
    """What the shipped nets learn from: MNIST's training digits and generated drawings of digits,
    and generated non-digits, each as [the images, copy 1, ..., copy k] through draw_augment, as
    uint8 (n, 784) (a quarter of the memory of floats: 71,000 digits and 24,000 non-digits, seven
    times over, take 510 MB)."""

    digits: list[torch.Tensor]
    labels: torch.Tensor  # (n,) int64: each digit's own digit
    nondigits: list[torch.Tensor]

    @classmethod
    def make(cls, drawing: DrawingRecipe = RECIPE, log=print) -> "TrainingImages":
        started = time.perf_counter()
        mnist = load_dataset(ALL_DIGITS)
        drawn = [FOR_BUILDING[name].model_inputs() for name in DRAWN_DIGITS]
        _, nondigits = FOR_BUILDING["nondigits"].model_inputs()
        images = torch.cat([mnist.train_x, *(torch.from_numpy(x) for _, x in drawn)])
        labels = torch.cat([mnist.train_y, *(torch.from_numpy(y) for y, _ in drawn)])
        log(f"{len(labels) - len(mnist.train_y):,} generated digits and {len(nondigits):,} non-digits "
            f"in {time.perf_counter() - started:.0f} s")
        generator = torch.Generator().manual_seed(drawing.copies_seed)
        digit_copies = augmented_copies(images, drawing.copies, generator)
        other_copies = augmented_copies(torch.from_numpy(nondigits), drawing.copies, generator)
        log(f"{drawing.copies} augmented copies of each in {time.perf_counter() - started:.0f} s")
        return cls(digit_copies, labels, other_copies)

    def for_task(self, digits: tuple[int, ...]) -> tuple[list[torch.Tensor], torch.Tensor, list[torch.Tensor]]:
        """(copies of the task's digits, their targets, copies of what is none of them): for a pair,
        its two digits to tell apart, the other eight joining the non-digits."""
        if not is_pair(digits):
            return self.digits, targets(self.labels, digits), self.nondigits
        mine = torch.isin(self.labels, torch.tensor(digits))
        others = [torch.cat([nondigits, copy[~mine]]) for nondigits, copy in zip(self.nondigits, self.digits)]
        return [copy[mine] for copy in self.digits], targets(self.labels[mine], digits), others


def augmented_copies(images: torch.Tensor, copies: int, generator: torch.Generator, chunk: int = 128):
    """[images, copy 1, ..., copy k] as uint8, each copy through draw_augment."""
    def as_bytes(x):
        return (x.clamp(0, 1) * 255).round().to(torch.uint8)

    made = [as_bytes(images)]
    for _ in range(copies):
        made.append(as_bytes(torch.cat([draw_augment(images[i : i + chunk], generator)
                                        for i in range(0, len(images), chunk)])))
    return made


def drawn_or_plain(copies: list[torch.Tensor], indices, epoch: int, share: float, generator) -> torch.Tensor:
    """The images at `indices` as floats, each from epoch `epoch`'s copy with chance `share`, else as they are."""
    drawn = torch.rand(len(indices), generator=generator) < share
    chosen = torch.where(drawn.view(-1, 1), copies[1 + (epoch - 1) % (len(copies) - 1)][indices], copies[0][indices])
    return chosen.float() / 255


class DrawnCopies(Hook):
    """Before each batch: its digits taken from the epoch's copy made to look drawn, or now and then as they are."""

    def __init__(self, copies: list[torch.Tensor], share: float):
        self.copies, self.share = copies, share

    def before_batch(self, run, batch) -> None:
        batch.xb = drawn_or_plain(self.copies, batch.indices, batch.epoch, self.share, run.generator)


class OutlierExposure(Hook):
    """Before each batch: `count` images of none of its classes join it, after its digits, without
    targets; `loss` scores the digits as `base` does and the rest towards "none of these"."""

    def __init__(self, copies: list[torch.Tensor], count: int, weight: float, share: float, base):
        self.copies, self.count, self.weight, self.share, self.base = copies, count, weight, share, base

    def before_batch(self, run, batch) -> None:
        picked = torch.randint(len(self.copies[0]), (self.count,), generator=run.generator)
        batch.xb = torch.cat([batch.xb, drawn_or_plain(self.copies, picked, batch.epoch, self.share, run.generator)])

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """The digits' loss plus `weight` times the outliers' (the rows past the targets), when there are any."""
        digits = self.base(outputs[: len(targets)], targets)
        if len(outputs) == len(targets):  # the validation set: digits only
            return digits
        return digits + self.weight * none_of_these(outputs[len(targets) :])


class CosineSchedule(Hook):
    """After each step: the learning rate falls from the settings' lr to 0 along a half cosine over `steps` steps."""

    def __init__(self, steps: int):
        self.steps = steps

    def before_fit(self, run) -> None:
        total = self.steps
        self.schedule = torch.optim.lr_scheduler.LambdaLR(
            run.optimiser, lambda k: 0.5 * (1 + math.cos(math.pi * min(k, total) / total))
        )

    def after_step(self, run, batch) -> None:
        self.schedule.step()


def train_to_read_drawings(settings: Settings, images: TrainingImages, log=print,
                           drawing: DrawingRecipe = RECIPE) -> SavedModel:
    """A three-layer net trained by the recipe, its validation scores and its "not sure" threshold."""
    started = time.perf_counter()
    digits, wanted, nondigits = images.for_task(settings.digits)
    valid = load_dataset(settings.digits)
    data = Dataset(settings.digits, digits[0].float() / 255, wanted, valid.valid_x, valid.valid_y, valid.source)
    exposure = OutlierExposure(nondigits, drawing.outliers_per_batch, drawing.outlier_weight, drawing.augmented_share,
                               loss_function(settings.loss, data.binary))
    schedule = CosineSchedule(batch_count(len(wanted), settings.bs) * settings.epochs)
    run = Run(settings, data, hooks=[DrawnCopies(digits, drawing.augmented_share), exposure, schedule],
              loss_fn=exposure.loss)
    for _ in run.fit():
        pass
    log(f"{settings.describe()}: trained in {time.perf_counter() - started:.0f} s")
    last = run.history[-1]
    metrics = {
        "accuracy": last.accuracy, "valid_loss": last.valid_loss, "epochs": settings.epochs,
        SURE_THRESHOLD: sure_threshold(run.model, settings.digits, drawing.flagged_share[not is_pair(settings.digits)]),
        "recipe": {**asdict(drawing), "look": asdict(DrawnLook()), "learnt": LEARNT, "outliers": OUTLIERS},
    }  # fmt: skip
    return SavedModel(run.model, run.settings, metrics)


def none_of_these(outputs: torch.Tensor) -> torch.Tensor:
    """The loss that teaches "none of these": cross-entropy to equal probabilities for every class
    (for one output: binary cross-entropy to 1/2)."""
    if outputs.shape[1] == 1:
        return torch.nn.functional.binary_cross_entropy_with_logits(outputs, torch.full_like(outputs, 0.5))
    return -outputs.log_softmax(dim=1).mean()


@torch.no_grad()
def sure_threshold(model, digits: tuple[int, ...], flagged_share: float) -> float:
    """The top probability that `flagged_share` of generated drawings of the model's digits fall under."""
    labels, images = FOR_BUILDING["digits"].model_inputs()
    top = probabilities(model(torch.from_numpy(images[np.isin(labels, digits)]))).amax(dim=1)
    return float(np.quantile(top.numpy(), flagged_share))

"""The models that answer on the Draw page before a learner has trained one of their own.

For 2 vs 6 and for all ten digits they ship in assets/models/ (built by
scripts/build_default_models.py, with their settings and scores in each file's header),
so a first visit answers at once. Any other pair is trained on first use, in a few seconds,
as a learner's run with the app's recommended settings (shuffled, Adam, lr 0.003, batch size
64), the three-layer net with augmented batches (shifted, turned, resized). The linear model
is never augmented: with one weight per pixel it cannot learn to ignore a shift, augmented
copies only blur what it learns, and the preprocessing centres every drawing anyway
(augmentation took the linear ten-digit model from about 0.85 to about 0.67 on drawings).

The shipped three-layer nets are trained to read drawings (`train_to_read_drawings`), which a
learner's run does not do: larger for ten digits (784-256-128-10) and longer, with a learning
rate that falls along a half cosine; on MNIST digits made to look drawn (lesson/augment.py's
draw_augment: slant, width, turn, bend, stroke width), made once as copies because that is too
slow for every batch; and with outlier exposure: every batch also holds generated drawings
that are no digit (and, for a pair, MNIST's other digits), trained towards "none of these",
equal probabilities. That is what lets their top probability tell a digit from a scribble: the
threshold under which an answer is "not sure" is chosen on generated drawings of digits and
stored in the file. Only generated.FOR_BUILDING is used here; the held-out sets measure them.
bench/draw_accuracy.py measures them; tests/drawing/test_defaults_on_drawings.py holds floors.

No deslanting (MNIST's shear of each digit upright), though research/draw11 measured it: with
this recipe it added 0.4 points on MNIST and 0.6 on generated drawings, but flagged fewer
non-digits of unseen families at the same share of flagged digits (82% against 86%), and it
would have to belong to the model, not the page: a learner's model, trained on MNIST as it is,
must not be shown deslanted drawings, so every model file would need to say which input it takes.
"""

import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import ModelFileError
from ..files.modelfile import SUFFIX, SavedModel, read_model_file
from ..lesson.augment import DrawnLook, draw_augment
from ..lesson.dataset import ALL_DIGITS, DEFAULT_DIGITS, load_dataset, parse_digits, targets
from ..lesson.learner import Run, batch_count, batch_indices, evaluate
from ..lesson.losses import loss_function, probabilities
from ..lesson.models import KINDS
from ..lesson.optim import make_optimiser
from ..lesson.settings import Settings
from ..lesson.steps import gradients, initialise, predict, step
from .generated import FOR_BUILDING
from .predict import SURE_THRESHOLD

MODELS = Path(__file__).resolve().parents[2] / "assets" / "models"
SHIPPED_DIGITS = (DEFAULT_DIGITS, ALL_DIGITS)
SEED = 0
# Trained as a learner's run: a pair is learnt in a few epochs; ten digits need more.
PAIR_EPOCHS = {"linear": 3, "mlp": 3}
TEN_EPOCHS = {"linear": 8}
# The shipped three-layer nets, trained to read drawings (see the module's docstring).
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
    flagged_share: float = 0.03  # of generated drawings of digits under the "not sure" threshold
    copies_seed: int = SEED


RECIPE = DrawingRecipe()
OUTLIERS = "generated.FOR_BUILDING['nondigits']: the TRAIN_FAMILIES, 1,500 of each, seed 2001"


def reads_drawings(kind: str, digits) -> bool:
    """Whether the default model for the task is one of the shipped nets trained to read drawings."""
    return kind == "mlp" and parse_digits(digits) in DRAWING_NETS


def recipe(kind: str, digits) -> Settings:
    """The settings a default model is trained with."""
    digits = parse_digits(digits)
    if reads_drawings(kind, digits):
        return DRAWING_NETS[digits].checked()
    epochs = (TEN_EPOCHS if digits == ALL_DIGITS else PAIR_EPOCHS)[kind]
    return Settings(model=kind, digits=digits, epochs=epochs, augment=kind == "mlp", seed=SEED).checked()


def file_name(kind: str, digits) -> str:
    digits = parse_digits(digits)
    task = "all" if digits == ALL_DIGITS else f"{digits[0]}v{digits[1]}"
    return f"default-{kind}-{task}{SUFFIX}"


def shipped_path(kind: str, digits) -> Path:
    return MODELS / file_name(kind, digits)


def train_default(kind: str, digits, data=None, images=None, log=print) -> SavedModel:
    """A default model trained now: as a learner's run on `data` (default: the task's MNIST), or,
    for the shipped nets, to read drawings from `images` (default: made now, several minutes)."""
    settings = recipe(kind, digits)
    if reads_drawings(kind, digits):
        return train_to_read_drawings(settings, images or TrainingImages.make(log=log), log)
    run = Run(settings, data or load_dataset(settings.digits))
    for _ in run.fit():
        pass
    return SavedModel(run.model, run.settings, run.metrics())


def default_model(kind: str, digits) -> SavedModel:
    """The default model for the task: the shipped file when there is one, else trained now."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    path = shipped_path(kind, digits)
    if path.exists():
        return read_model_file(path)
    if reads_drawings(kind, digits):  # minutes of training: never on a visitor's click
        raise ModelFileError(f"{path} is missing; build it with python -m scripts.build_default_models")
    return train_default(kind, digits)


@dataclass(frozen=True)
class TrainingImages:
    """What the shipped nets learn from: MNIST's training digits and generated non-digits, each as
    [the images, copy 1, ..., copy k] through draw_augment, as uint8 (n, 784) (a quarter of the
    memory of floats: 60,000 digits and 24,000 non-digits, seven times over, take 460 MB)."""

    digits: list[torch.Tensor]
    labels: torch.Tensor  # (n,) int64: each digit's own digit
    nondigits: list[torch.Tensor]

    @classmethod
    def make(cls, drawing: DrawingRecipe = RECIPE, log=print) -> "TrainingImages":
        started = time.perf_counter()
        mnist = load_dataset(ALL_DIGITS)
        _, nondigits = FOR_BUILDING["nondigits"].model_inputs()
        log(f"{len(nondigits):,} generated non-digits in {time.perf_counter() - started:.0f} s")
        generator = torch.Generator().manual_seed(drawing.copies_seed)
        digit_copies = augmented_copies(mnist.train_x, drawing.copies, generator)
        other_copies = augmented_copies(torch.from_numpy(nondigits), drawing.copies, generator)
        log(f"{drawing.copies} augmented copies of each in {time.perf_counter() - started:.0f} s")
        return cls(digit_copies, mnist.train_y, other_copies)


def augmented_copies(images: torch.Tensor, copies: int, generator: torch.Generator, chunk: int = 128):
    """[images, copy 1, ..., copy k] as uint8, each copy through draw_augment."""
    def as_bytes(x):
        return (x.clamp(0, 1) * 255).round().to(torch.uint8)

    made = [as_bytes(images)]
    for _ in range(copies):
        made.append(as_bytes(torch.cat([draw_augment(images[i : i + chunk], generator)
                                        for i in range(0, len(images), chunk)])))
    return made


def train_to_read_drawings(settings: Settings, images: TrainingImages, log=print,
                           drawing: DrawingRecipe = RECIPE) -> SavedModel:
    """A three-layer net trained by the recipe, its validation scores and its "not sure" threshold."""
    started = time.perf_counter()
    generator = torch.Generator().manual_seed(settings.seed)
    pair = len(settings.digits) == 2
    digits, outliers, labels = images.digits, images.nondigits, images.labels
    if pair:  # its two digits to tell apart; the other eight join the non-digits
        mine = torch.isin(labels, torch.tensor(settings.digits))
        digits, labels = [copy[mine] for copy in images.digits], labels[mine]
        outliers = [torch.cat([others, copy[~mine]]) for others, copy in zip(images.nondigits, images.digits)]
    wanted = targets(labels, settings.digits)
    model = initialise(settings, 1 if pair else 10, generator)
    loss_fn = loss_function(settings.loss, pair)
    optimiser = make_optimiser(settings.opt, model.parameters(), settings.lr)
    n = len(wanted)
    total = batch_count(n, settings.bs) * settings.epochs
    cosine = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda k: 0.5 * (1 + math.cos(math.pi * min(k, total) / total))
    )

    def take(copies, indices, epoch):
        """The images at `indices`, each from the epoch's copy or, now and then, as they are."""
        drawn = torch.rand(len(indices), generator=generator) < drawing.augmented_share
        chosen = torch.where(drawn.view(-1, 1), copies[1 + epoch % drawing.copies][indices], copies[0][indices])
        return chosen.float() / 255

    for epoch in range(settings.epochs):
        for indices in batch_indices(n, settings.bs, settings.shuffle, generator):
            xb, yb = take(digits, indices, epoch), wanted[indices]
            others = take(outliers, torch.randint(len(outliers[0]), (drawing.outliers_per_batch,), generator=generator),
                          epoch)
            outputs = predict(model, torch.cat([xb, others]))
            gradients(loss_fn(outputs[: len(xb)], yb) + drawing.outlier_weight * none_of_these(outputs[len(xb) :]))
            step(optimiser)
            cosine.step()
    log(f"{settings.describe()}: trained in {time.perf_counter() - started:.0f} s")
    data = load_dataset(settings.digits)
    valid_loss, accuracy = evaluate(model, data.valid_x, data.valid_y, loss_fn)
    metrics = {
        "accuracy": accuracy, "valid_loss": valid_loss, "epochs": settings.epochs,
        SURE_THRESHOLD: sure_threshold(model, settings.digits, drawing.flagged_share),
        "recipe": {**asdict(drawing), "look": asdict(DrawnLook()), "outliers": OUTLIERS},
    }  # fmt: skip
    return SavedModel(model, settings, metrics)


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

"""The models that answer on the Draw page before a learner has trained one of their own.

For 2 vs 6 and for all ten digits they ship in assets/models/ (built by
scripts/build_default_models.py, with their settings and scores in each file's header),
so a first visit answers at once. Any other pair is trained on first use, in a few seconds,
as a learner's run with the app's recommended settings (settings.RECOMMENDED), the
three-layer net with augmented batches (shifted, turned, resized). The linear model
is never augmented: with one weight per pixel it cannot learn to ignore a shift, augmented
copies only blur what it learns, and the preprocessing centres every drawing anyway
(augmentation took the linear ten-digit model from about 0.85 to about 0.67 on drawings).

The shipped three-layer nets are trained to read drawings instead: shipped_nets.py.
"""

from pathlib import Path

from ..errors import ModelFileError
from ..files.modelfile import SUFFIX, SavedModel, read_model_file
from ..lesson.dataset import ALL_DIGITS, DEFAULT_DIGITS, is_pair, load_dataset, parse_digits
from ..lesson.models import KINDS
from ..lesson.run import Run
from ..lesson.settings import RECOMMENDED, Settings
from .shipped_nets import DRAWING_NETS, SEED, TrainingImages, train_to_read_drawings

MODELS = Path(__file__).resolve().parents[2] / "assets" / "models"
SHIPPED_DIGITS = (DEFAULT_DIGITS, ALL_DIGITS)
# Trained as a learner's run: a pair is learnt in a few epochs; ten digits need more.
PAIR_EPOCHS = {"linear": 3, "mlp": 3}
TEN_EPOCHS = {"linear": 8}


def reads_drawings(kind: str, digits) -> bool:
    """Whether the default model for the task is one of the shipped nets trained to read drawings."""
    return kind == "mlp" and parse_digits(digits) in DRAWING_NETS


def recipe(kind: str, digits) -> Settings:
    """The settings a default model is trained with."""
    digits = parse_digits(digits)
    if reads_drawings(kind, digits):
        return DRAWING_NETS[digits].checked()
    epochs = (PAIR_EPOCHS if is_pair(digits) else TEN_EPOCHS)[kind]
    return RECOMMENDED.replace(model=kind, digits=digits, epochs=epochs, augment=kind == "mlp", seed=SEED).checked()


def file_name(kind: str, digits) -> str:
    digits = parse_digits(digits)
    task = f"{digits[0]}v{digits[1]}" if is_pair(digits) else "all"
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

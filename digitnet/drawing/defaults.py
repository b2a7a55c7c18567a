"""The models that answer on the Draw page before a learner has trained one of their own.

For 2 vs 6 and for all ten digits they ship in assets/models/ (built by
scripts/build_default_models.py, with their settings and scores in each file's header),
so a first visit answers at once. Any other pair is trained on first use, in a few
seconds. Every default model is trained with the app's recommended settings (shuffled,
Adam, lr 0.003, batch size 64) and a fixed seed, so a rebuild gives the same model. The
three-layer net also sees augmented batches (shifted, turned, resized), which helps it
read drawings. The linear model does not: with one weight per pixel it cannot learn
to ignore a shift, augmented copies only blur what it learns, and the preprocessing
centres every drawing anyway. Measured on the drawings of harness/drawings.py (bench/draw_accuracy.py):
augmentation took the linear ten-digit model from about 0.85 to about 0.67.
"""

from pathlib import Path

from ..files.modelfile import SUFFIX, SavedModel, read_model_file
from ..lesson.dataset import ALL_DIGITS, DEFAULT_DIGITS, load_dataset, parse_digits
from ..lesson.learner import Run
from ..lesson.models import KINDS
from ..lesson.settings import Settings

MODELS = Path(__file__).resolve().parents[2] / "assets" / "models"
SHIPPED_DIGITS = (DEFAULT_DIGITS, ALL_DIGITS)
SEED = 0
# A pair is learnt in a few epochs; ten digits need more.
PAIR_EPOCHS = {"linear": 3, "mlp": 3}
TEN_EPOCHS = {"linear": 8, "mlp": 15}


def recipe(kind: str, digits) -> Settings:
    """The settings a default model is trained with."""
    digits = parse_digits(digits)
    epochs = (TEN_EPOCHS if digits == ALL_DIGITS else PAIR_EPOCHS)[kind]
    return Settings(model=kind, digits=digits, epochs=epochs, augment=kind == "mlp", seed=SEED).checked()


def file_name(kind: str, digits) -> str:
    digits = parse_digits(digits)
    task = "all" if digits == ALL_DIGITS else f"{digits[0]}v{digits[1]}"
    return f"default-{kind}-{task}{SUFFIX}"


def shipped_path(kind: str, digits) -> Path:
    return MODELS / file_name(kind, digits)


def train_default(kind: str, digits, data=None) -> SavedModel:
    """A default model trained now, on `data` (default: the task's MNIST)."""
    settings = recipe(kind, digits)
    run = Run(settings, data or load_dataset(settings.digits))
    for _ in run.fit():
        pass
    return SavedModel(run.model, run.settings, run.metrics())


def default_model(kind: str, digits) -> SavedModel:
    """The default model for the task: the shipped file when there is one, else trained now."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    path = shipped_path(kind, digits)
    return read_model_file(path) if path.exists() else train_default(kind, digits)

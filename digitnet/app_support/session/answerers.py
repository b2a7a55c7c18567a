"""The models that can answer on the Draw page: the session's runs and the default models."""

from dataclasses import dataclass, field

from ...drawing.predict import threshold_of
from ...lesson.settings import KINDS, MODEL_NAMES, Settings


@dataclass(frozen=True)
class Choice:
    """A model that can answer: one of the session's runs, or a default model."""

    label: str
    run: object = None
    kind: str | None = None  # a default model's kind


@dataclass(frozen=True)
class Answerer:
    model: object
    settings: Settings
    accuracy: float  # on the validation set
    origin: str  # where the model comes from, for the caption
    file_metrics: dict = field(default_factory=dict)  # what its file says of it beyond its scores

    @property
    def threshold(self) -> float:
        """Its answers below this probability are "not sure" (drawing.predict)."""
        return threshold_of(self.file_metrics)


def default_choices() -> list[Choice]:
    """The default models, the three-layer net first."""
    return [Choice(f"default {MODEL_NAMES[kind]}", kind=kind) for kind in reversed(KINDS)]


def choices(lab, digits) -> tuple[list[Choice], int]:
    """Every model that can answer for these digits, and the one to start with: the
    latest trained, else the default three-layer net."""
    runs = [Choice(run.name, run=run) for run in lab.usable_runs(digits)]
    defaults = default_choices()
    latest = lab.latest(digits)
    start = next((i for i, c in enumerate(runs) if c.run is latest), len(runs))
    return runs + defaults, start


def run_answerer(run) -> Answerer:
    """A run of the session as the model that answers, scored as it is now."""
    origin = "trained in this session" if run.status != "loaded" else "loaded from a file in this session"
    return Answerer(run.model, run.settings, run.accuracy_now(), origin, run.file_metrics)

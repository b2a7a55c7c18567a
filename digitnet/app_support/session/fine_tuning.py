"""Fine-tuning a copy of a model on the learner's own digits (lesson/fine_tune.py), and what it did."""

import copy
from contextlib import closing
from dataclasses import dataclass

from .own_digits import MIN_TO_FINE_TUNE, MyDigits, read_right


@dataclass(frozen=True)
class FineTuning:
    """What fine-tuning a model on the learner's digits did."""

    source: str  # the model it started from
    run: str  # the new run it made
    epochs: int
    n_trained: int  # the learner's digits mixed into the batches
    n_held_out: int  # ... and kept aside to measure with
    held_out_before: float
    held_out_after: float
    valid_before: float  # MNIST's validation set
    valid_after: float


def fine_tune_copy(mine: MyDigits, name: str, source: str, model, settings, file_metrics: dict, data, epochs: int,
                   hooks=()):
    """A copy of a model (of `source`), named `name`, trained `epochs` more epochs on its MNIST with
    the learner's digits of its task in every batch (all but every third, kept aside); `hooks`
    join its training (one may stop it). The run and the FineTuning."""
    from ...drawing.predict import SURE_THRESHOLD  # here: what the first page imports does without torch
    from ...lesson.fine_tune import fine_tune
    from ...lesson.run import Run

    digits = settings.digits
    train, aside = mine.split(digits)
    if len(train) + len(aside) < MIN_TO_FINE_TUNE:
        raise ValueError(f"at least {MIN_TO_FINE_TUNE} of the learner's digits of the task are needed")
    # A shipped net's "not sure" threshold was chosen for the weights it had: not kept.
    kept = {k: v for k, v in file_metrics.items() if k != SURE_THRESHOLD}
    run = Run(settings, data, model=copy.deepcopy(model), name=name, file_metrics=kept)
    held_x, held_y = mine.tensors(aside, digits)
    before = (read_right(run.model, held_x, held_y), run.evaluate()[1])
    with closing(fine_tune(run, *mine.tensors(train, digits), epochs, hooks)) as events:
        for _ in events:
            pass
    outcome = FineTuning(source, name, epochs, len(train), len(aside), before[0], read_right(run.model, held_x, held_y),
                         before[1], run.evaluate()[1])
    return run, outcome

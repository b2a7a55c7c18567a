"""One learner's session: the settings they chose, every model they made, the one they are
stepping through, and who they are on the class board.

The app keeps one Lab per browser session; nothing in it is shared between sessions.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..lesson.settings import Settings
from .board import Learner
from .my_digits import FineTuning, MyDigits

if TYPE_CHECKING:  # importing them needs torch, which the first page can do without
    from ..files.modelfile import SavedModel
    from ..lesson.dataset import Dataset
    from ..lesson.learner import Run
    from ..lesson.stepper import Stepper

SETTLE_SECONDS = 10.0


class Busy(Exception):
    """Another page run of this session still trains or steps one of its models."""


class Lab:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.runs: list[Run] = []
        self.stepper: Stepper | None = None
        self.learner = Learner()  # a nickname, and a number once the board gives one
        self._working = threading.Lock()
        self._owner: int | None = None  # the thread that holds it
        self._stop = threading.Event()  # set when another run of a page wants the models
        self.messages: dict[str, list[tuple[str, str]]] = {}  # place -> (kind, text), to show once
        self.my_digits = MyDigits()  # the learner's own handwriting, labelled on the Draw page
        self.fine_tunings: list[FineTuning] = []  # what fine-tuning on them did, oldest first

    def flash(self, place: str, text: str, kind: str = "warning") -> None:
        """A message for the page to show once at `place`. Kept here rather than in Streamlit's
        session state: a page run that a click has stopped can no longer write to that."""
        self.messages.setdefault(place, []).append((kind, text))

    def take_messages(self, place: str) -> list[tuple[str, str]]:
        return self.messages.pop(place, [])

    def start_run(self, data: Dataset, start: Run | None = None) -> Run:
        """A new run with the current settings, kept in the history; from the same start as the
        earlier run `start` when given (its first weights, model, init and seed)."""
        from ..lesson.learner import Run

        run = Run(self.settings, data, name=f"run {len(self.runs) + 1}", start=start)
        self.runs.append(run)
        return run

    def add_saved(self, saved: SavedModel, data: Dataset, file_name: str) -> Run:
        from ..lesson.learner import Run

        run = Run(saved.settings, data, model=saved.model, name=f"{file_name} (uploaded)", file_metrics=saved.metrics)
        self.runs.append(run)
        return run

    def start_stepping(self, data: Dataset) -> Stepper:
        """A new run, stepped through from its step 1."""
        from ..lesson.stepper import Stepper

        self.stepper = Stepper(self.start_run(data))
        return self.stepper

    @contextmanager
    def working(self, timeout: float = SETTLE_SECONDS):
        """Hold the session's models while a page trains or steps one. Streamlit starts the run
        of a click as soon as the click stops the old one, and the old one lets go only at its
        next update (a training) or when it sees should_stop() (many steps): two runs of a page
        can overlap. The newcomer asks the holder to stop and waits; Busy if the other still
        works after `timeout` seconds. The thread that holds it may enter again."""
        me = threading.get_ident()
        if self._owner == me:
            yield
            return
        self._stop.set()
        if not self._working.acquire(timeout=timeout):
            raise Busy("the last training or stepping of this session is still stopping")
        self._owner = me
        self._stop.clear()
        try:
            yield
        finally:
            self._owner = None
            self._working.release()

    def should_stop(self) -> bool:
        """Whether another run of a page is waiting for the models: long work stops between batches."""
        return self._stop.is_set()

    def settle(self, timeout: float = SETTLE_SECONDS) -> bool:
        """Stop and wait for another run of a page that holds the models; False if it has not
        let go after `timeout` seconds."""
        try:
            with self.working(timeout):
                return True
        except Busy:
            return False

    def run_named(self, name: str | None) -> Run | None:
        return next((run for run in self.runs if run.name == name), None)

    def latest(self, digits=None) -> Run | None:
        """The newest run with a usable model, for the given digits if any."""
        for run in reversed(self.runs):
            if run.usable and digits in (None, run.settings.digits):
                return run
        return None

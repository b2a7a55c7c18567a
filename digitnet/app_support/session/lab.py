"""One browser tab's session: the settings it chose, the model it is stepping through, its
one-shot messages, and the learner's work (work.py: every model they made, their own digits,
who they are on the class board), which the browser's tabs share and the database keeps.

The app keeps one Lab per browser session. It keeps its lists to itself: pages ask it for the
runs they show, and it makes and forgets runs.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ...lesson.settings import Settings
from .work import Work

if TYPE_CHECKING:  # importing them needs torch, which the first page can do without
    from ...files.modelfile import SavedModel
    from ...lesson.dataset import Dataset
    from ...lesson.run import Run
    from ...lesson.stepper import Stepper
    from .fine_tuning import FineTuning

SETTLE_SECONDS = 10.0


class Busy(Exception):
    """Another page run of this session still trains or steps one of its models."""


class Lab:
    def __init__(self, settings: Settings | None = None, work: Work | None = None):
        self.settings = settings or Settings()
        self.work = work or Work()  # kept in this tab only until the browser is known
        self.stepper: Stepper | None = None
        self._working = threading.Lock()
        self._owner: int | None = None  # the thread that holds it
        self._stop = threading.Event()  # set when another run of a page wants the models
        self.messages: dict[str, list[tuple[str, str]]] = {}  # place -> (kind, text), to show once
        self.invitation: dict[str, str] = {}  # a class link's code to join or teacher's secret, until the Class page

    @property
    def member(self):
        """Who the learner is on the class board: a nickname, and a number once it gives one."""
        return self.work.member

    @property
    def my_digits(self):
        """The learner's own handwriting, labelled on the Draw page (add them through the work)."""
        return self.work.my_digits

    def flash(self, place: str, text: str, kind: str = "warning") -> None:
        """A message for the page to show once at `place`. Kept here rather than in Streamlit's
        session state: a page run that a click has stopped can no longer write to that."""
        self.messages.setdefault(place, []).append((kind, text))

    def take_messages(self, place: str) -> list[tuple[str, str]]:
        return self.messages.pop(place, [])

    def start_run(self, data: Dataset, start: Run | None = None) -> Run:
        """A new run with the current settings, kept in the history; from the same start as the
        earlier run `start` when given (its first weights, model, init and seed)."""
        from ...lesson.run import Run

        with self.work.lock:
            return self.work.add_run(Run(self.settings, data, name=f"run {len(self.work.runs) + 1}", start=start))

    def add_saved(self, saved: SavedModel, data: Dataset, file_name: str) -> Run:
        from ...lesson.run import Run

        run = Run(saved.settings, data, model=saved.model, name=f"{file_name} (uploaded)", file_metrics=saved.metrics)
        return self.work.add_run(run)

    def keep(self, run: Run) -> Run:
        """A run made elsewhere joins the session's history, as its newest."""
        return self.work.add_run(run)

    def start_stepping(self, data: Dataset) -> Stepper:
        """A new run, stepped through from its step 1."""
        from ...lesson.stepper import Stepper

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
            if self.stepper is not None:  # steps change a run without ending a training: saved here
                self.work.save_run(self.stepper.run)
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

    @property
    def runs(self) -> list[Run]:
        """Every run of the session, oldest first (a copy: the Lab keeps the list)."""
        return list(self.work.runs)

    def shown_runs(self) -> list[Run]:
        """The runs a history lists: those that trained an epoch, or whose model is usable."""
        return [run for run in self.work.runs if run.history or run.usable]

    def runs_for(self, digits) -> list[Run]:
        """The runs of a task, oldest first, trained or not."""
        return [run for run in self.work.runs if run.settings.digits == digits]

    def usable_runs(self, digits=None) -> list[Run]:
        """The runs whose model is worth asking, oldest first; of the given digits if any."""
        return [run for run in self.work.runs if run.usable and digits in (None, run.settings.digits)]

    def index(self, run: Run) -> int:
        """The run's place in the session, counting from 0: it names the widgets that show it."""
        return self.work.runs.index(run)

    def run_with_id(self, run_id: str | None) -> Run | None:
        return next((run for run in self.work.runs if run.id == run_id), None)

    def newest(self) -> Run | None:
        return self.work.runs[-1] if self.work.runs else None

    def latest(self, digits=None) -> Run | None:
        """The newest run with a usable model, for the given digits if any."""
        usable = self.usable_runs(digits)
        return usable[-1] if usable else None

    def forget_unstarted(self, run: Run) -> bool:
        """Forget a run that never began (stopped while it waited for a training slot); whether it was one."""
        if run.status != "new":
            return False
        self.work.drop(run)
        return True

    @property
    def fine_tunings(self) -> list[FineTuning]:
        return list(self.work.fine_tunings)

    def fine_tune(self, source: str, model, settings, file_metrics: dict, data: Dataset, epochs: int,
                  hooks=()) -> tuple[Run, FineTuning]:
        """A copy of the model of `source`, fine-tuned on the learner's digits of its task
        (fine_tuning.py): a new run of the session, and what it did."""
        from .fine_tuning import fine_tune_copy

        name = f"{source} + my digits ({len(self.work.fine_tunings) + 1})"
        run, outcome = fine_tune_copy(self.my_digits, name, source, model, settings, file_metrics, data, epochs, hooks)
        self.work.add_run(run)
        self.work.add_fine_tuning(outcome)
        return run, outcome

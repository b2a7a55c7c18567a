"""A learner's body of work: their runs, their own digits, what fine-tuning did, who they are on
the class board. One per browser in a server process, shared by the browser's tabs; saved as it
is made (storage/saved_work.py) and rebuilt from the database when the browser comes back, on
this process or another (a reload, a restart, a replica that died).

Runs are saved through a hook of their own loop (RunSaver): each epoch as it ends, the run's row
when training ends and after every page's work on it. At most MAX_RUNS runs of a browser are
saved; past that a new run is kept in the tab only, until the learner agrees to delete the
oldest (make_room).
"""

import itertools
import threading
import time
import weakref

import numpy as np

from ...errors import DigitnetError
from ...lesson.hooks import Hook
from ...lesson.settings import Settings
from ..storage.board import Member
from ..storage.database import DatabaseUnavailable
from ..storage.saved_work import MAX_RUNS, SavedBrowser, SavedRun, tensors_of
from .fine_tuning import FineTuning
from .own_digits import MyDigits


def made_now() -> int:
    """A saved thing's place among the browser's: when it was made, in microseconds. Unlike a count,
    it cannot collide with what another process made for the same browser while this one could
    not read the database."""
    return time.time_ns() // 1000


class RunSaver(Hook):
    """Joins a run's loop: after each epoch, that epoch is saved; when training ends, the run's row."""

    def __init__(self, work: "Work", position: int, in_database: bool = False):
        self.work, self.position = work, position
        self.in_database = in_database  # its row is written (or on its way, first in the outbox)
        self.losses_saved = 0  # the run's batch losses that saved epochs hold
        self.weights_saved: set[int] = set()  # epochs whose weights are saved

    def after_epoch(self, run, result) -> None:
        """The epoch, with the run's row, in one write: the row's model is then that epoch's weights."""
        losses = run.batch_losses[self.losses_saved :]
        self.losses_saved = len(run.batch_losses)
        dropped = sorted(self.weights_saved - set(run.snapshots))
        self.weights_saved = {epoch for epoch in run.snapshots if epoch}
        self.save(run, ended=(result, losses, run.snapshots.get(result.epoch)), dropped=dropped)

    def after_fit(self, run) -> None:
        self.save(run)

    def save(self, run, ended=None, dropped=()) -> None:
        """The run's row as it is now (with the epoch that just `ended`)."""
        later = run.batch_losses[self.losses_saved :]
        saved = self.work.stores.saved
        self.work.send(saved.run(self.work.browser, self.position, run, later, not self.in_database, ended, dropped))
        self.in_database = True


class Work:
    """One browser's runs, digits, fine-tunings and board name. Saved when `browser` (its id in the
    database) and `stores` are given; else kept in this process only, as for a browser whose key
    is not known yet."""

    def __init__(self, browser: str | None = None, stores=None):
        self.browser, self.stores = browser, stores
        self._runs: list = []
        self._to_rebuild: list[SavedRun] = []  # saved, not yet Runs: that needs torch, which a first page lacks
        self.data_for = None  # digits -> Dataset, for rebuilding them
        self.my_digits = MyDigits()
        self.fine_tunings: list = []
        self.member = Member()
        self.lock = threading.RLock()  # two tabs may add runs at once
        self.unsaved: set[str] = set()  # ids of runs not saved: past MAX_RUNS
        self.load_failed: str | None = None  # why the saved work could not be read, when it could not
        self._savers: dict[str, RunSaver] = {}

    @property
    def runs(self) -> list:
        """The browser's runs, oldest first; those saved are rebuilt the first time they are asked for."""
        with self.lock:
            if self._to_rebuild:
                self._rebuild()
            return self._runs

    def _rebuild(self) -> None:
        import logging

        entries, self._to_rebuild = self._to_rebuild, []
        for entry in entries:
            try:
                run = rebuilt_run(entry, self.data_for)
            except (DigitnetError, KeyError, RuntimeError, ValueError) as exc:
                logging.getLogger(__name__).error("saved run %s cannot be rebuilt: %s", entry.id, exc)
                continue
            run.name = unused_name(run.name, {other.name for other in self._runs})  # saved before names were kept apart
            self._runs.append(run)
            saver = RunSaver(self, entry.position, in_database=True)
            saver.losses_saved = len(run.batch_losses) - len(entry.later_losses)
            saver.weights_saved = {epoch for epoch in run.snapshots if epoch}
            self._savers[run.id] = saver
            run.hooks.append(saver)

    @property
    def saving(self) -> bool:
        return self.browser is not None and self.stores is not None

    def send(self, write) -> None:
        if self.saving:
            self.stores.outbox.send(write)

    def pending(self) -> int:
        """Writes of this work that wait for the database while it is away (writes on their way to a
        database that answers are saved as far as the learner can tell)."""
        outbox = self.stores.outbox
        return outbox.pending(self.browser) if self.saving and outbox.trouble else 0

    # What the Lab asks of it

    def add_run(self, run):
        """A new run of the browser, saved from now on (unless it has MAX_RUNS saved already), renamed if
        another of its runs has its name: two files of one name made two runs no list could tell apart."""
        with self.lock:
            run.name = unused_name(run.name, {other.name for other in self.runs})
            self.runs.append(run)
            self._watch(run, made_now())
        return run

    def save_run(self, run) -> None:
        """The run's row as it is now: after a page's work on it (steps, a stop)."""
        if (saver := self._savers.get(run.id)) is not None:
            saver.save(run)

    def drop(self, run) -> None:
        """Forget a run that never began, here and in the database."""
        with self.lock:
            self.runs.remove(run)
            if self._savers.pop(run.id, None) is not None:
                self.send(self.stores.saved.forget_runs(self.browser, [run.id]))

    def saved_runs(self) -> list:
        return [run for run in self.runs if run.id in self._savers]

    def make_room(self, count: int = 1) -> list:
        """Delete the oldest saved runs, enough for `count` more to be saved, and save the unsaved
        ones as far as there is room; the runs deleted (they stay in this tab)."""
        with self.lock:
            saved = self.saved_runs()
            oldest = saved[: max(0, len(saved) + count - MAX_RUNS)]
            for run in oldest:
                self._savers.pop(run.id)
                run.hooks[:] = [hook for hook in run.hooks if not isinstance(hook, RunSaver)]
            if oldest:
                self.send(self.stores.saved.forget_runs(self.browser, [run.id for run in oldest]))
            for run in [run for run in self.runs if run.id in self.unsaved][: MAX_RUNS - len(self.saved_runs())]:
                self.unsaved.discard(run.id)
                self._watch(run, made_now())
        return oldest

    def add_digit(self, image, label: int) -> bool:
        with self.lock:
            if not self.my_digits.add(image, label):
                return False
            self._save_digits(len(self.my_digits) - 1)
        return True

    def load_digits(self, data: bytes) -> int:
        with self.lock:
            first = len(self.my_digits)
            added = self.my_digits.load(data)
            self._save_digits(first)
        return added

    def add_fine_tuning(self, outcome) -> None:
        with self.lock:
            self.fine_tunings.append(outcome)
            if self.saving:
                self.send(self.stores.saved.fine_tuning(self.browser, made_now(), outcome.__dict__))

    def set_nickname(self, nickname: str) -> None:
        self.member.nickname = nickname
        self.save_member()

    def save_member(self) -> None:
        if self.saving:
            self.send(self.stores.saved.browser(self.browser, self.member))

    def forget(self) -> None:
        """Delete everything saved for this browser (DatabaseUnavailable when it cannot be done now)
        and empty it: the tabs start afresh."""
        if self.saving:
            self.stores.saved.forget(self.browser)
        with self.lock:
            self._to_rebuild, self._runs = [], []
            self.my_digits.images.clear()
            self.my_digits.labels.clear()
            self.fine_tunings.clear()
            self._savers.clear()
            self.unsaved.clear()
            self.member.nickname, self.member.number = "", None

    def adopt(self, other: "Work") -> None:
        """Take in the work of a tab made before its browser was known: runs, digits, fine-tunings."""
        with self.lock:
            for run in other.runs:
                self.add_run(run)
            for image, label in zip(other.my_digits.images, other.my_digits.labels):
                self.add_digit(image.astype(np.float32) / 255, label)
            for outcome in other.fine_tunings:
                self.add_fine_tuning(outcome)
            if other.member.nickname and not self.member.nickname:
                self.set_nickname(other.member.nickname)

    def _watch(self, run, position: int) -> None:
        """Save the run from now on through a hook of its loop, and the epochs it had before."""
        if not self.saving:
            return
        if len(self._savers) >= MAX_RUNS:
            self.unsaved.add(run.id)
            return
        saver = RunSaver(self, position)
        self._savers[run.id] = saver
        run.hooks.append(saver)
        saver.save(run)
        if run.history:  # trained before it could be saved: its epochs, their batch losses all in the run's row
            self.send(self.stores.saved.epochs(self.browser, run))
        saver.weights_saved = {epoch for epoch in run.snapshots if epoch}

    def _save_digits(self, first: int) -> None:
        if self.saving:
            for index in range(first, len(self.my_digits)):
                self.send(self.stores.saved.digit(self.browser, made_now() + index, self.my_digits.labels[index],
                                                  self.my_digits.images[index].tobytes()))


def unused_name(name: str, taken) -> str:
    """`name`, or the first of "x (uploaded, 2)", "x (uploaded, 3)"... for "x (uploaded)", of "run 3 (2)",
    "run 3 (3)"... for "run 3", that is not `taken`."""
    if name not in taken:
        return name
    form = f"{name[:-1]}, {{}})" if name.endswith(")") else f"{name} ({{}})"
    return next(form.format(k) for k in itertools.count(2) if form.format(k) not in taken)


def rebuilt(saved: SavedBrowser, browser: str, stores, data_for) -> Work:
    """The work of a browser as it was saved; `data_for(digits)` gives a task's Dataset. Its runs
    are made Runs when first asked for; one that cannot be (its data or its weights unreadable) is
    left out, in the log."""
    work = Work(browser, stores)
    work.member.nickname, work.member.number, work.member.classroom = saved.nickname, saved.number, saved.classroom
    work._to_rebuild, work.data_for = list(saved.runs), data_for
    for label, image in saved.digits:
        work.my_digits.images.append(np.frombuffer(image, dtype=np.uint8).reshape(28, 28).copy())
        work.my_digits.labels.append(label)
    work.fine_tunings = [FineTuning(**outcome) for outcome in saved.fine_tunings]
    return work


def rebuilt_run(entry: SavedRun, data_for):
    """A saved run as a Run again (ValueError when its weights do not fit its settings)."""
    from ...lesson.models import build_model
    from ...lesson.run import EpochResult, Run

    settings = Settings.from_dict(entry.settings)
    epochs = entry.epochs
    last = tensors_of(entry.weights or (epochs[-1].weights if epochs and epochs[-1].weights else entry.first_weights))
    model = build_model(settings.model, settings.n_outputs, settings.hidden, settings.init)
    parameters = dict(model.named_parameters())
    if set(parameters) != set(last) or any(parameters[name].shape != last[name].shape for name in last):
        raise ValueError("its weights do not fit its settings")
    import torch

    with torch.no_grad():
        for name, value in last.items():
            parameters[name].copy_(value)
    history = [EpochResult(e.epoch, e.train_loss, e.valid_loss, e.accuracy, e.seconds) for e in epochs]
    losses = [loss for e in epochs for loss in e.batch_losses] + entry.later_losses
    snapshots = {0: tensors_of(entry.first_weights)} | {e.epoch: tensors_of(e.weights) for e in epochs if e.weights}
    return Run.rebuilt(settings, data_for(settings.digits), model, id=entry.id, name=entry.name, status=entry.status,
                       history=history, batch_losses=losses, snapshots=snapshots, diverged=entry.diverged,
                       unreplayable=entry.unreplayable, same_start_as=entry.same_start_as,
                       file_metrics=entry.file_metrics)


class Works:
    """Every browser's Work in this process, by browser id: a browser's tabs share one, and one
    that no tab holds any longer is let go (and rebuilt from the database when it comes back)."""

    def __init__(self, stores, data_for):
        self.stores, self.data_for = stores, data_for
        self._works = weakref.WeakValueDictionary()
        self._lock = threading.Lock()

    def of(self, browser: str) -> Work:
        """The browser's work: the one its other tabs here hold, else as it was saved, else new.
        While the database is away, a new one that saves what comes, and says why (load_failed)."""
        with self._lock:
            work = self._works.get(browser)
            # One made while the database was away is read again once what it made is written.
            if work is not None and (work.load_failed is None or self.stores.outbox.pending(browser)):
                return work
            try:
                saved = self.stores.saved.load(browser)
            except DatabaseUnavailable as exc:
                if work is None:
                    work = self._works[browser] = Work(browser, self.stores)
                    work.load_failed = str(exc)
                return work
            work = Work(browser, self.stores) if saved is None else rebuilt(saved, browser, self.stores, self.data_for)
            self._works[browser] = work
            return work

"""Every learner's work, in the app's database as it is made: their runs (each epoch of them),
the models they loaded or fine-tuned, their own digits, their nickname. Kept per browser.

A browser is known by a random key it keeps (pages/shared/browser_key.py); the database holds
only the key's SHA-256 (`browser_id`), so that whoever reads the database cannot act as a
browser. Weights are safetensors bytes and losses float64 bytes: nothing is ever unpickled.

Each change is one Write for the outbox, keyed so that doing it twice leaves it once: a run's
row (its settings, status, first weights, the model as it is, the batch losses after its last
whole epoch), each epoch's row once (its record, its batch losses, its weights while the run
keeps them: Run.kept_weights), a digit, a fine-tuning, the browser's nickname. A browser's work
untouched for DIGITNET_KEEP_DAYS days is deleted (expire), and "Forget my work" deletes it at once.
"""

import hashlib
import json
import time
from array import array
from dataclasses import dataclass

from .database import Database
from .outbox import Write

KEEP_DAYS = 30
MAX_RUNS = 20  # saved per browser: 300 learners at the limit keep about 5 GB of default runs (README)
KEY_LENGTH = 64  # hex digits of a browser's key: 256 random bits


def browser_id(key: str | None) -> str | None:
    """The database's name for the browser that holds `key`; None for anything that is not a key."""
    if not isinstance(key, str) or len(key) != KEY_LENGTH or any(c not in "0123456789abcdef" for c in key):
        return None
    return hashlib.sha256(key.encode()).hexdigest()


def weight_bytes(weights) -> bytes:
    from safetensors.torch import save  # here: the first page does without torch

    return save({name: w.contiguous() for name, w in weights.items()})


def losses_bytes(losses) -> bytes:
    return array("d", losses).tobytes()


def losses_of(data: bytes | None) -> list[float]:
    return array("d", bytes(data or b"")).tolist()


def tensors_of(data: bytes | None):
    from safetensors.torch import load

    return None if data is None else load(bytes(data))


@dataclass(frozen=True)
class SavedEpoch:
    epoch: int
    train_loss: float
    valid_loss: float
    accuracy: float
    seconds: float
    batch_losses: list[float]
    weights: bytes | None  # safetensors (tensors_of), when the run kept them


@dataclass(frozen=True)
class SavedRun:
    id: str
    position: int
    name: str
    settings: dict
    status: str
    diverged: str | None
    unreplayable: str | None
    same_start_as: str | None
    file_metrics: dict
    first_weights: bytes  # safetensors (tensors_of): read without torch, made tensors when the run is rebuilt
    weights: bytes | None  # the model as it was last saved; None: as after its last epoch
    later_losses: list[float]  # batch losses after its last whole epoch
    epochs: list[SavedEpoch]


@dataclass(frozen=True)
class SavedBrowser:
    nickname: str
    number: int | None
    classroom: int | None  # the class the learner is in
    runs: list[SavedRun]
    digits: list[tuple[int, bytes]]  # (label, 784 bytes)
    fine_tunings: list[dict]


RUN_COLUMNS = ("id, position, name, settings, status, diverged, unreplayable, same_start_as, file_metrics, "
               "first_weights, weights, later_losses")
EPOCH_COLUMNS = "epoch, train_loss, valid_loss, accuracy, seconds, batch_losses, weights"


class SavedWork:
    def __init__(self, database: Database):
        self.database = database

    # Reading

    def load(self, browser: str) -> SavedBrowser | None:
        """Everything saved for a browser, or None when it has nothing saved."""
        with self.database.transaction(write=False) as run:
            found = run("SELECT nickname, learner, class FROM browsers WHERE key_hash = ?", (browser,)).fetchone()
            if found is None:
                return None
            rows = run(f"SELECT {RUN_COLUMNS} FROM saved_runs WHERE browser = ? ORDER BY position", (browser,))
            runs = [self._run(run, row) for row in rows.fetchall()]
            digits = run("SELECT label, image FROM saved_digits WHERE browser = ? ORDER BY position", (browser,))
            digits = [(label, bytes(image)) for label, image in digits.fetchall()]
            tunings = run("SELECT outcome FROM saved_fine_tunings WHERE browser = ? ORDER BY position", (browser,))
            tunings = [json.loads(outcome) for (outcome,) in tunings.fetchall()]
        return SavedBrowser(found[0], found[1], found[2], runs, digits, tunings)

    def open_run(self, run_id: str) -> SavedRun | None:
        """One saved run, for anyone who may see it (a run on the class board), or None."""
        with self.database.transaction(write=False) as run:
            row = run(f"SELECT {RUN_COLUMNS} FROM saved_runs WHERE id = ?", (run_id,)).fetchone()
            return None if row is None else self._run(run, row)

    def sizes(self, browser: str) -> tuple[int, int]:
        """How many runs a browser has saved, and their bytes."""
        found = self.database.read(
            "SELECT count(*), coalesce(sum(length(first_weights) + coalesce(length(weights), 0)"
            " + coalesce(length(later_losses), 0)), 0) FROM saved_runs WHERE browser = ?", (browser,))[0]
        epochs = self.database.read(
            "SELECT coalesce(sum(length(batch_losses) + coalesce(length(weights), 0)), 0) FROM saved_epochs"
            " WHERE run IN (SELECT id FROM saved_runs WHERE browser = ?)", (browser,))[0][0]
        return found[0], found[1] + epochs

    @staticmethod
    def _run(run, row) -> SavedRun:
        epochs = run(f"SELECT {EPOCH_COLUMNS} FROM saved_epochs WHERE run = ? ORDER BY epoch", (row[0],)).fetchall()
        return SavedRun(
            row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], row[6], row[7], json.loads(row[8]),
            _bytes(row[9]), _bytes(row[10]), losses_of(row[11]),
            [SavedEpoch(e[0], e[1], e[2], e[3], e[4], losses_of(e[5]), _bytes(e[6])) for e in epochs],
        )

    # Writing: each a Write for the outbox

    def browser(self, browser: str, member) -> Write:
        """The browser's row: its nickname and number on the board (as they are when it is written),
        and when it was last used."""
        def apply():
            with self.database.transaction(write=True) as run:
                run("INSERT INTO browsers (key_hash, learner, nickname, touched) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (key_hash) DO UPDATE SET learner = coalesce(excluded.learner, browsers.learner),"
                    " nickname = excluded.nickname, touched = excluded.touched",
                    (browser, member.number, member.nickname, time.time()))
        return Write(apply, browser, what="a browser's nickname")

    def run(self, browser: str, position: int, run, later_losses: list[float], first: bool, ended=None,
            dropped=()) -> Write:
        """A run's row as the run is now, in one transaction with what came since: `ended`, the epoch
        that just ended (its EpochResult, batch losses and weights, written once), and the epochs
        whose weights the run no longer keeps (`dropped`). The row holds the batch losses after the
        last saved epoch, and the model, unless it is that epoch's weights. `first`: the row is new,
        with the run's first weights."""
        values = (run.name, json.dumps(run.settings.to_dict()), _status(run), run.diverged, run.unreplayable,
                  run.same_start_as, json.dumps(run.file_metrics))
        start, later, dropped = (run.snapshots[0] if first else None), list(later_losses), list(dropped)
        model = None if ended is not None else run.weights()
        ended = None if ended is None else (ended[0], list(ended[1]), ended[2])

        def apply():
            with self.database.transaction(write=True) as db:
                if start is not None:
                    db("INSERT INTO saved_runs (id, browser, position, name, settings, status, diverged, unreplayable,"
                       " same_start_as, file_metrics, first_weights, updated)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                       (run.id, browser, position, *values, weight_bytes(start), time.time()))
                if ended is not None:
                    _epoch(db, run.id, *ended)
                for epoch in dropped:
                    db("UPDATE saved_epochs SET weights = NULL WHERE run = ? AND epoch = ?", (run.id, epoch))
                db("UPDATE saved_runs SET name = ?, settings = ?, status = ?, diverged = ?, unreplayable = ?,"
                   " same_start_as = ?, file_metrics = ?, weights = ?, later_losses = ?, updated = ? WHERE id = ?",
                   (*values, None if model is None else weight_bytes(model), losses_bytes(later), time.time(), run.id))
                _touch(db, browser)
        size = sum(_size(w) for w in (start, model, ended and ended[2]) if w)
        return Write(apply, browser, size, f"run {run.id}")

    def epochs(self, browser: str, run) -> Write:
        """The epochs a run had before it was saved, their batch losses left to its row."""
        history = [(result, run.snapshots.get(result.epoch)) for result in run.history]

        def apply():
            with self.database.transaction(write=True) as db:
                for result, weights in history:
                    _epoch(db, run.id, result, [], weights)
        return Write(apply, browser, sum(_size(w) for _, w in history if w), f"the epochs of run {run.id}")

    def digit(self, browser: str, position: int, label: int, image: bytes) -> Write:
        def apply():
            with self.database.transaction(write=True) as db:
                db("INSERT INTO saved_digits (browser, position, label, image) VALUES (?, ?, ?, ?)"
                   " ON CONFLICT (browser, position) DO NOTHING", (browser, position, label, image))
                _touch(db, browser)
        return Write(apply, browser, len(image), "a learner's digit")

    def fine_tuning(self, browser: str, position: int, outcome: dict) -> Write:
        def apply():
            with self.database.transaction(write=True) as db:
                db("INSERT INTO saved_fine_tunings (browser, position, outcome) VALUES (?, ?, ?)"
                   " ON CONFLICT (browser, position) DO NOTHING", (browser, position, json.dumps(outcome)))
        return Write(apply, browser, what="a fine-tuning")

    def forget_runs(self, browser: str, run_ids: list[str]) -> Write:
        """Delete saved runs of a browser (the oldest, when it has as many as are kept)."""
        def apply():
            with self.database.transaction(write=True) as db:
                for run_id in run_ids:
                    db("DELETE FROM saved_epochs WHERE run IN (SELECT id FROM saved_runs WHERE id = ? AND browser = ?)",
                       (run_id, browser))
                    db("DELETE FROM saved_runs WHERE id = ? AND browser = ?", (run_id, browser))
        return Write(apply, browser, what="deleting saved runs")

    def forget(self, browser: str) -> None:
        """Delete everything saved for a browser, its runs on the class board included; now, not later:
        the learner is told it is done."""
        with self.database.transaction(write=True) as db:
            _delete_browsers(db, "key_hash = ?", (browser,))

    def expire(self, days: float = KEEP_DAYS, now: float | None = None) -> int:
        """Delete the work of browsers untouched for `days` days; how many browsers."""
        cutoff = (now or time.time()) - days * 86_400
        with self.database.transaction(write=True) as db:
            return _delete_browsers(db, "touched < ?", (cutoff,))


def _epoch(db, run_id: str, result, batch_losses: list[float], weights) -> None:
    """An epoch's row, once: its record, its batch losses, its weights when the run keeps them."""
    db(f"INSERT INTO saved_epochs (run, {EPOCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
       " ON CONFLICT (run, epoch) DO NOTHING",
       (run_id, result.epoch, result.train_loss, result.valid_loss, result.accuracy, result.seconds,
        losses_bytes(batch_losses), None if weights is None else weight_bytes(weights)))


def _delete_browsers(db, where: str, params) -> int:
    browsers = [row[0] for row in db(f"SELECT key_hash FROM browsers WHERE {where}", params).fetchall()]
    for browser in browsers:
        db("DELETE FROM saved_epochs WHERE run IN (SELECT id FROM saved_runs WHERE browser = ?)", (browser,))
        for table in ("saved_runs", "saved_digits", "saved_fine_tunings"):
            db(f"DELETE FROM {table} WHERE browser = ?", (browser,))
        learner = db("SELECT learner FROM browsers WHERE key_hash = ?", (browser,)).fetchone()[0]
        db("DELETE FROM browsers WHERE key_hash = ?", (browser,))
        if learner is not None and db("DELETE FROM runs WHERE learner = ?", (learner,)).rowcount:
            db("UPDATE board SET version = version + 1")
    return len(browsers)


def _bytes(value) -> bytes | None:
    return None if value is None else bytes(value)  # PostgreSQL gives memoryview


def _touch(db, browser: str) -> None:
    """The browser's row, made when its first work is saved, and the time it was last used."""
    db("INSERT INTO browsers (key_hash, touched) VALUES (?, ?) ON CONFLICT (key_hash) DO UPDATE SET"
       " touched = excluded.touched", (browser, time.time()))


def _status(run) -> str:
    """A run saved while it trains is, for whoever loads it, a run that stopped there."""
    return "stopped" if run.status == "training" else run.status


def _size(weights) -> int:
    return sum(p.numel() * p.element_size() for p in weights.values())

"""The class board: every finished run of a deployment, in the app's database (database.py).

A run is recorded once however often it is sent (its id, made when it started, is the key), and
the board's version counts every change: a page polls that one number and redraws only when it
moved. Nothing about a person is kept but the nickname they typed and the number the board gave
them.
"""

import json
import re
import threading
import unicodedata
from dataclasses import dataclass, field

from ...lesson.dataset import describe_digits
from ...lesson.settings import Settings
from .database import Database
from .outbox import Write

NICKNAME_LENGTH = 24
# A learner's runs the board takes (Board.refusal): one in RECORD_EVERY seconds, PER_ROUND a round. One
# browser pressing Train again and again had recorded 4.6 runs a second, and 30,000 runs slowed every Class page.
RECORD_EVERY = 5.0
PER_ROUND = 100
BEST = 500  # runs a Class page shows at most: the most accurate of the round, and the learner's own besides
SHOWN = "id, learner, nickname, finished, status, model, digits, lr, bs, epochs, seed, described, accuracy"
# The round's runs for a Class page, each query through an index (migration 3), so that a page costs
# the same with 30,000 runs as with 500: how many, the best, the learner's.
COUNT_SHOWN = "SELECT count(*) FROM runs WHERE round = ? AND hidden = 0"
BEST_RUNS = f"SELECT {SHOWN} FROM runs WHERE round = ? AND hidden = 0 ORDER BY accuracy DESC, id DESC LIMIT ?"
OWN_RUNS = f"SELECT {SHOWN} FROM runs WHERE round = ? AND learner = ? AND hidden = 0"
# The rounds of a class's board (0: the open board's, whose rounds have no class).
BOARD_ROUNDS = "(SELECT id FROM rounds WHERE coalesce(class, 0) = ?)"
# The round a run that finished at a time goes into, on the board of a class (0: the open board).
ROUND_AT = "(SELECT max(id) FROM rounds WHERE coalesce(class, 0) = ? AND started <= ?)"
# A learner's runs in the round a run that finished at a time goes into, and those within RECORD_EVERY of it.
LEARNERS_RUNS = ("SELECT count(*), count(CASE WHEN finished > ? AND finished < ? THEN 1 END) FROM runs"
                 f" WHERE round = {ROUND_AT} AND learner = ? AND id <> ?")


# Letters and signs that draw nothing, taken for spaces: the Hangul fillers and the blank Braille pattern.
BLANK = set("\u115f\u1160\u3164\uffa0\u2800")
ANONYMOUS = re.compile(r"learner\d+")  # anonymous()'s names, in letters and digits only


def clean_nickname(text) -> str:
    """A nickname as the board keeps it: no control or format characters (they can hide or
    reorder text), blanks as spaces, runs of spaces made one, at most NICKNAME_LENGTH characters;
    empty when none of it can be seen (spaces, blanks, combining marks only)."""
    shown = "".join(" " if unicodedata.category(char)[0] in "CZ" or char in BLANK else char for char in str(text))
    kept = " ".join(shown.split())[:NICKNAME_LENGTH]
    return kept if any(unicodedata.category(char)[0] not in "MZ" for char in kept) else ""


def nickname_refused(nickname: str) -> str | None:
    """Why the board does not take a (clean) nickname, or None: one that reads as the name the board
    gives a learner without one would make two learners look the same."""
    letters = "".join(char for char in unicodedata.normalize("NFKC", nickname).casefold() if char.isalnum())
    if ANONYMOUS.fullmatch(letters):
        return (f"“{nickname}” reads like the name the board gives a learner without a nickname, so two learners "
                "would look the same: choose another one, or leave it empty to appear as your number")
    return None


def anonymous(number: int | None) -> str:
    return f"learner {number}" if number is not None else "a learner with no number yet"


@dataclass(eq=False)
class Member:
    """A browser session as the board knows it: the nickname it chose, and the number the board
    gives it the first time it is needed, which makes its anonymous name."""

    nickname: str = ""
    number: int | None = None
    classroom: int | None = None  # the class they are in (classes.py); None: the open board
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def name(self) -> str:
        return self.nickname or anonymous(self.number)


@dataclass(frozen=True)
class RunRecord:
    """A finished run as the board records it."""

    id: str
    settings: Settings
    accuracy: float
    accuracies: tuple[float, ...]  # after each epoch
    status: str  # "done" or "stopped"
    nickname: str
    finished: float  # time.time() when it ended
    classroom: int | None = None  # whose board: a class's, or None for the open board

    @classmethod
    def of(cls, run, nickname: str, finished: float, classroom: int | None = None):
        """The record of a run that finished or was stopped after at least one epoch; else None.
        A stopped run scores the model it kept, as the Train page does."""
        if run.status not in ("done", "stopped") or not run.history:
            return None
        accuracies = tuple(epoch.accuracy for epoch in run.history)
        return cls(run.id, run.settings, run.accuracy_now(), accuracies, run.status, clean_nickname(nickname), finished,
                   classroom)


@dataclass(frozen=True)
class BoardRun:
    """A run as the board shows it."""

    id: str
    learner: int
    name: str
    finished: float
    status: str
    model: str
    digits: str
    lr: float
    bs: int
    epochs: int
    seed: int
    described: str
    accuracy: float


@dataclass(frozen=True)
class Round:
    id: int
    started: float


@dataclass(frozen=True)
class Snapshot:
    """One consistent reading of the board: its version, its rounds, the runs of one round that a
    page shows (the BEST most accurate and the learner's, oldest first) and how many it has."""

    version: int
    rounds: list[Round]
    shown: Round
    runs: list[BoardRun]
    total: int  # the round's runs that are not hidden


@dataclass(frozen=True)
class Name:
    """A name on the board and its runs: a nickname (whoever took it), or one learner's anonymous name."""

    shown: str
    nickname: str
    learner: int | None  # whose anonymous name; None for a nickname
    runs: int


class Board:
    """The class board in `database`: a Database, or the URL of one."""

    def __init__(self, database: Database | str):
        self.database = database if isinstance(database, Database) else Database(database)

    def version(self, classroom: int | None = None) -> int:
        """The count of changes to a class's board (None: the open board): new runs, hidden runs, new
        rounds, the class closed."""
        return self.database.read(*_version(classroom))[0][0]

    def snapshot(self, round_id: int | None = None, mine: int | None = None, best: int = BEST,
                 classroom: int | None = None) -> Snapshot:
        """The runs of round `round_id` of a class's board (None: the open board's; default or unknown
        round: the current one) that are not hidden: the `best` most accurate, and those of learner `mine`."""
        with self.database.transaction(write=False) as run:
            version = run(*_version(classroom)).fetchone()[0]
            rounds = [Round(*row) for row in run("SELECT id, started FROM rounds WHERE coalesce(class, 0) = ?"
                                                 " ORDER BY id", (classroom or 0,)).fetchall()]
            shown = next((r for r in rounds if r.id == round_id), rounds[-1])
            total = run(COUNT_SHOWN, (shown.id,)).fetchone()[0]
            rows = run(BEST_RUNS, (shown.id, best)).fetchall()
            if mine is not None:
                rows += run(OWN_RUNS, (shown.id, mine)).fetchall()
        rows = sorted({row[0]: row for row in rows}.values(), key=lambda row: (row[3], row[0]))  # finished, id
        runs = [BoardRun(row[0], row[1], row[2] or anonymous(row[1]), *row[3:]) for row in rows]
        return Snapshot(version, rounds, shown, runs, total)

    def refusal(self, record: RunRecord, member: Member) -> str | None:
        """Why the board does not take this run of the learner's, or None: PER_ROUND of theirs are in
        its round already, or another of theirs finished less than RECORD_EVERY seconds from it. The
        Train page asks before it sends a run, and says why (a read: writes do not ask again)."""
        if member.number is None:  # no number, no run on the board yet
            return None
        near = (record.finished - RECORD_EVERY, record.finished + RECORD_EVERY)
        with self.database.transaction(write=False) as run:
            kept, close = run(LEARNERS_RUNS, (*near, record.classroom or 0, record.finished, member.number,
                                              record.id)).fetchone()
        if kept >= PER_ROUND:
            return (f"the board keeps {PER_ROUND} runs of each learner a round, and {kept} of yours are there. "
                    "Your runs stay here as before; a new round makes room")
        if close:
            return (f"the board keeps one run of a learner in {RECORD_EVERY:g} s, and another of yours finished less "
                    f"than {RECORD_EVERY:g} s from it. The next run that ends later than that is recorded")
        return None

    def number(self, member: Member) -> int:
        """The learner's number, given the first time it is asked for."""
        with member.lock:
            if member.number is None:
                with self.database.transaction(write=True) as run:
                    number = run("INSERT INTO learners DEFAULT VALUES RETURNING number").fetchone()[0]
                member.number = number
            return member.number

    def record(self, record: RunRecord, member: Member) -> bool:
        """Keep a finished run in the round of the time it finished; False if it was there already."""
        number, s = self.number(member), record.settings
        values = (
            record.id, record.finished, number, record.nickname, record.finished, record.status, s.model,
            describe_digits(s.digits), s.lr, s.bs, len(record.accuracies), s.seed, s.describe(),
            _json(s.to_dict()), record.accuracy, _json(list(record.accuracies)),
        )
        with self.database.transaction(write=True) as run:
            added = run(
                "INSERT INTO runs (id, round, learner, nickname, finished, status, model, digits, lr, bs, epochs,"
                f" seed, described, settings, accuracy, accuracies) VALUES (?, {ROUND_AT},"
                " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                (values[0], record.classroom or 0, *values[1:]),
            ).rowcount == 1
            if added:
                _changed(run, record.classroom)
        return added

    def recording(self, record: RunRecord, member: Member) -> Write:
        """The write that records a run, for the outbox."""
        return Write(lambda: self.record(record, member), member, what=f"run {record.id} for the board")

    def new_round(self, started: float, classroom: int | None = None) -> int:
        """A new round of a class's board (None: the open board), empty; the earlier ones stay and can
        be shown again."""
        with self.database.transaction(write=True) as run:
            round_id = run("INSERT INTO rounds (started, class) VALUES (?, ?) RETURNING id",
                           (started, classroom)).fetchone()[0]
            _changed(run, classroom)
        return round_id

    def names(self, round_id: int) -> list[Name]:
        """The names on the round's board and their runs not hidden, most runs first."""
        rows = self.database.read("SELECT nickname, learner, count(*) FROM runs WHERE round = ? AND hidden = 0"
                                  " GROUP BY nickname, learner", (round_id,))
        runs: dict[tuple[str, int | None], int] = {}
        for nickname, learner, n in rows:
            key = (nickname, None) if nickname else ("", learner)
            runs[key] = runs.get(key, 0) + n
        names = [Name(nickname or anonymous(learner), nickname, learner, n) for (nickname, learner), n in runs.items()]
        return sorted(names, key=lambda name: (-name.runs, name.shown))

    def hide_name(self, round_id: int, nickname: str, learner: int | None = None, classroom: int | None = None) -> int:
        """Hide every run of the round shown under a name: a nickname's (whoever took it), or for an
        empty nickname, the anonymous runs of `learner`; how many were shown until now."""
        where, values = ("nickname = ?", (nickname,)) if nickname else ("nickname = '' AND learner = ?", (learner,))
        with self.database.transaction(write=True) as run:
            hidden = run(f"UPDATE runs SET hidden = 1 WHERE round = ? AND hidden = 0 AND {where}"
                         f" AND round IN {BOARD_ROUNDS}",
                         (round_id, *values, classroom or 0)).rowcount
            if hidden:
                _changed(run, classroom)
        return hidden

    def hide(self, run_ids: list[str], classroom: int | None = None) -> int:
        """Hide runs of a class's board (None: the open board's), a rude nickname, say; how many were
        shown until now. Runs of other boards are left alone."""
        with self.database.transaction(write=True) as run:
            hidden = sum(run(f"UPDATE runs SET hidden = 1 WHERE id = ? AND hidden = 0 AND round IN {BOARD_ROUNDS}",
                             (i, classroom or 0)).rowcount
                         for i in run_ids)
            if hidden:
                _changed(run, classroom)
        return hidden


def _version(classroom: int | None) -> tuple[str, tuple]:
    """The query of a board's version: a class's, or the open board's."""
    if classroom is None:
        return "SELECT version FROM board", ()
    return "SELECT version FROM classes WHERE id = ?", (classroom,)


def _changed(run, classroom: int | None) -> None:
    """Count a change to a board, so that the pages showing it draw it again."""
    if classroom is None:
        run("UPDATE board SET version = version + 1")
    else:
        run("UPDATE classes SET version = version + 1 WHERE id = ?", (classroom,))


def _json(value) -> str:
    return json.dumps(value, separators=(",", ":"))

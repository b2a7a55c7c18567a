"""The class board's storage: every finished run of a deployment, in one database that every
app process (every replica) shares.

DIGITNET_DATABASE_URL chooses it: `sqlite:///PATH` (SQLAlchemy's form: `sqlite:////abs/path`
for an absolute one; the default is data/class.sqlite3 in the repository, which `make run`
uses) or `postgresql://user@host:port/name`, for replicas on several machines. SQLite runs in
WAL mode: readers never wait for a writer, and the app processes of one machine may all
write, each write waiting its turn for up to BUSY_SECONDS (not over a network file system).

The schema is created on first use and versioned in schema_version, so a later release can
migrate it: add a step to MIGRATIONS. A run is recorded once however often it is sent (its
id, made when it started, is the key), and board.version counts every change: a page polls
that one number and redraws only when it moved. Nothing about a person is kept but the
nickname they typed and the number the board gave them.
"""

import json
import sqlite3
import threading
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import DigitnetError
from ...lesson.dataset import describe_digits
from ...lesson.settings import Settings

DEFAULT_DATABASE = Path(__file__).resolve().parents[3] / "data" / "class.sqlite3"
NICKNAME_LENGTH = 24
BUSY_SECONDS = 10.0  # SQLite: how long a write waits for another process's to end
CONNECT_SECONDS = 3  # PostgreSQL: how long to wait for the server before the board is unavailable
STATEMENT_MS = 5000  # PostgreSQL: no statement of the board's runs longer
IDLE_CONNECTIONS = 4  # kept open per process between uses
MIGRATION_LOCK = 8_131_113  # PostgreSQL advisory lock: one process migrates at a time

# Each version's statements; {serial} is an integer key the database numbers. A new version is
# a new entry: existing databases run the steps they have not had yet, in one transaction.
MIGRATIONS = {
    1: [
        "CREATE TABLE rounds (id {serial}, started DOUBLE PRECISION NOT NULL)",
        "CREATE TABLE learners (number {serial})",
        "CREATE TABLE runs (id TEXT PRIMARY KEY, round INTEGER NOT NULL REFERENCES rounds (id),"
        " learner INTEGER NOT NULL REFERENCES learners (number), nickname TEXT NOT NULL,"
        " finished DOUBLE PRECISION NOT NULL, status TEXT NOT NULL, model TEXT NOT NULL, digits TEXT NOT NULL,"
        " lr DOUBLE PRECISION NOT NULL, bs INTEGER NOT NULL, epochs INTEGER NOT NULL, seed BIGINT NOT NULL,"
        " described TEXT NOT NULL, settings TEXT NOT NULL, accuracy DOUBLE PRECISION NOT NULL,"
        " accuracies TEXT NOT NULL, hidden INTEGER NOT NULL DEFAULT 0)",
        "CREATE INDEX runs_by_round ON runs (round, hidden)",
        "CREATE TABLE board (version BIGINT NOT NULL)",
        "INSERT INTO board (version) VALUES (0)",
        "INSERT INTO rounds (started) VALUES (0)",  # the first round takes every run until a second begins
    ],
}
LATEST = max(MIGRATIONS)
SHOWN = "id, learner, nickname, finished, status, model, digits, lr, bs, epochs, seed, described, accuracy"


class BoardUnavailable(DigitnetError):
    """The database cannot be reached or written: the board waits, training goes on."""


def database_url(environ) -> str:
    return environ.get("DIGITNET_DATABASE_URL") or f"sqlite:///{DEFAULT_DATABASE}"


def clean_nickname(text) -> str:
    """A nickname as the board keeps it: no control or format characters (they can hide or
    reorder text), runs of spaces made one, at most NICKNAME_LENGTH characters."""
    shown = "".join(" " if unicodedata.category(char)[0] in "CZ" else char for char in str(text))
    return " ".join(shown.split())[:NICKNAME_LENGTH]


def anonymous(number: int | None) -> str:
    return f"learner {number}" if number is not None else "a learner with no number yet"


@dataclass(eq=False)
class Member:
    """A browser session as the board knows it: the nickname it chose, and the number the board
    gives it the first time it is needed, which makes its anonymous name."""

    nickname: str = ""
    number: int | None = None
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

    @classmethod
    def of(cls, run, nickname: str, finished: float):
        """The record of a run that finished or was stopped after at least one epoch; else None.
        A stopped run scores the model it kept, as the Train page does."""
        if run.status not in ("done", "stopped") or not run.history:
            return None
        accuracies = tuple(epoch.accuracy for epoch in run.history)
        return cls(run.id, run.settings, run.accuracy_now(), accuracies, run.status, clean_nickname(nickname), finished)


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
    """One consistent reading of the board: its version, its rounds, the runs of one round."""

    version: int
    rounds: list[Round]
    shown: Round
    runs: list[BoardRun]


class _SQLite:
    name = "SQLite"
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT"
    errors = (sqlite3.Error, OSError)
    begin_read, begin_write = "BEGIN", "BEGIN IMMEDIATE"  # IMMEDIATE: wait for the write lock first

    def __init__(self, url: str):
        self.path = Path(url.removeprefix("sqlite:///"))

    def connect(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")  # WAL's advice: durable across a crash of the app
            connection.execute("PRAGMA foreign_keys=ON")
        except BaseException:
            connection.close()
            raise
        return connection

    @staticmethod
    def sql(text: str) -> str:
        return text


class _Postgres:
    name = "PostgreSQL"
    serial = "INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    begin_read, begin_write = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "BEGIN"

    def __init__(self, url: str):
        import psycopg  # only when asked for: SQLite needs nothing beyond Python

        self.psycopg, self.url = psycopg, url
        self.errors = (psycopg.Error, OSError)

    def connect(self):
        return self.psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_SECONDS,
                                    options=f"-c statement_timeout={STATEMENT_MS}")

    @staticmethod
    def sql(text: str) -> str:
        return text.replace("?", "%s")


class Board:
    """The board in the database at `url`; connects when first used, and again after a failure."""

    def __init__(self, url: str):
        if url.startswith("sqlite:///"):
            self.kind = _SQLite(url)
        elif url.startswith(("postgresql://", "postgres://")):
            try:
                self.kind = _Postgres(url)
            except ImportError:
                raise BoardUnavailable("PostgreSQL needs psycopg: pip install 'psycopg[binary]'") from None
        else:
            raise BoardUnavailable("DIGITNET_DATABASE_URL must begin with sqlite:/// or postgresql://")
        self.url = url
        self._idle: list = []
        self._lock = threading.Lock()
        self._ready = False  # the schema is known to be at LATEST

    def version(self) -> int:
        """The count of changes to the board: new runs, hidden runs, new rounds."""
        with self._connection() as connection:
            return self._run(connection, "SELECT version FROM board").fetchone()[0]

    def snapshot(self, round_id: int | None = None) -> Snapshot:
        """The runs of round `round_id` (default or unknown: the current one) that are not hidden."""
        with self._transaction(write=False) as run:
            version = run("SELECT version FROM board").fetchone()[0]
            rounds = [Round(*row) for row in run("SELECT id, started FROM rounds ORDER BY id").fetchall()]
            shown = next((r for r in rounds if r.id == round_id), rounds[-1])
            rows = run(f"SELECT {SHOWN} FROM runs WHERE round = ? AND hidden = 0 ORDER BY finished, id", (shown.id,))
            runs = [BoardRun(row[0], row[1], row[2] or anonymous(row[1]), *row[3:]) for row in rows.fetchall()]
        return Snapshot(version, rounds, shown, runs)

    def number(self, member: Member) -> int:
        """The learner's number, given the first time it is asked for."""
        with member.lock:
            if member.number is None:
                with self._transaction(write=True) as run:
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
        with self._transaction(write=True) as run:
            added = run(
                "INSERT INTO runs (id, round, learner, nickname, finished, status, model, digits, lr, bs, epochs,"
                " seed, described, settings, accuracy, accuracies)"
                " VALUES (?, (SELECT max(id) FROM rounds WHERE started <= ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO NOTHING", values,
            ).rowcount == 1
            if added:
                run("UPDATE board SET version = version + 1")
        return added

    def new_round(self, started: float) -> int:
        """A new round, empty; the earlier ones stay and can be shown again."""
        with self._transaction(write=True) as run:
            round_id = run("INSERT INTO rounds (started) VALUES (?) RETURNING id", (started,)).fetchone()[0]
            run("UPDATE board SET version = version + 1")
        return round_id

    def hide(self, run_ids: list[str]) -> int:
        """Hide runs (a rude nickname, say) from every board; how many were shown until now."""
        with self._transaction(write=True) as run:
            hidden = sum(run("UPDATE runs SET hidden = 1 WHERE id = ? AND hidden = 0", (i,)).rowcount for i in run_ids)
            if hidden:
                run("UPDATE board SET version = version + 1")
        return hidden

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _run(self, connection, sql: str, params=()):
        return connection.execute(self.kind.sql(sql), params)

    @contextmanager
    def _connection(self):
        """A connection from this process's few idle ones, or a new one, its schema up to date.
        A database error makes BoardUnavailable and closes the connection."""
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        try:
            connection = connection or self.kind.connect()
            if not self._ready:
                self._migrate(connection)
                self._ready = True
            yield connection
        except BaseException as exc:
            if connection is not None:
                _close_quietly(connection)
            if isinstance(exc, self.kind.errors):
                self._ready = False  # check the schema again: the database may have been replaced
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise BoardUnavailable(f"the class board's {self.kind.name} database cannot be used: {reason}") from exc
            raise
        with self._lock:
            if len(self._idle) < IDLE_CONNECTIONS:
                self._idle.append(connection)
                return
        connection.close()

    @contextmanager
    def _transaction(self, write: bool):
        with self._connection() as connection:
            self._run(connection, self.kind.begin_write if write else self.kind.begin_read)
            try:
                yield lambda sql, params=(): self._run(connection, sql, params)
            except BaseException:
                self._roll_back(connection)
                raise
            self._run(connection, "COMMIT")

    def _migrate(self, connection) -> None:
        """Bring the schema to LATEST, once per process: a read when it is there already; else,
        holding the write lock, the steps the database has not had."""
        try:
            if self._run(connection, "SELECT version FROM schema_version").fetchone()[0] == LATEST:
                return
        except self.kind.errors:
            pass  # no schema yet, or an older one: migrate
        self._run(connection, self.kind.begin_write)
        try:
            if isinstance(self.kind, _Postgres):
                self._run(connection, "SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
            self._run(connection, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = self._run(connection, "SELECT version FROM schema_version").fetchone()
            if row is None:
                self._run(connection, "INSERT INTO schema_version (version) VALUES (0)")
            current = row[0] if row else 0
            if current > LATEST:
                raise BoardUnavailable(f"the class board's database has schema version {current}, newer than "
                                       f"this app's {LATEST}: update the app")
            for version in range(current + 1, LATEST + 1):
                for statement in MIGRATIONS[version]:
                    self._run(connection, statement.format(serial=self.kind.serial))
                self._run(connection, "UPDATE schema_version SET version = ?", (version,))
        except BaseException:
            self._roll_back(connection)
            raise
        self._run(connection, "COMMIT")

    def _roll_back(self, connection) -> None:
        """End a failed transaction; a connection that cannot is closed by _connection anyway."""
        try:
            self._run(connection, "ROLLBACK")
        except self.kind.errors:
            pass


def _json(value) -> str:
    return json.dumps(value, separators=(",", ":"))


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - a broken connection may fail to close; it is dropped either way
        pass

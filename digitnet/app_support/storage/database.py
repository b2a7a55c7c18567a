"""The app's one database: the class board and every learner's saved work, shared by every app
process (every replica).

DIGITNET_DATABASE_URL chooses it: `sqlite:///PATH` (SQLAlchemy's form: `sqlite:////abs/path`
for an absolute one; the default is data/class.sqlite3 in the repository, which `make run`
uses) or `postgresql://user@host:port/name`, for replicas on several machines. SQLite runs in
WAL mode: readers never wait for a writer, and the app processes of one machine may all
write, each write waiting its turn for up to BUSY_SECONDS (not over a network file system).

The schema is created on first use and versioned in schema_version, so a later release can
migrate it: add a step to MIGRATIONS.
"""

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

from ...errors import DigitnetError

DEFAULT_DATABASE = Path(__file__).resolve().parents[3] / "data" / "class.sqlite3"
BUSY_SECONDS = 10.0  # SQLite: how long a write waits for another process's to end
CONNECT_SECONDS = 3  # PostgreSQL: how long to wait for the server before the database is unavailable
STATEMENT_MS = 5000  # PostgreSQL: no statement longer
IDLE_CONNECTIONS = 4  # kept open per process between uses
MIGRATION_LOCK = 8_131_113  # PostgreSQL advisory lock: one process migrates at a time

# Each version's statements; {serial} is an integer key the database numbers, {blob} bytes. A new version is
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
    # A learner's work, kept per browser (saved_work.py): its runs, each epoch of them, its own digits.
    2: [
        "CREATE TABLE browsers (key_hash TEXT PRIMARY KEY, learner INTEGER REFERENCES learners (number),"
        " nickname TEXT NOT NULL DEFAULT '', touched DOUBLE PRECISION NOT NULL)",
        "CREATE INDEX browsers_by_touched ON browsers (touched)",
        "CREATE TABLE saved_runs (id TEXT PRIMARY KEY, browser TEXT NOT NULL, position BIGINT NOT NULL,"
        " name TEXT NOT NULL, settings TEXT NOT NULL, status TEXT NOT NULL, diverged TEXT, unreplayable TEXT,"
        " same_start_as TEXT, file_metrics TEXT NOT NULL, first_weights {blob} NOT NULL, weights {blob},"
        " later_losses {blob}, updated DOUBLE PRECISION NOT NULL)",
        "CREATE INDEX saved_runs_by_browser ON saved_runs (browser, position)",
        "CREATE TABLE saved_epochs (run TEXT NOT NULL, epoch INTEGER NOT NULL, train_loss DOUBLE PRECISION NOT NULL,"
        " valid_loss DOUBLE PRECISION NOT NULL, accuracy DOUBLE PRECISION NOT NULL,"
        " seconds DOUBLE PRECISION NOT NULL, batch_losses {blob} NOT NULL, weights {blob}, PRIMARY KEY (run, epoch))",
        "CREATE TABLE saved_digits (browser TEXT NOT NULL, position BIGINT NOT NULL, label INTEGER NOT NULL,"
        " image {blob} NOT NULL, PRIMARY KEY (browser, position))",
        "CREATE TABLE saved_fine_tunings (browser TEXT NOT NULL, position BIGINT NOT NULL, outcome TEXT NOT NULL,"
        " PRIMARY KEY (browser, position))",
    ],
    # The Class page reads a round's best runs and a learner's, in the order of these indexes (board.py).
    3: [
        "CREATE INDEX runs_by_accuracy ON runs (round, hidden, accuracy, id)",
        "CREATE INDEX runs_by_learner ON runs (round, learner, finished)",
        "DROP INDEX runs_by_round",  # the first two columns of runs_by_accuracy
    ],
    # Classes on one deployment (classes.py): each its code, its teacher, its rounds and so its board.
    4: [
        "CREATE TABLE classes (id {serial}, code TEXT NOT NULL UNIQUE, secret_hash TEXT NOT NULL UNIQUE,"
        " owner TEXT NOT NULL, created DOUBLE PRECISION NOT NULL, closed DOUBLE PRECISION, setup TEXT,"
        " setup_version INTEGER NOT NULL DEFAULT 0, version BIGINT NOT NULL DEFAULT 0)",
        "CREATE INDEX classes_by_owner ON classes (owner)",
        "ALTER TABLE rounds ADD COLUMN class INTEGER",  # NULL: the deployment's open board
        "CREATE INDEX rounds_by_class ON rounds (class, started)",
        "ALTER TABLE browsers ADD COLUMN class INTEGER",  # the class a browser's learner is in
        "CREATE INDEX browsers_by_class ON browsers (class)",
    ],
}
LATEST = max(MIGRATIONS)


class DatabaseUnavailable(DigitnetError):
    """The database cannot be reached or written: what waits for it waits, training goes on."""


def database_url(environ) -> str:
    return environ.get("DIGITNET_DATABASE_URL") or f"sqlite:///{DEFAULT_DATABASE}"


class _SQLite:
    name = "SQLite"
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT"
    blob = "BLOB"
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
    blob = "BYTEA"
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


class Database:
    """The database at `url`; connects when first used, and again after a failure."""

    def __init__(self, url: str):
        if url.startswith("sqlite:///"):
            self.kind = _SQLite(url)
        elif url.startswith(("postgresql://", "postgres://")):
            try:
                self.kind = _Postgres(url)
            except ImportError:
                raise DatabaseUnavailable("PostgreSQL needs psycopg: pip install 'psycopg[binary]'") from None
        else:
            raise DatabaseUnavailable("DIGITNET_DATABASE_URL must begin with sqlite:/// or postgresql://")
        self.url = url
        self._idle: list = []
        self._lock = threading.Lock()
        self._ready = False  # the schema is known to be at LATEST

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _run(self, connection, sql: str, params=()):
        return connection.execute(self.kind.sql(sql), params)

    def read(self, sql: str, params=()):
        """The rows of one query."""
        with self.connection() as connection:
            return self._run(connection, sql, params).fetchall()

    @contextmanager
    def connection(self):
        """A connection from this process's few idle ones, or a new one, its schema up to date.
        A database error makes DatabaseUnavailable and closes the connection."""
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
                raise DatabaseUnavailable(f"the app's {self.kind.name} database cannot be used: {reason}") from exc
            raise
        with self._lock:
            if len(self._idle) < IDLE_CONNECTIONS:
                self._idle.append(connection)
                return
        connection.close()

    @contextmanager
    def transaction(self, write: bool):
        """A transaction: the block gets run(sql, params) and returns its cursor; all or nothing."""
        with self.connection() as connection:
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
                raise DatabaseUnavailable(f"the app's database has schema version {current}, newer than "
                                       f"this app's {LATEST}: update the app")
            for version in range(current + 1, LATEST + 1):
                for statement in MIGRATIONS[version]:
                    self._run(connection, statement.format(serial=self.kind.serial, blob=self.kind.blob))
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




def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - a broken connection may fail to close; it is dropped either way
        pass

"""Writes on their way to the database: the class board's runs and every learner's saved work,
written by one background thread per process, in the order they were sent, and tried again
while the database is away.

Training must not wait for the database, nor fail because of it: a page or a training hook
hands its write here and goes on. The thread writes it at once. When the database is
unavailable (a disk full or read-only, PostgreSQL restarting) the thread keeps the write at the
head of the queue and tries again after RETRY_AFTER seconds, twice as long each time up to
LONGEST_WAIT, sooner when a page finds the database answering again (retry_now). Nothing is
given up while the database is away: at most CAPACITY writes and CAPACITY_BYTES bytes wait, the
oldest going first beyond that (in the log). A write the database refuses for good is dropped
(in the log). Every write is keyed so that doing it twice (the answer to one that succeeded was
lost) leaves it there once. Writes still waiting when the process ends are lost.
"""

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from .database import DatabaseUnavailable

log = logging.getLogger(__name__)

RETRY_AFTER = 1.0  # seconds
LONGEST_WAIT = 10.0
CAPACITY = 100_000
CAPACITY_BYTES = 512 * 2**20  # a class of 300 training nets for about a minute while the database is away


@dataclass(eq=False)
class Write:
    """One write for the outbox to do: apply() does it, raising DatabaseUnavailable while it cannot."""

    apply: Callable[[], object]
    owner: object = None  # whose it is (a learner's Member, a browser's work), to count what waits
    size: int = 0  # bytes it holds
    what: str = "a write"  # for the log


class Outbox:
    def __init__(self, retry_after: float = RETRY_AFTER, longest_wait: float = LONGEST_WAIT,
                 capacity: int = CAPACITY, capacity_bytes: int = CAPACITY_BYTES):
        self.retry_after, self.longest_wait = retry_after, longest_wait
        self.capacity, self.capacity_bytes = capacity, capacity_bytes
        self.written = 0  # writes the database took
        self.given_up = 0  # writes dropped: refused, or pushed out when full
        self.trouble: str | None = None  # why the last write failed, until one succeeds
        self._waiting: deque[Write] = deque()
        self._bytes = 0
        self._changed = threading.Condition()
        self._retry_now = False
        self._closed = False
        self._thread: threading.Thread | None = None

    def send(self, write: Write) -> None:
        """Queue a write; returns at once, whatever the database does."""
        with self._changed:
            self._waiting.append(write)
            self._bytes += write.size
            while len(self._waiting) > self.capacity or (self._bytes > self.capacity_bytes and len(self._waiting) > 1):
                dropped = self._waiting.popleft()
                self._bytes -= dropped.size
                self.given_up += 1
                log.error("database: %d writes (%d MB) wait already; %s is dropped", len(self._waiting),
                          self._bytes // 2**20, dropped.what)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="database-outbox", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def pending(self, owner=None) -> int:
        """Writes waiting (of one owner when given)."""
        with self._changed:
            return sum(1 for write in self._waiting if owner in (None, write.owner))

    def retry_now(self) -> None:
        """The database answered a page: try the waiting writes without waiting out the pause."""
        with self._changed:
            if self._waiting:
                self._retry_now = True
                self._changed.notify_all()

    def wait_until_empty(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: not self._waiting, timeout)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join()

    def _work(self) -> None:
        failures = 0
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._waiting or self._closed)
                if self._closed:
                    return
                write = self._waiting[0]
            try:
                write.apply()
            except DatabaseUnavailable as exc:
                self.trouble = str(exc)
                failures += 1
                if failures == 1:
                    log.warning("database unavailable, writes wait: %s", exc)
                self._pause(min(self.retry_after * 2 ** (failures - 1), self.longest_wait))
                continue
            except Exception:  # a write the database refuses for good: never tried again
                log.exception("database: %s cannot be written", write.what)
                self._done(write, written=False)
                continue
            if failures:
                log.warning("database back after %d failed attempts", failures)
            failures, self.trouble = 0, None
            self._done(write, written=True)

    def _done(self, write: Write, written: bool) -> None:
        with self._changed:
            if self._waiting and self._waiting[0] is write:
                self._waiting.popleft()
                self._bytes -= write.size
            self.written += written
            self.given_up += not written
            self._changed.notify_all()

    def _pause(self, seconds: float) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._retry_now or self._closed, seconds)
            self._retry_now = False

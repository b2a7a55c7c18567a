"""Runs on their way to the class board: this process's few, written by a background thread and
tried again while the database is away.

A finished training must not wait for the database, nor fail because of it: the page hands its
record here and goes on. The thread writes it at once. When the board is unavailable (a disk
full or read-only, PostgreSQL restarting) the record goes to the back of the queue and the
thread tries again after RETRY_AFTER seconds, twice as long each time up to LONGEST_WAIT,
sooner when a page finds the board answering again (retry_now). A record is given up after
ATTEMPTS failures, and at most CAPACITY wait (the oldest go first): both in the log. The board
keys a run by its id, so a record written twice (the answer to a write that succeeded was
lost) is there once. Records still waiting when the process ends are lost.
"""

import logging
import threading
from collections import deque
from dataclasses import dataclass

from .store import Board, BoardUnavailable, Member, RunRecord

log = logging.getLogger(__name__)

RETRY_AFTER = 1.0  # seconds
LONGEST_WAIT = 10.0
ATTEMPTS = 120  # waits of 1, 2, 4, 8, then 10 s: about twenty minutes for a lone record
CAPACITY = 1000


@dataclass(eq=False)
class _Waiting:
    record: RunRecord
    member: Member
    attempts: int = 0


class Outbox:
    def __init__(self, board: Board, retry_after: float = RETRY_AFTER, longest_wait: float = LONGEST_WAIT,
                 attempts: int = ATTEMPTS, capacity: int = CAPACITY):
        self.board = board
        self.retry_after, self.longest_wait = retry_after, longest_wait
        self.attempts, self.capacity = attempts, capacity
        self.written = 0  # records the board took (or had already)
        self.given_up = 0  # records dropped: out of attempts, refused, or pushed out when full
        self.trouble: str | None = None  # why the last write failed, until one succeeds
        self._waiting: deque[_Waiting] = deque()
        self._changed = threading.Condition()
        self._retry_now = False
        self._closed = False
        self._thread: threading.Thread | None = None

    def send(self, record: RunRecord, member: Member) -> None:
        """Queue a record for the board; returns at once, whatever the database does."""
        with self._changed:
            if len(self._waiting) >= self.capacity:
                self._waiting.popleft()
                self.given_up += 1
                log.error("class board: %d runs wait already; the oldest is dropped", self.capacity)
            self._waiting.append(_Waiting(record, member))
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="class-board-outbox", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def pending(self, member: Member | None = None) -> int:
        """Records waiting (of one learner when given)."""
        with self._changed:
            return sum(1 for item in self._waiting if member in (None, item.member))

    def retry_now(self) -> None:
        """The board answered a page: try the waiting records without waiting out the pause."""
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
                item = self._waiting[0]
            try:
                self.board.record(item.record, item.member)
            except BoardUnavailable as exc:
                self.trouble = str(exc)
                failures += 1
                if failures == 1:
                    log.warning("class board unavailable, runs wait to be recorded: %s", exc)
                self._failed(item, exc)
                self._pause(min(self.retry_after * 2 ** (failures - 1), self.longest_wait))
                continue
            except Exception:  # a record the board refuses for good: never tried again
                log.exception("class board: run %s cannot be recorded", item.record.id)
                self._drop(item)
                continue
            if failures:
                log.warning("class board back after %d failed attempts", failures)
            failures, self.trouble = 0, None
            self._drop(item, written=True)

    def _failed(self, item: _Waiting, exc: Exception) -> None:
        """Count a failure; give the record up after its attempts, else send it to the back."""
        item.attempts += 1
        with self._changed:
            if item in self._waiting:
                self._waiting.remove(item)
                if item.attempts >= self.attempts:
                    self.given_up += 1
                    log.error("class board: run %s given up after %d attempts: %s", item.record.id, item.attempts, exc)
                else:
                    self._waiting.append(item)
            self._changed.notify_all()

    def _drop(self, item: _Waiting, written: bool = False) -> None:
        with self._changed:
            if item in self._waiting:
                self._waiting.remove(item)
            self.written += written
            self.given_up += not written
            self._changed.notify_all()

    def _pause(self, seconds: float) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._retry_now or self._closed, seconds)
            self._retry_now = False

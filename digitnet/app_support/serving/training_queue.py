"""Fair sharing of the cores between trainings that run at the same time.

Thirty learners pressing Train at once on a two-core server would each crawl at a
fifteenth of the speed, and every chart would stall. Instead at most `capacity` trainings
compute at a time; the others wait in arrival order and can show their place in the queue.
A training gives its slot back after a turn (TURN seconds unless set) when others wait, so a long run
cannot starve the short ones; a run of a few epochs finishes within its turn.

Measured with bench/load_test.py (thirty sessions, 3 epochs each, two cores): turns of
half a second made every run finish near the end, as if all trained at once; waiters that
woke four times a second to redraw their place took the interpreter from the trainings.
"""

import threading
import time
from collections import deque

TURN = 10.0  # seconds of computing before a training lets the next one in the queue go


class Slots:
    def __init__(self, capacity: int, turn: float = TURN):
        self.capacity = max(1, capacity)
        self.turn = turn
        self._changed = threading.Condition()
        self._queue: deque[object] = deque()
        self._running: set[object] = set()
        self._version = 0  # counts changes to the queue: a waiter sleeps only if it has seen the latest

    def waiting(self) -> int:
        with self._changed:
            return len(self._queue)

    def running(self) -> int:
        with self._changed:
            return len(self._running)

    def acquire(self, on_wait=None, poll: float = 1.0) -> object:
        """Block until a slot is free for this caller, first come first served; returns its
        ticket. While waiting, on_wait(ahead) is called with the number of trainings queued
        in front when that number changes, and at least every `poll` seconds; if it raises,
        the caller leaves the queue. In between the waiter sleeps."""
        ticket = object()
        with self._changed:
            self._queue.append(ticket)
            self._version += 1
        seen, told, told_at = -1, None, 0.0
        try:
            while True:
                with self._changed:
                    if seen == self._version:
                        self._changed.wait(poll)
                    seen = self._version
                    ahead = self._queue.index(ticket)
                    if ahead < self.capacity - len(self._running):
                        self._queue.remove(ticket)
                        self._running.add(ticket)
                        self._changed_queue()
                        return ticket
                if on_wait is not None and (ahead != told or time.monotonic() - told_at >= poll):
                    on_wait(ahead)
                    told, told_at = ahead, time.monotonic()
        except BaseException:
            with self._changed:
                self._queue.remove(ticket)
                self._changed_queue()
            raise

    def release(self, ticket: object) -> None:
        with self._changed:
            self._running.discard(ticket)
            self._changed_queue()

    def _changed_queue(self) -> None:
        """Wake the waiters to look at their place again (called holding the lock)."""
        self._version += 1
        self._changed.notify_all()

    def share(self, events, on_wait=None):
        """Yield from `events` (a training's generator) while holding a slot; after each turn
        the slot goes back to the queue if anyone is waiting. Closing this generator frees the
        slot and closes `events` at once, so a stopped training is marked stopped right away."""
        try:
            ticket = self.acquire(on_wait)
        except BaseException:
            _close(events)
            raise
        try:
            turn_started = time.monotonic()
            for event in events:
                yield event
                if time.monotonic() - turn_started > self.turn and self.waiting():
                    self.release(ticket)
                    ticket = self.acquire(on_wait)
                    turn_started = time.monotonic()
        finally:
            self.release(ticket)
            _close(events)


def _close(events) -> None:
    if hasattr(events, "close"):
        events.close()

"""Wrong tries of a secret, counted in this process for each of several keys (a browser session, a
client address): after FREE wrong tries, a key may try once every PAUSE seconds, so that the teacher
key cannot be guessed as fast as the app answers (bench/guessing.py). A key that has not tried for
FORGET seconds starts again from nothing."""

import math
import threading
import time

FREE = 5
PAUSE = 5.0
FORGET = 3600.0


class Throttle:
    """Counts of wrong tries per key; `clock` (seconds, time.monotonic by default) is for tests."""

    def __init__(self, free: int = FREE, pause: float = PAUSE, forget: float = FORGET, clock=time.monotonic):
        self.free, self.pause, self.forget, self._clock = free, pause, forget, clock
        self._wrong: dict[str, tuple[int, float]] = {}  # key -> (wrong tries, when the last was)
        self._lock = threading.Lock()

    def wait(self, *keys: str) -> float:
        """Seconds before a try may come from all of these keys: 0 when one may now."""
        now = self._clock()
        with self._lock:
            return max([self._left(key, now) for key in keys] + [0.0])

    def _left(self, key: str, now: float) -> float:
        wrong, last = self._wrong.get(key, (0, -math.inf))
        if wrong < self.free or now - last >= self.forget:
            return 0.0
        return max(0.0, last + self.pause - now)

    def failed(self, *keys: str) -> int:
        """A wrong try from these keys; the most wrong tries in a row of any of them."""
        now = self._clock()
        with self._lock:
            # Forget the keys gone quiet: wrong tries come slowly once counted, so this stays small.
            self._wrong = {key: tries for key, tries in self._wrong.items() if now - tries[1] < self.forget}
            for key in keys:
                self._wrong[key] = (self._wrong.get(key, (0, now))[0] + 1, now)
            return max(self._wrong[key][0] for key in keys)

    def forgive(self, *keys: str) -> None:
        """A right try: these keys start again from nothing."""
        with self._lock:
            for key in keys:
                self._wrong.pop(key, None)

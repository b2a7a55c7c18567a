"""Classes on one deployment: any learner can start one, with no server configuration, and give
out its code; learners join with the code and their finished runs go to that class's board (its
own rounds: board.py). Without a class, runs go to the deployment's open board.

A class has two secrets: its code, CODE_LENGTH letters from an alphabet with no look-alikes,
which learners type and which stops working when the class closes (or CLASS_DAYS after it
began); and its teacher's secret, in the private teacher link, of which the database keeps only
the SHA-256 (as it does of a browser's key). The browser that started a class is its teacher
too. Codes cannot be listed, wrong ones are slowed down by the page (serving/throttle.py), and a
class takes at most MAX_LEARNERS learners.
"""

import hashlib
import json
import secrets
import time
from dataclasses import dataclass

from ...lesson.settings import Settings
from .database import Database

ALPHABET = "ACDEFHJKMNPRTUVWXY34679"  # no 0/O/Q, 1/I/L, 2/Z, 5/S, 8/B, G/6: read off a projector, typed again
CODE_LENGTH = 6  # 23^6: 148 million codes, tried one every few seconds after a few wrong ones
MAX_LEARNERS = 500
MAX_OPEN = 10  # open classes one browser may have: a teacher has a few; a script making codes, no more
CLASS_DAYS = 30


@dataclass(frozen=True)
class Classroom:
    id: int
    code: str
    created: float
    closed: float | None  # when it closed: by its teacher, or CLASS_DAYS after it began
    setup: Settings | None  # the settings its teacher sent the class last
    setup_version: int  # counts the setups sent: a learner's page shows each one once

    def is_open(self, now: float | None = None, days: float = CLASS_DAYS) -> bool:
        return self.closed is None and (now or time.time()) < self.created + days * 86_400


COLUMNS = "id, code, created, closed, setup, setup_version"


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def clean_code(typed) -> str:
    """A code as typed, in the form it is kept: capitals, no spaces or dashes."""
    return "".join(str(typed).split()).replace("-", "").upper()[: 4 * CODE_LENGTH]


class Classes:
    def __init__(self, database: Database):
        self.database = database

    def start(self, owner: str, now: float | None = None, days: float = CLASS_DAYS) -> tuple[Classroom | None, str]:
        """A new class taught by the browser `owner` (its id), with its first round: the class and
        its teacher's secret (for the private link; not kept anywhere but in that link); or None
        and why not, when the browser has MAX_OPEN open classes already."""
        now = now or time.time()
        if sum(found.is_open(now, days) for found in self.owned_by(owner)) >= MAX_OPEN:
            return None, (f"You have {MAX_OPEN} open classes already, as many as one browser may have: close one "
                          "first")
        secret = secrets.token_urlsafe(32)
        with self.database.transaction(write=True) as run:
            while True:  # a code taken already is drawn again: with 148 million, hardly ever
                code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
                if run("SELECT 1 FROM classes WHERE code = ?", (code,)).fetchone() is None:
                    break
            class_id = run("INSERT INTO classes (code, secret_hash, owner, created) VALUES (?, ?, ?, ?) RETURNING id",
                           (code, secret_hash(secret), owner, now)).fetchone()[0]
            run("INSERT INTO rounds (started, class) VALUES (0, ?)", (class_id,))  # takes its runs until a second
        return self.get(class_id), secret

    def get(self, class_id: int) -> Classroom | None:
        return self._one("id = ?", (class_id,))

    def by_code(self, code: str) -> Classroom | None:
        """The class of a code, open or not; None for a code no class has."""
        return self._one("code = ?", (clean_code(code),))

    def taught_with(self, secret: str) -> Classroom | None:
        """The class whose teacher's secret this is, or None."""
        return self._one("secret_hash = ?", (secret_hash(str(secret)),))

    def owned_by(self, owner: str) -> list[Classroom]:
        """The classes a browser started, newest first."""
        rows = self.database.read(f"SELECT {COLUMNS} FROM classes WHERE owner = ? ORDER BY id DESC", (owner,))
        return [_classroom(row) for row in rows]

    def learners(self, class_id: int) -> int:
        return self.database.read("SELECT count(*) FROM browsers WHERE class = ?", (class_id,))[0][0]

    def join(self, code: str, browser: str, member, days: float = CLASS_DAYS) -> tuple[Classroom | None, str | None]:
        """Put the learner of `browser` in the class of `code`: the class, or None and why not, in a
        sentence. A learner is in one class at a time: joining another leaves the first."""
        found = self.by_code(code)
        if found is None:
            return None, "No class has that code: check it with your teacher"
        if not found.is_open(days=days):
            return None, "That class is closed: its code no longer works. Ask your teacher for the new one"
        if member.classroom != found.id and self.learners(found.id) >= MAX_LEARNERS:
            return None, f"That class is full: it takes {MAX_LEARNERS} learners at most. Ask your teacher"
        self.put(browser, member, found.id)
        return found, None

    def put(self, browser: str, member, class_id: int | None) -> None:
        """The learner in a class (None: in none, on the open board), now: the class counts them."""
        with self.database.transaction(write=True) as run:
            run("INSERT INTO browsers (key_hash, nickname, touched, class) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (key_hash) DO UPDATE SET class = excluded.class, touched = excluded.touched",
                (browser, member.nickname, time.time(), class_id))
        member.classroom = class_id

    def close(self, class_id: int, now: float | None = None) -> None:
        """The class's code stops working; its board stays, for its teacher."""
        with self.database.transaction(write=True) as run:
            run("UPDATE classes SET closed = ?, version = version + 1 WHERE id = ? AND closed IS NULL",
                (now or time.time(), class_id))

    def send_setup(self, class_id: int, settings: Settings) -> int:
        """Suggest settings to every learner of the class; the number of this setup."""
        with self.database.transaction(write=True) as run:
            return run("UPDATE classes SET setup = ?, setup_version = setup_version + 1 WHERE id = ?"
                       " RETURNING setup_version", (json.dumps(settings.to_dict()), class_id)).fetchone()[0]

    def setup(self, class_id: int) -> tuple[int, Settings | None]:
        """The class's last setup and its number (0: none yet): what a learner's page polls."""
        rows = self.database.read("SELECT setup_version, setup FROM classes WHERE id = ?", (class_id,))
        if not rows:
            return 0, None
        version, setup = rows[0]
        return version, (Settings.from_dict(json.loads(setup)) if setup else None)

    def expire(self, days: float = CLASS_DAYS, now: float | None = None) -> int:
        """Close the classes begun more than `days` days ago; how many."""
        now = now or time.time()
        with self.database.transaction(write=True) as run:
            return run("UPDATE classes SET closed = ?, version = version + 1 WHERE closed IS NULL AND created < ?",
                       (now, now - days * 86_400)).rowcount

    def _one(self, where: str, params) -> Classroom | None:
        rows = self.database.read(f"SELECT {COLUMNS} FROM classes WHERE {where}", params)
        return _classroom(rows[0]) if rows else None


def _classroom(row) -> Classroom:
    return Classroom(row[0], row[1], row[2], row[3], Settings.from_dict(json.loads(row[4])) if row[4] else None,
                     row[5])

"""How fast the teacher key can be guessed: wrong keys sent over websockets as fast as the app answers,
from one session, then from four at once (one client address), for `--seconds` each.

    python -m bench.teacher_key [--seconds 20]

Each session opens the Class page and submits its teacher form again and again, as a script would. A
guess is a key the app checked ("That is not the teacher key"); a try refused unchecked ("Too many
wrong keys") is counted apart. The app runs on a board of its own, with a key set.
"""

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from harness.client import Session
from harness.server import start_app, stop_app

WRONG = "That is not the teacher key"
REFUSED = "Too many wrong keys"
UNLOCK = "FormSubmitter:teacher_unlock-Unlock"  # the teacher form's button


async def guesser(url: str, until: float, tally: dict) -> None:
    session = Session(url, timeout=60)
    try:
        await session.open("class")
        n = 0
        while time.monotonic() < until:
            n += 1
            reply = await session.submit({"teacher_key_entered": f"guess {n}"}, UNLOCK)
            errors = " ".join(reply.alerts("error"))
            tally["guesses"] += WRONG in errors
            tally["refused"] += REFUSED in errors
    finally:
        await session.close()


async def guess(url: str, sessions: int, seconds: float) -> dict:
    tally = {"guesses": 0, "refused": 0}
    until = time.monotonic() + seconds
    await asyncio.gather(*(guesser(url, until, tally) for _ in range(sessions)))
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    print(f"{len(os.sched_getaffinity(0))} cores")
    for sessions in (1, 4):
        with tempfile.TemporaryDirectory() as folder:  # a fresh app each time: no count carried over
            env = {**os.environ, "DIGITNET_TEACHER_KEY": "the key nobody guesses",
                   "DIGITNET_DATABASE_URL": f"sqlite:///{Path(folder) / 'class.sqlite3'}"}
            process, url = start_app(Path(folder) / "streamlit.log", env=env)
            try:
                tally = asyncio.run(guess(url, sessions, args.seconds))
            finally:
                stop_app(process)
        print(f"{sessions} session{'s' if sessions > 1 else ''} for {args.seconds:g} s: "
              f"{tally['guesses'] / args.seconds:.1f} keys checked a second ({tally['guesses']} in all), "
              f"{tally['refused'] / args.seconds:.1f} tries refused unchecked a second")


if __name__ == "__main__":
    main()

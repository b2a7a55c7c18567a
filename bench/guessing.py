"""How fast secrets can be guessed: wrong teacher keys or class codes sent over websockets as fast as
the app answers, from one session, then from four at once (one client address), for `--seconds` each.

    python -m bench.guessing [--guess key|code] [--seconds 20]

Each session opens the Class page and submits its teacher form (`key`) or its class-code form (`code`)
again and again, as a script would. A guess is a try the app checked ("That is not the teacher key",
"No class has that code"); a try refused unchecked ("Too many wrong ...") is counted apart. The app
runs on a board of its own, with a teacher key set.
"""

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from harness.client import Session
from harness.server import start_app, stop_app

# What is guessed: the text input, the form's button, what a checked wrong guess and a refused try say.
GUESSED = {
    "key": ("teacher_key_entered", "FormSubmitter:teacher_unlock-Unlock", "That is not the teacher key",
            "Too many wrong keys"),
    "code": ("class_code", "FormSubmitter:class_join-Join", "No class has that code", "Too many wrong class codes"),
}


async def guesser(url: str, what: str, until: float, tally: dict) -> None:
    field, button, wrong, refused = GUESSED[what]
    session = Session(url, timeout=60)
    try:
        await session.open("class")
        n = 0
        while time.monotonic() < until:
            n += 1
            reply = await session.submit({field: f"{n:06d}"}, button)
            errors = " ".join(reply.alerts("error"))
            tally["guesses"] += wrong in errors
            tally["refused"] += refused in errors
    finally:
        await session.close()


async def guess(url: str, what: str, sessions: int, seconds: float) -> dict:
    tally = {"guesses": 0, "refused": 0}
    until = time.monotonic() + seconds
    await asyncio.gather(*(guesser(url, what, until, tally) for _ in range(sessions)))
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guess", choices=sorted(GUESSED), default="key")
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    print(f"{len(os.sched_getaffinity(0))} cores, guessing {'teacher keys' if args.guess == 'key' else 'class codes'}")
    for sessions in (1, 4):
        with tempfile.TemporaryDirectory() as folder:  # a fresh app each time: no count carried over
            env = {**os.environ, "DIGITNET_TEACHER_KEY": "the key nobody guesses",
                   "DIGITNET_DATABASE_URL": f"sqlite:///{Path(folder) / 'class.sqlite3'}"}
            process, url = start_app(Path(folder) / "streamlit.log", env=env)
            try:
                tally = asyncio.run(guess(url, args.guess, sessions, args.seconds))
            finally:
                stop_app(process)
        print(f"{sessions} session{'s' if sessions > 1 else ''} for {args.seconds:g} s: "
              f"{tally['guesses'] / args.seconds:.1f} checked a second ({tally['guesses']} in all), "
              f"{tally['refused'] / args.seconds:.1f} tries refused unchecked a second")


if __name__ == "__main__":
    main()

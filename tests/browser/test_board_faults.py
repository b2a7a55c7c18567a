"""The class board's faults, for real, with the app running: its SQLite file not writable,
then the disk under it full (a 1 MB tmpfs in a mount namespace of the server's own, the server
there as an ordinary user, so that file permissions hold), and its PostgreSQL stopped, then
started again. Learners keep training and drawing (harness/load.py's
class, over websockets), the Class page says the board is unavailable, the runs are recorded
once it is back, each once, and the server logs no traceback."""

import asyncio
import errno
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from harness.board_filler import open_class_page
from harness.client import in_own_thread
from harness.load import SEED_BASE, run_class
from harness.server import ROOT, server_tracebacks, start_app, stop_app

LEARNERS = 2
BACK_WITHIN = 30  # seconds: the outbox tries again at once when a page finds the board answering


def on_small_disk(directory: Path) -> tuple:
    """A command prefix: the server in a mount namespace of its own with a 16 MB tmpfs (room for the
    learners' saved work beside the board, until fill() fills it) at
    `directory`, and there not root (uid 1000 in a user namespace, with no capabilities)."""
    unshare = ["unshare", "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        unshare[1:1] = ["--user", "--map-root-user"]
    ordinary = 'exec unshare --user --map-user=1000 --map-group=1000 "$@"'
    return (*unshare, "sh", "-c", f'mount -t tmpfs -o size=16m tmpfs "$0" && {ordinary}', str(directory))


async def class_page(url: str) -> tuple[int | None, list[str]]:
    """What a new session's Class page shows: its run count (None if none) and its warnings."""
    count, reply = await open_class_page(url)
    assert not reply.problems(), reply.problems()
    return count, reply.alerts("warning")


def learners_train_and_draw(url: str, first_seed: int) -> None:
    students = in_own_thread(asyncio.wait_for(run_class(url, LEARNERS, 1, timeout=90, first_seed=first_seed), 180))
    for student in students:
        assert student.finished() and not student.problems, student
        assert student.prediction == "Prediction: 2"


def board_shows(url: str, runs: int, fault: str) -> None:
    """Wait for a new session's Class page to show `runs` runs, once the fault is gone."""
    started = time.monotonic()
    while (shown := in_own_thread(class_page(url))[0]) != runs:
        assert time.monotonic() - started < BACK_WITHIN, f"the board shows {shown} runs, not {runs}"
        time.sleep(0.5)
    print(f"\n{fault}: the runs were on the board {time.monotonic() - started:.1f} s after it was fixed")


def in_namespace(pid: int, code: str) -> str:
    """Python run in the server's mount namespace (SQLite resolves /proc/PID/root to this one's
    root, so it cannot reach the server's tmpfs through that path); its output."""
    command = ["nsenter", "-t", str(pid), "-m", sys.executable, "-c", code]
    done = subprocess.run(command, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def fill(path: Path) -> None:
    """Zeros written until the disk is full. Unbuffered: a buffered file holds the bytes that did
    not fit and fails again when it is closed."""
    with open(path, "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


def test_sqlite_not_writable_then_on_a_full_disk(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    database = f"sqlite:///{disk / 'class.sqlite3'}"
    log = tmp_path / "streamlit.log"
    process, url = start_app(log, env={**os.environ, "DIGITNET_DATABASE_URL": database}, prefix=on_small_disk(disk))
    seen = Path(f"/proc/{process.pid}/root") / str(disk).lstrip("/")  # the server's tmpfs, from here
    board = f"from digitnet.app_support.storage.board import Board; board = Board({database!r})"
    try:
        # The board made, then its file made read-only before the app first opens it.
        in_namespace(process.pid, f"{board}; board.version()")
        (seen / "class.sqlite3").chmod(0o444)
        learners_train_and_draw(url, SEED_BASE)
        shown, warnings = in_own_thread(class_page(url))
        assert any("unavailable for recording" in w and "readonly" in w for w in warnings), warnings
        for file in seen.glob("class.sqlite3*"):  # SQLite made its -wal and -shm files read-only like it
            file.chmod(0o644)
        board_shows(url, LEARNERS, "database file not writable")

        fill(seen / "filler")
        learners_train_and_draw(url, SEED_BASE + 10)
        shown, warnings = in_own_thread(class_page(url))
        assert shown == LEARNERS and any("unavailable for recording" in w and "full" in w for w in warnings), warnings
        (seen / "filler").unlink()
        board_shows(url, 2 * LEARNERS, "disk full")
        seeds = in_namespace(process.pid, f"{board}; print(sorted(run.seed for run in board.snapshot().runs))")
        expected = [SEED_BASE + k for k in range(LEARNERS)] + [SEED_BASE + 10 + k for k in range(LEARNERS)]
        assert seeds.strip() == str(expected)  # each run once
    finally:
        stop_app(process)
    assert server_tracebacks(log) == 0, log.read_text()[-3000:]


def test_postgresql_stopped_then_started_again(postgres, tmp_path):
    database = postgres.new_database()
    log = tmp_path / "streamlit.log"
    process, url = start_app(log, env={**os.environ, "DIGITNET_DATABASE_URL": database})
    try:
        assert in_own_thread(class_page(url))[0] == 0
        postgres.stop()
        try:
            learners_train_and_draw(url, SEED_BASE)
            shown, warnings = in_own_thread(class_page(url))
            assert shown is None and any("The class board is unavailable right now" in w for w in warnings), warnings
        finally:
            postgres.start()
        board_shows(url, LEARNERS, "PostgreSQL stopped")
        with psycopg.connect(database) as connection:
            seeds = sorted(seed for (seed,) in connection.execute("SELECT seed FROM runs"))
        assert seeds == [SEED_BASE + k for k in range(LEARNERS)]
    finally:
        stop_app(process)
    assert server_tracebacks(log) == 0, log.read_text()[-3000:]

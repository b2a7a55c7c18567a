"""Several learners at once on a small server, through the websocket messages a browser sends.

Six sessions open the Train page, press Train within a few milliseconds of each other, and
each draws a 2 once its run is done. The server has two training slots, so four must wait
their turn. Every run lands on the class board once. The class is harness/load.py's;
`python -m bench.load_test` runs it with thirty sessions and prints timings.
"""

import asyncio
import os
import time

import pytest

from digitnet.app_support.storage.board import Board
from harness.board_filler import recorded_since
from harness.client import in_own_thread
from harness.load import WAITING, run_class
from harness.server import server_tracebacks, start_app, stop_app

SLOTS = 2  # a two-core server's, whatever this machine has
SESSIONS = 6
EPOCHS = 2


@pytest.fixture(scope="module")
def small_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("load")
    database = f"sqlite:///{folder / 'class.sqlite3'}"
    env = {**os.environ, "DIGITNET_TRAINING_SLOTS": str(SLOTS), "DIGITNET_DATABASE_URL": database}
    process, url = start_app(folder / "streamlit.log", env=env)
    yield url, folder / "streamlit.log", database
    stop_app(process)


def test_six_learners_training_at_once_all_finish_and_each_sees_only_their_own_run(small_server):
    url, log, database = small_server
    started = time.time()
    students = in_own_thread(asyncio.wait_for(run_class(url, SESSIONS, EPOCHS, timeout=60), 120))
    for student in students:
        assert not student.problems, student.problems
        assert student.finished() and student.epochs == EPOCHS, student
        assert not student.leaks(), student.leaks()
        assert student.prediction == "Prediction: 2", student.answerer
        assert "run 1" in student.models, student.models
    waited = sum(student.waited for student in students)
    assert waited >= SESSIONS - SLOTS, f"only {waited} of {SESSIONS} sessions saw {WAITING!r}"
    assert server_tracebacks(log) == 0, log.read_text()[-3000:]
    seeds, deadline = [student.seed for student in students], time.monotonic() + 10  # written in the background
    while (found := recorded_since(Board(database), seeds, started)) != ([], []) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert found == ([], []), f"runs not on the class board, and on it twice: {found}"
    print(f"\nclick -> trained, {SESSIONS} sessions on {SLOTS} slots: "
          f"{sorted(round(s.train_seconds, 1) for s in students)} s")

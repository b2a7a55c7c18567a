"""Runs on their way to the board: written in the background, never holding up the caller,
kept while the database is away (a real PostgreSQL stopped and restarted, a SQLite file that
cannot be opened) and written once it is back, a bounded number of attempts and records."""

import time

from digitnet.app_support.class_board.outbox import Outbox
from digitnet.app_support.class_board.store import Board, Member
from harness.board import made_up, unopenable_database


def recorded(board: Board) -> list[str]:
    return sorted(run.id for run in board.snapshot().runs)


def test_a_record_is_written_in_the_background_once_however_often_it_is_sent(database_url):
    outbox, learner = Outbox(Board(database_url)), Member()
    for _ in range(3):
        outbox.send(made_up("once", 1), learner)
    assert outbox.wait_until_empty(30)
    assert recorded(outbox.board) == ["once"] and outbox.board.version() == 1
    assert outbox.written == 3 and outbox.given_up == 0 and outbox.trouble is None
    outbox.close()


def test_while_postgresql_is_down_runs_wait_and_are_recorded_when_it_is_back(postgres):
    board = Board(postgres.new_database())
    board.version()
    outbox, learner = Outbox(board, retry_after=0.05, longest_wait=0.5), Member()
    postgres.stop()
    try:
        started = time.perf_counter()
        for k in range(3):
            outbox.send(made_up(f"r{k}", k), learner)
        assert time.perf_counter() - started < 0.1  # the page that sent them never waited
        time.sleep(1)
        assert outbox.pending(learner) == 3 and "PostgreSQL" in outbox.trouble
    finally:
        postgres.start()
    outbox.retry_now()
    assert outbox.wait_until_empty(30)
    assert recorded(board) == ["r0", "r1", "r2"] and board.version() == 3
    assert outbox.given_up == 0 and outbox.trouble is None
    outbox.close()


def test_runs_sent_while_postgresql_restarts_are_all_recorded_once(postgres):
    board = Board(postgres.new_database())
    outbox, learners = Outbox(board, retry_after=0.05, longest_wait=0.5), [Member() for _ in range(4)]
    for k in range(40):
        outbox.send(made_up(f"r{k}", k), learners[k % 4])
        if k == 10:
            postgres.stop(immediate=True)  # as a crash
        if k == 25:
            postgres.start()
        time.sleep(0.01)
    assert outbox.wait_until_empty(60)
    assert recorded(board) == sorted(f"r{k}" for k in range(40)) and board.version() == 40
    outbox.close()


def test_a_board_that_never_comes_back_is_given_up_after_the_attempts(tmp_path):
    board = Board(unopenable_database(tmp_path))
    outbox = Outbox(board, retry_after=0.01, longest_wait=0.02, attempts=3)
    for k in range(2):
        outbox.send(made_up(f"r{k}", k), Member())
    assert outbox.wait_until_empty(10)
    assert outbox.given_up == 2 and outbox.written == 0 and outbox.trouble
    outbox.close()


def test_at_most_capacity_records_wait(tmp_path):
    board = Board(unopenable_database(tmp_path))
    outbox = Outbox(board, retry_after=10, longest_wait=10, capacity=2)
    for k in range(5):
        outbox.send(made_up(f"r{k}", k), Member())
    assert outbox.pending() == 2 and outbox.given_up == 3
    outbox.close()

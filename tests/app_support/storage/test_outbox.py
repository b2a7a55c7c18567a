"""Writes on their way to the database (here the board's runs): written in the background, in
order, never holding up the caller, kept while the database is away (a real PostgreSQL stopped
and restarted, a SQLite file that cannot be opened) and written once it is back, a bounded
number of writes and bytes."""

import time

from digitnet.app_support.storage.board import Board, Member
from digitnet.app_support.storage.outbox import Outbox, Write
from harness.board_filler import made_up, unopenable_database


def recorded(board: Board) -> list[str]:
    return sorted(run.id for run in board.snapshot().runs)


def test_a_record_is_written_in_the_background_once_however_often_it_is_sent(database_url):
    board, outbox, learner = Board(database_url), Outbox(), Member()
    for _ in range(3):
        outbox.send(board.recording(made_up("once", 1), learner))
    assert outbox.wait_until_empty(30)
    assert recorded(board) == ["once"] and board.version() == 1
    assert outbox.written == 3 and outbox.given_up == 0 and outbox.trouble is None
    outbox.close()


def test_while_postgresql_is_down_runs_wait_and_are_recorded_when_it_is_back(postgres):
    board = Board(postgres.new_database())
    board.version()
    outbox, learner = Outbox(retry_after=0.05, longest_wait=0.5), Member()
    postgres.stop()
    try:
        started = time.perf_counter()
        for k in range(3):
            outbox.send(board.recording(made_up(f"r{k}", k), learner))
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
    outbox, learners = Outbox(retry_after=0.05, longest_wait=0.5), [Member() for _ in range(4)]
    for k in range(40):
        outbox.send(board.recording(made_up(f"r{k}", k), learners[k % 4]))
        if k == 10:
            postgres.stop(immediate=True)  # as a crash
        if k == 25:
            postgres.start()
        time.sleep(0.01)
    assert outbox.wait_until_empty(60)
    assert recorded(board) == sorted(f"r{k}" for k in range(40)) and board.version() == 40
    outbox.close()


def test_while_the_database_is_away_nothing_is_given_up(tmp_path):
    board = Board(unopenable_database(tmp_path))
    outbox = Outbox(retry_after=0.01, longest_wait=0.02)
    for k in range(2):
        outbox.send(board.recording(made_up(f"r{k}", k), Member()))
    assert not outbox.wait_until_empty(1)  # tried some fifty times in that second
    assert outbox.pending() == 2 and outbox.given_up == 0 and outbox.written == 0 and outbox.trouble
    outbox.close()


def test_at_most_capacity_writes_and_bytes_wait(tmp_path):
    board = Board(unopenable_database(tmp_path))
    outbox = Outbox(retry_after=10, longest_wait=10, capacity=2)
    for k in range(5):
        outbox.send(board.recording(made_up(f"r{k}", k), Member()))
    assert outbox.pending() == 2 and outbox.given_up == 3
    outbox.close()
    heavy = Outbox(retry_after=10, longest_wait=10, capacity_bytes=1000)
    for k in range(5):
        heavy.send(Write(lambda: board.version(), size=400, what=f"write {k}"))
    assert heavy.pending() == 2 and heavy.given_up == 3
    heavy.close()


def test_writes_are_done_in_the_order_they_were_sent(database_url):
    board, outbox, done = Board(database_url), Outbox(), []
    for k in range(50):
        outbox.send(Write(lambda k=k: done.append(k) or board.version(), what=f"write {k}"))
    assert outbox.wait_until_empty(30)
    assert done == list(range(50))
    outbox.close()

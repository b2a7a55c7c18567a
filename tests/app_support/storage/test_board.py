"""The class board's storage, on SQLite and on a real PostgreSQL (a throwaway cluster): the
schema and its versions, runs recorded once, rounds, hiding, learners' numbers, many writers
at once, and a database that is away."""

import json
import sqlite3
import subprocess
import sys
import threading
import time

import psycopg
import pytest

from digitnet.app_support.storage import database as database_module
from digitnet.app_support.storage.board import (
    BEST_RUNS,
    COUNT_SHOWN,
    LEARNERS_RUNS,
    OWN_RUNS,
    PER_ROUND,
    Board,
    Member,
    RunRecord,
    anonymous,
    clean_nickname,
    nickname_refused,
)
from digitnet.app_support.storage.database import LATEST, DatabaseUnavailable
from digitnet.lesson.run import Run
from digitnet.lesson.settings import Settings
from harness.board_filler import fill, made_up, unopenable_database
from harness.server import ROOT


def query(url: str, sql: str, params=()) -> list[tuple]:
    """Rows read (or changed) straight in the database, not through the board."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            return connection.execute(sql, params).fetchall()
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(sql.replace("?", "%s"), params)
        return cursor.fetchall() if cursor.description else []


def test_the_schema_is_made_on_first_use_and_versioned(database_url):
    board = Board(database_url)
    assert board.version() == 0
    assert query(database_url, "SELECT version FROM schema_version") == [(LATEST,)]
    assert query(database_url, "SELECT id FROM rounds") == [(1,)]
    board.record(made_up("a", 1), Member())
    board.database.close()
    again = Board(database_url)  # another process, or the app started again: nothing made twice
    assert again.version() == 1 and len(again.snapshot().runs) == 1
    assert query(database_url, "SELECT count(*) FROM schema_version") == [(1,)]
    again.database.close()


def test_a_later_version_migrates_an_existing_database(database_url, monkeypatch):
    old = Board(database_url)
    old.record(made_up("kept", 1), Member())
    old.database.close()
    step = ["ALTER TABLE runs ADD COLUMN note TEXT", "UPDATE runs SET note = 'migrated'"]
    monkeypatch.setattr(database_module, "MIGRATIONS", {**database_module.MIGRATIONS, LATEST + 1: step})
    monkeypatch.setattr(database_module, "LATEST", LATEST + 1)
    new = Board(database_url)
    assert [run.id for run in new.snapshot().runs] == ["kept"]
    assert query(database_url, "SELECT version FROM schema_version") == [(LATEST + 1,)]
    assert query(database_url, "SELECT id, note FROM runs") == [("kept", "migrated")]
    new.database.close()


def test_a_database_newer_than_the_app_is_refused_not_damaged(database_url):
    board = Board(database_url)
    board.version()
    board.database.close()
    query(database_url, "UPDATE schema_version SET version = ?", (LATEST + 1,))
    with pytest.raises(DatabaseUnavailable, match="newer than this app"):
        Board(database_url).version()
    assert query(database_url, "SELECT version FROM schema_version") == [(LATEST + 1,)]


def test_processes_starting_at_once_make_the_schema_once(database_url):
    code = f"from digitnet.app_support.storage.board import Board; print(Board({database_url!r}).version())"
    starts = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
              for _ in range(4)]
    assert [process.communicate(timeout=60)[0].strip() for process in starts] == ["0"] * 4
    assert query(database_url, "SELECT version FROM schema_version") == [(LATEST,)]
    assert query(database_url, "SELECT count(*) FROM rounds") == [(1,)]
    assert query(database_url, "SELECT count(*) FROM board") == [(1,)]


def test_a_run_is_recorded_once_with_its_settings_seed_accuracies_nickname_and_time(database_url, small):
    run = Run(Settings(model="linear", epochs=2, seed=7, bs=64), small)
    for _ in run.fit():
        pass
    record = RunRecord.of(run, "  Ada \u202e\n Lovelace ", finished=1234.5)
    board, learner = Board(database_url), Member()
    assert board.record(record, learner) is True
    assert board.record(record, learner) is False  # sent again: a retry after a lost answer
    assert board.version() == 1
    [row] = query(database_url, "SELECT id, learner, nickname, finished, status, seed, lr, bs, epochs, settings,"
                                " accuracy, accuracies FROM runs")
    run_id, number, nickname, finished, status, seed, lr, bs, epochs, settings, accuracy, accuracies = row
    assert (run_id, number, nickname, finished, status) == (run.id, learner.number, "Ada Lovelace", 1234.5, "done")
    assert (seed, lr, bs, epochs) == (7, run.settings.lr, 64, 2)
    assert json.loads(settings) == json.loads(json.dumps(run.settings.to_dict()))
    assert json.loads(accuracies) == [epoch.accuracy for epoch in run.history]
    assert accuracy == run.history[-1].accuracy
    [shown] = board.snapshot().runs
    assert (shown.name, shown.epochs, shown.model, shown.digits) == ("Ada Lovelace", 2, "linear", "2 vs 6")
    board.database.close()


def test_only_finished_runs_and_runs_stopped_after_an_epoch_make_records(small):
    settings = Settings(model="linear", epochs=3, bs=64)
    fresh = Run(settings, small)
    assert RunRecord.of(fresh, "", 0.0) is None
    stopped_early = Run(settings, small)
    training = stopped_early.fit()
    next(training)
    training.close()  # stopped in its first epoch: nothing learned worth a point
    assert stopped_early.status == "stopped" and RunRecord.of(stopped_early, "", 0.0) is None
    stopped = Run(settings, small)
    training = stopped.fit()
    while len(stopped.batch_losses) < stopped.n_batches + 3:  # into its second epoch
        next(training)
    training.close()
    record = RunRecord.of(stopped, "", 0.0)
    assert record.status == "stopped" and len(record.accuracies) == 1
    assert record.accuracy == stopped.metrics()["accuracy"]  # the model it kept, as the Train page scores it


def test_each_learner_gets_a_number_of_their_own_and_keeps_it(database_url):
    board = Board(database_url)
    ada, bob = Member(), Member(nickname="bob")
    assert board.number(ada) != board.number(bob)
    assert board.number(ada) == board.number(ada) == ada.number
    board.record(made_up("a", 1), ada)
    board.record(made_up("b", 2, nickname="bob"), bob)
    names = {run.id: run.name for run in board.snapshot().runs}
    assert names == {"a": anonymous(ada.number), "b": "bob"} and names["a"] == f"learner {ada.number}"
    assert query(database_url, "SELECT count(*) FROM learners") == [(2,)]  # a number, and nothing else
    board.database.close()


def test_a_new_round_starts_empty_and_earlier_rounds_can_be_shown_again(database_url):
    board, learner = Board(database_url), Member()
    fill(board, 0, 3)
    started = time.time()
    second = board.new_round(started)
    assert board.snapshot().shown.id == second and board.snapshot().runs == []
    board.record(made_up("late", 9, finished=started - 5), learner)  # finished before, recorded after
    board.record(made_up("new", 10, finished=started + 1), learner)
    assert [run.id for run in board.snapshot().runs] == ["new"]
    assert {run.id for run in board.snapshot(1).runs} == {"made-up-0", "made-up-1", "made-up-2", "late"}
    assert [r.id for r in board.snapshot().rounds] == [1, second]
    assert board.snapshot(999).shown.id == second  # an unknown round: the current one
    board.database.close()


def test_a_hidden_run_leaves_every_board(database_url):
    board = Board(database_url)
    fill(board, 0, 3)
    before = board.version()
    assert board.hide(["made-up-1"]) == 1
    assert [run.id for run in board.snapshot().runs] == ["made-up-0", "made-up-2"]
    assert board.version() == before + 1
    assert board.hide(["made-up-1", "no-such-run"]) == 0 and board.version() == before + 1
    assert query(database_url, "SELECT count(*) FROM runs") == [(3,)]  # hidden, not deleted
    board.database.close()


def test_a_page_reads_the_best_runs_its_learners_own_and_how_many(database_url):
    board, ada = Board(database_url), Member()
    fill(board, 0, 12)
    board.record(made_up("ada-1", 36, finished=time.time() - 60), ada)  # the worst accuracies of made_up
    board.record(made_up("ada-2", 73, finished=time.time() - 30), ada)
    every = {run.id: run.accuracy for run in board.snapshot(best=100).runs}
    best = sorted(every, key=every.get, reverse=True)[:3]
    snapshot = board.snapshot(best=3, mine=ada.number)
    assert snapshot.total == 14 and {run.id for run in snapshot.runs} == {*best, "ada-1", "ada-2"}
    assert [run.finished for run in snapshot.runs] == sorted(run.finished for run in snapshot.runs)
    assert {run.id for run in board.snapshot(best=3).runs} == set(best)
    board.database.close()


def plan(url: str, sql: str, params) -> str:
    """How the database runs a query: SQLite's plan, or PostgreSQL's with table scans ruled out
    where an index can do (its planner scans a small table whole, indexes or not)."""
    if url.startswith("sqlite:///"):
        rows = query(url, f"EXPLAIN QUERY PLAN {sql}", params)
        return " | ".join(row[-1] for row in rows)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("SET enable_seqscan = off")
        return " | ".join(row[0] for row in connection.execute(f"EXPLAIN {sql.replace('?', '%s')}", params))


@pytest.mark.parametrize("sql, params", [
    (COUNT_SHOWN, (1,)), (BEST_RUNS, (1, 500)), (OWN_RUNS, (1, 7)), (LEARNERS_RUNS, (1.0, 11.0, 0, 6.0, 7, "x")),
])
def test_the_class_pages_queries_go_through_an_index_and_sort_nothing(database_url, sql, params):
    board = Board(database_url)
    fill(board, 0, 40)
    found = plan(database_url, sql, params)
    assert "INDEX" in found.upper(), found
    assert not any(step in found for step in ("SCAN runs", "TEMP B-TREE", "Seq Scan on runs", "Sort")), found
    board.database.close()


def test_a_learners_runs_are_refused_past_one_in_five_seconds_and_a_hundred_a_round(database_url):
    board, ada = Board(database_url), Member()
    start = time.time() - 10_000
    assert board.refusal(made_up("a0", 0, finished=start), ada) is None  # no number, no runs yet
    board.record(made_up("a0", 0, finished=start), ada)
    assert "one run of a learner in 5 s" in board.refusal(made_up("a1", 1, finished=start + 4.9), ada)
    assert board.refusal(made_up("a0", 0, finished=start), ada) is None  # the same run sent again
    assert board.refusal(made_up("a1", 1, finished=start + 5.1), Member()) is None  # anyone else's
    for k in range(1, PER_ROUND):
        board.record(made_up(f"a{k}", k, finished=start + 6 * k), ada)
    late = made_up("late", 1, finished=start + 6 * PER_ROUND)
    assert f"keeps {PER_ROUND} runs of each learner a round, and {PER_ROUND} of yours" in board.refusal(late, ada)
    board.new_round(start + 6 * PER_ROUND - 1)
    assert board.refusal(late, ada) is None  # a new round makes room
    board.database.close()


def test_every_run_of_one_name_is_hidden_at_once(database_url):
    board = Board(database_url)
    spam, spam_too, ada = Member(nickname="spam"), Member(nickname="spam"), Member()
    for k in range(3):
        board.record(made_up(f"s{k}", k, finished=1000.0 + 10 * k, nickname="spam"), spam)
    board.record(made_up("t0", 5, finished=1000.0, nickname="spam"), spam_too)
    board.record(made_up("anon", 6, finished=1000.0), ada)
    board.record(made_up("named", 7, finished=1100.0, nickname="Ada"), ada)
    names = board.names(1)
    assert [(name.shown, name.runs) for name in names] == [("spam", 4), ("Ada", 1), (anonymous(ada.number), 1)]
    before = board.version()
    assert board.hide_name(1, "spam") == 4 and board.version() == before + 1
    assert board.hide_name(1, "", ada.number) == 1  # the anonymous run only
    assert [run.id for run in board.snapshot().runs] == ["named"] and board.snapshot().total == 1
    assert board.hide_name(1, "spam") == 0 and board.version() == before + 2
    board.database.close()


def test_sixty_runs_finishing_at_the_same_moment_in_three_processes_are_all_there_once(database_url):
    at = time.time() + 3  # the processes are up by then
    replicas = [
        subprocess.Popen([sys.executable, "-m", "harness.board_filler", "class", database_url,
                          "--prefix", f"replica{p}",
                          "--sessions", "20", "--at", str(at)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for p in range(3)
    ]
    results = [json.loads(process.communicate(timeout=120)[0]) for process in replicas]
    assert all(result["emptied"] and result["given_up"] == 0 for result in results), results
    ids = [row[0] for row in query(database_url, "SELECT id FROM runs")]
    assert sorted(ids) == sorted(f"replica{p}-{k}" for p in range(3) for k in range(20))
    assert query(database_url, "SELECT version FROM board") == [(60,)]
    assert query(database_url, "SELECT count(DISTINCT learner) FROM runs") == [(60,)]


def test_sixty_threads_of_one_process_writing_at_once(database_url):
    board = Board(database_url)
    learners, go = [Member() for _ in range(60)], threading.Barrier(60)
    added = []

    def finish(k: int) -> None:
        go.wait()
        added.append(board.record(made_up(f"t{k}", k), learners[k]))
        added.append(board.record(made_up(f"t{k}", k), learners[k]))

    threads = [threading.Thread(target=finish, args=(k,)) for k in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(added) == [False] * 60 + [True] * 60
    assert len(board.snapshot().runs) == 60 and board.version() == 60
    board.database.close()


def test_postgresql_down_is_unavailable_and_back_is_used_again(postgres):
    url = postgres.new_database()
    board = Board(url)
    assert board.version() == 0
    postgres.stop()
    try:
        for attempt in (board.version, board.snapshot, lambda: board.record(made_up("r", 1), Member())):
            with pytest.raises(DatabaseUnavailable, match="PostgreSQL database cannot be used"):
                attempt()
    finally:
        postgres.start()
    assert board.record(made_up("r", 1), Member()) is True and board.version() == 1
    board.database.close()


def test_a_database_that_cannot_be_opened_is_unavailable(tmp_path):
    board = Board(unopenable_database(tmp_path))
    for attempt in (board.version, board.snapshot, lambda: board.record(made_up("r", 1), Member())):
        with pytest.raises(DatabaseUnavailable):
            attempt()
    with pytest.raises(DatabaseUnavailable, match="must begin with sqlite"):
        Board("mysql://somewhere")


@pytest.mark.parametrize("typed, kept", [
    ("  two   words ", "two words"),
    ("a" * 30, "a" * 24),
    ("tab\there\nnewline", "tab here newline"),
    ("evil\u202eeman", "evil eman"),  # a right-to-left override would show the text reversed
    ("zero\u200bwidth", "zero width"),
    ("**bold** <b>x</b> [a](http://x)", "**bold** <b>x</b> [a](http://x)"[:24]),  # kept; escaped where shown
    ("élève 🙂", "élève 🙂"),
    ("\u3164", ""),  # HANGUL FILLER: a letter that draws nothing
    ("\u2800 \u115f\u1160\uffa0", ""),  # the blank Braille pattern and the other fillers
    ("\u0301\u0308\u20dd", ""),  # combining marks with nothing to mark
    ("Ada\u3164\u3164Lovelace", "Ada Lovelace"),
])
def test_a_nickname_is_kept_as_typed_less_what_cannot_be_seen(typed, kept):
    assert clean_nickname(typed) == kept


@pytest.mark.parametrize("typed", ["learner 13", "Learner  13", "LEARNER13", "ｌｅａｒｎｅｒ　１３", "learner\u3164 7",
                                   "l e a r n e r 1 3", "learner-13."])
def test_a_nickname_that_reads_as_an_anonymous_learners_is_refused(typed):
    assert "reads like the name the board gives a learner" in nickname_refused(clean_nickname(typed))


@pytest.mark.parametrize("typed", ["learner", "learners 13", "Ada 13", "13", "a learner"])
def test_other_nicknames_are_taken(typed):
    assert nickname_refused(clean_nickname(typed)) is None

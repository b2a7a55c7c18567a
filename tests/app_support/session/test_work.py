"""A learner's work saved as it is made and rebuilt from the database, on SQLite and on a real
PostgreSQL: every epoch once, a run cut off mid-epoch keeps its finished ones, the limit of runs,
digits and name, and "Forget my work"."""

import secrets
import threading

import numpy as np
import pytest
import torch

from digitnet.app_support.session.lab import Lab
from digitnet.app_support.session.work import Works
from digitnet.app_support.storage.saved_work import MAX_RUNS, browser_id
from digitnet.app_support.storage.stores import Stores
from digitnet.lesson.dataset import load_dataset
from digitnet.lesson.settings import Settings


def new_browser() -> str:
    return browser_id(secrets.token_hex(32))


def rebuilt(url, browser):
    """The browser's work as another process (a restart, another replica) rebuilds it."""
    return Works(Stores.at(url), load_dataset).of(browser)


def same_run(mine, theirs) -> None:
    assert (theirs.id, theirs.name, theirs.settings, theirs.status) == (mine.id, mine.name, mine.settings, mine.status)
    assert theirs.history == [e.__class__(**e.to_dict()) for e in mine.history]
    assert theirs.batch_losses == mine.batch_losses
    assert sorted(theirs.snapshots) == sorted(mine.snapshots)
    for epoch, weights in mine.snapshots.items():
        assert all(torch.equal(weights[name], theirs.snapshots[epoch][name]) for name in weights)
    assert all(torch.equal(p, mine.weights()[name]) for name, p in theirs.weights().items())


def test_runs_digits_and_name_come_back_in_another_process(database_url, small):
    stores, browser = Stores.at(database_url), new_browser()
    lab = Lab(Settings(model="linear", epochs=2, seed=1), Works(stores, load_dataset).of(browser))
    done = lab.start_run(small)
    list(done.fit())
    stopped = lab.start_run(small)
    for event in stopped.fit(3):  # stopped in its second epoch: its first is kept
        if getattr(event, "batch", 0) == 4 and event.epoch == 2:
            break
    lab.work.add_digit(np.eye(28, dtype=np.float32), 3)
    lab.work.set_nickname("Ada")
    assert stores.outbox.wait_until_empty(30) and stores.outbox.given_up == 0
    back = rebuilt(database_url, browser)
    assert [run.name for run in back.runs] == ["run 1", "run 2"]
    same_run(done, back.runs[0])
    same_run(stopped, back.runs[1])
    assert back.runs[1].status == "stopped" and len(back.runs[1].history) == 1
    assert back.my_digits.labels == [3] and np.array_equal(back.my_digits.images[0], lab.my_digits.images[0])
    assert back.member.nickname == "Ada"


def test_a_run_cut_off_while_it_trains_keeps_its_finished_epochs(database_url, small):
    stores, browser = Stores.at(database_url), new_browser()
    work = Works(stores, load_dataset).of(browser)
    run = Lab(Settings(model="linear", epochs=3, bs=60, seed=2), work).start_run(small)
    events = run.fit()
    while not run.history:  # as a process killed in its second epoch: no after-fit save ever comes
        next(events)
    next(events)
    assert stores.outbox.wait_until_empty(30)
    [back] = rebuilt(database_url, browser).runs
    assert back.status == "stopped" and [e.epoch for e in back.history] == [1]
    assert back.batch_losses == run.batch_losses[: run.n_batches]
    assert all(torch.equal(p, run.snapshots[1][name]) for name, p in back.weights().items())


def test_two_tabs_share_one_body_of_work_and_both_runs_are_kept(database_url, small):
    stores, browser = Stores.at(database_url), new_browser()
    works = Works(stores, load_dataset)
    first, second = Lab(Settings(model="linear", epochs=1), works.of(browser)), Lab(work=works.of(browser))
    assert first.work is second.work
    runs = []
    threads = [threading.Thread(target=lambda lab=lab: runs.append(list(lab.start_run(small).fit())))
               for lab in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(run.name for run in second.runs) == ["run 1", "run 2"]
    assert stores.outbox.wait_until_empty(30)
    assert sorted(run.name for run in rebuilt(database_url, browser).runs) == ["run 1", "run 2"]


def test_a_tabs_runs_taken_in_by_its_browser_keep_names_apart(database_url, small):
    """A tab that trained before its browser was known: its 'run 1' joins the browser's 'run 1'."""
    stores, browser = Stores.at(database_url), new_browser()
    saved = Lab(Settings(model="linear", epochs=1), Works(stores, load_dataset).of(browser))
    list(saved.start_run(small).fit())
    early = Lab(Settings(model="linear", epochs=1))
    list(early.start_run(small).fit())
    saved.work.adopt(early.work)
    assert [run.name for run in saved.runs] == ["run 1", "run 1 (2)"]
    assert stores.outbox.wait_until_empty(30)
    assert [run.name for run in rebuilt(database_url, browser).runs] == ["run 1", "run 1 (2)"]


def test_another_browser_or_a_guessed_key_gets_nothing(database_url, small):
    stores, browser = Stores.at(database_url), new_browser()
    list(Lab(Settings(model="linear", epochs=1), Works(stores, load_dataset).of(browser)).start_run(small).fit())
    assert stores.outbox.wait_until_empty(30)
    assert rebuilt(database_url, new_browser()).runs == []
    assert browser_id("0" * 63) is None and browser_id("X" * 64) is None and browser_id(None) is None
    assert browser_id(browser) != browser  # the database holds the key's hash, never the key


def test_past_the_limit_new_runs_are_not_saved_until_the_oldest_make_room(database_url, small):
    stores, browser = Stores.at(database_url), new_browser()
    lab = Lab(Settings(model="linear", epochs=1, bs=600), Works(stores, load_dataset).of(browser))
    for _ in range(MAX_RUNS + 2):
        list(lab.start_run(small).fit())
    assert len(lab.work.unsaved) == 2
    assert stores.outbox.wait_until_empty(60)
    assert len(rebuilt(database_url, browser).runs) == MAX_RUNS
    deleted = lab.work.make_room(2)
    assert [run.name for run in deleted] == ["run 1", "run 2"] and not lab.work.unsaved
    assert stores.outbox.wait_until_empty(60)
    names = [run.name for run in rebuilt(database_url, browser).runs]
    assert len(names) == MAX_RUNS and names[0] == "run 3" and names[-1] == f"run {MAX_RUNS + 2}"


def test_forget_deletes_everything_of_the_browser(database_url, small):
    stores, browser = Stores.at(database_url), new_browser()
    lab = Lab(Settings(model="linear", epochs=1), Works(stores, load_dataset).of(browser))
    list(lab.start_run(small).fit())
    lab.work.add_digit(np.eye(28, dtype=np.float32), 3)
    assert stores.outbox.wait_until_empty(30)
    lab.work.forget()
    assert lab.runs == [] and len(lab.my_digits) == 0
    assert stores.saved.load(browser) is None
    for table in ("saved_runs", "saved_epochs", "saved_digits", "browsers"):
        assert stores.saved.database.read(f"SELECT count(*) FROM {table}") == [(0,)]


def test_work_untouched_for_the_days_kept_is_deleted(database_url, small):
    stores, old, recent = Stores.at(database_url), new_browser(), new_browser()
    for browser in (old, recent):
        list(Lab(Settings(model="linear", epochs=1), Works(stores, load_dataset).of(browser)).start_run(small).fit())
    assert stores.outbox.wait_until_empty(30)
    with stores.saved.database.transaction(write=True) as run:
        run("UPDATE browsers SET touched = touched - 31 * 86400 WHERE key_hash = ?", (old,))
    assert stores.saved.expire(30) == 1
    assert stores.saved.load(old) is None and len(stores.saved.load(recent).runs) == 1


@pytest.mark.parametrize("learners", [60])
def test_learners_finishing_epochs_at_once_save_every_epoch_once(database_url, small, learners):
    stores = Stores.at(database_url)
    labs = [Lab(Settings(model="linear", epochs=2, bs=300, seed=k), Works(stores, load_dataset).of(new_browser()))
            for k in range(learners)]
    runs = [lab.start_run(small) for lab in labs]
    barrier = threading.Barrier(learners)

    def train(run):
        barrier.wait()
        list(run.fit())

    threads = [threading.Thread(target=train, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert stores.outbox.wait_until_empty(120) and stores.outbox.given_up == 0
    rows = stores.saved.database.read("SELECT run, epoch FROM saved_epochs ORDER BY run, epoch")
    assert sorted(rows) == sorted((run.id, epoch) for run in runs for epoch in (1, 2))

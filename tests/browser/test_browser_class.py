"""The Class page in a real browser: runs trained in three sessions show on a fourth's board
by themselves (the page polls every second: the seconds each took are printed, `pytest -s`;
bench.class_board measures them), nicknames stay plain text, and the board outlives a restart of the app."""

import os

import pytest

from digitnet.app_support.storage.board import Board
from harness.board_filler import seen_after, shown_count
from harness.browser import local_page
from harness.server import start_app, stop_app

pytestmark = pytest.mark.browser

LEARNING_RATES = (0.001, 0.1, 10.0)


def test_three_learners_runs_reach_a_fourths_board_and_stay_after_a_restart(browser, tmp_path):
    database = f"sqlite:///{tmp_path / 'class.sqlite3'}"
    env = {**os.environ, "DIGITNET_DATABASE_URL": database}
    process, url = start_app(tmp_path / "first.log", env=env)
    try:
        with local_page(browser) as watcher:
            watcher.goto(f"{url}/class")
            assert shown_count(watcher) == 0
            nickname = "<b>bold</b> **x** [a](b)"
            field = watcher.locator(".st-key-nickname input")
            field.fill(nickname)
            field.press("Enter")
            caption = watcher.get_by_text("Your runs appear as")
            caption.filter(has_text=nickname).wait_for()  # the characters typed, as typed
            assert caption.locator("b").count() == 0 and caption.locator("a").count() == 0
            queries = [f"model=linear&epochs=1&lr={lr}" for lr in LEARNING_RATES]
            seconds = seen_after(browser, url, Board(database), queries, watcher)
            print(f"\nrun finished -> on another learner's Class page: {[round(s, 2) for s in seconds]} s")
            assert shown_count(watcher) == 3
    finally:
        stop_app(process)
    process, url = start_app(tmp_path / "second.log", env=env)
    try:
        with local_page(browser) as fourth:
            fourth.goto(f"{url}/class")
            assert shown_count(fourth) == 3
    finally:
        stop_app(process)

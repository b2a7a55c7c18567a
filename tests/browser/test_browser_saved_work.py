"""A learner's work in a real browser: a reload keeps the runs (Train's history, Weights'
heatmaps, Draw's models), so does a server restart on the same database; another browser never
sees them, nor does a forged key; and PostgreSQL stopped mid-class and started again loses nothing."""

import os
import secrets
import time

import pytest

from digitnet.app_support.storage.database import Database
from digitnet.app_support.storage.saved_work import SavedWork, browser_id
from harness.browser import local_page, sidebar, train
from harness.server import server_tracebacks, start_app, stop_app
from pages.shared.browser_key import COOKIE

pytestmark = pytest.mark.browser

EMPTY = "Every run of this session is kept here"


def key_of(page) -> str:
    """The browser's key, once its component has made and kept it."""
    deadline = time.monotonic() + 30
    while not (found := [c["value"] for c in page.context.cookies() if c["name"] == COOKIE]):
        assert time.monotonic() < deadline, "the browser was given no key"
        time.sleep(0.1)
    return found[0]


@pytest.fixture
def saving_app(tmp_path):
    """An app of its own, on a database of its own; restart() stops it and starts it again on that database."""
    database = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    env = {**os.environ, "DIGITNET_DATABASE_URL": database}
    logs = []

    class App:
        def start(self):
            logs.append(tmp_path / f"streamlit-{len(logs)}.log")
            self.process, self.url = start_app(logs[-1], env=env)

        def restart(self):
            stop_app(self.process)
            self.start()

    app = App()
    app.database = database
    app.start()
    yield app
    stop_app(app.process)
    assert sum(server_tracebacks(log) for log in logs) == 0, logs[-1].read_text()[-3000:]


def test_a_reload_keeps_the_runs_and_another_browser_never_sees_them(browser, saving_app):
    url = saving_app.url
    with local_page(browser) as page:
        page.goto(f"{url}/train?model=linear&epochs=2&seed=5")
        key = key_of(page)
        train(page)
        page.reload()
        page.get_by_text("run 1: validation accuracy").wait_for()  # the newest run's outcome, as before
        assert page.get_by_text(EMPTY).count() == 0
        page.get_by_text("Saved as you go").wait_for()
        sidebar(page, "Weights")
        page.locator('[data-testid="stPlotlyChart"]').first.wait_for()  # its heatmaps
        assert page.get_by_text("No trained model").count() == 0
        sidebar(page, "Draw")
        page.get_by_text("Answering: run 1").wait_for()  # Draw's model list starts with it
        assert key not in page.url  # the address carries the settings, never the key
    with local_page(browser) as other:
        other.goto(f"{url}/train")
        other.get_by_text(EMPTY).wait_for()  # another browser: nothing of the first one's
        assert key_of(other) != key
    with local_page(browser) as forged:
        forged.context.add_cookies([{"name": COOKIE, "value": secrets.token_hex(32), "url": url}])
        forged.goto(f"{url}/train")
        forged.get_by_text(EMPTY).wait_for()  # a key that names no browser gets nothing
    saved = SavedWork(Database(saving_app.database))
    assert [run.name for run in saved.load(browser_id(key)).runs] == ["run 1"]
    assert saved.database.read("SELECT count(*) FROM browsers WHERE key_hash = ?", (key,)) == [(0,)]  # only its hash


def test_a_server_restart_on_the_same_database_keeps_them(browser, saving_app):
    with local_page(browser) as page:
        page.goto(f"{saving_app.url}/train?model=linear&epochs=1")
        key_of(page)
        train(page)
        saving_app.restart()
        page.goto(f"{saving_app.url}/train")
        page.get_by_text("run 1: validation accuracy").wait_for()
        assert page.get_by_text(EMPTY).count() == 0
        train_again = page.locator(".st-key-train_button button")
        train_again.click()
        page.get_by_text("run 2: validation accuracy").wait_for(timeout=60_000)  # its next run is run 2


def test_postgresql_stopped_mid_class_and_started_again_loses_nothing(browser, postgres, tmp_path):
    database = postgres.new_database()
    process, url = start_app(tmp_path / "streamlit.log", env={**os.environ, "DIGITNET_DATABASE_URL": database})
    try:
        with local_page(browser) as first, local_page(browser) as second:
            keys = []
            for page in (first, second):
                page.goto(f"{url}/train?model=linear&bs=8&epochs=6")
                keys.append(key_of(page))
            for page in (first, second):
                page.locator(".st-key-train_button button").click()
            first.wait_for_function("() => /^Epoch [2-6]/.test(document.querySelector('.st-key-live_progress')"
                                    "?.innerText || '')", timeout=60_000)
            postgres.stop(immediate=True)  # as a crash, while both train
            try:
                for page in (first, second):
                    page.get_by_text("run 1: validation accuracy").wait_for(timeout=120_000)
                first.reload()
                first.get_by_text("Not saved yet").wait_for(timeout=30_000)  # and the learner is told
            finally:
                postgres.start()
            first.reload()
            first.get_by_text("Saved as you go").wait_for(timeout=60_000)  # written once it is back, and said
    finally:
        stop_app(process)
    saved = SavedWork(Database(database))
    for key in keys:
        [run] = saved.load(browser_id(key)).runs
        assert [e.epoch for e in run.epochs] == [1, 2, 3, 4, 5, 6] and run.status == "done"
    rows = saved.database.read("SELECT run, epoch, count(*) FROM saved_epochs GROUP BY run, epoch")
    assert len(rows) == 12 and {count for *_, count in rows} == {1}

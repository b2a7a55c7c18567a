"""Training in a real browser: the curves update live, never blank, and the stop control works."""

import os
import time

import pytest

from digitnet.app_support.storage.board import Board
from harness.browser import local_page, train
from harness.chart_sampling import FAST_EPOCHS, SAMPLE_JS, sample_training
from harness.server import start_app, stop_app

pytestmark = pytest.mark.browser


def test_the_chart_updates_live_and_never_blanks(page, app_url):
    result = sample_training(page, app_url, FAST_EPOCHS)
    print(f"\nlive chart: {result}")
    assert result["first_point_seconds"] is not None, "the chart never appeared"
    assert result["samples"] >= 10
    assert result["blank"] == 0, f"the chart was missing in {result['blank']} of {result['samples']} samples"
    assert result["updates"] >= 5, "the progress moved fewer than 5 times: the page is not updating live"
    assert page.get_by_text("run 1: validation accuracy").count() == 1


def test_the_stop_control_ends_training_and_keeps_the_model(page, app_url, class_database):
    page.goto(f"{app_url}/train?model=linear&bs=16&epochs=100")
    page.locator(".st-key-train_button button").click()
    page.wait_for_function(f"() => ({SAMPLE_JS})().drawn")
    epoch = f"(({SAMPLE_JS})().progress.match(/^Epoch (\\d+) of/) || [0, 0])[1]"
    page.wait_for_function(f"() => Number({epoch}) >= 2", timeout=60_000)  # at least one epoch kept
    page.locator(".st-key-stop_training button").click()
    message = page.get_by_text("was stopped after")
    message.wait_for()
    assert "keeps what it learned" in message.inner_text()
    page.locator(".st-key-stop_training button").wait_for(state="detached")
    assert page.locator('.st-key-live_loss [data-testid="stVegaLiteChart"]').count() == 1
    page.get_by_text("Download run 1").wait_for()  # the stopped model can be saved
    deadline = time.monotonic() + 10  # and the class board has it, stopped, with the epochs it finished
    while not (stopped := [run for run in Board(class_database).snapshot().runs if run.bs == 16]):
        assert time.monotonic() < deadline, "the stopped run is not on the class board"
        time.sleep(0.2)
    assert [(run.status, run.model) for run in stopped] == [("stopped", "linear")] and stopped[0].epochs >= 1


def test_stop_while_waiting_for_a_slot_says_so_and_leaves_no_empty_run(browser, tmp_path):
    """One training slot: a second learner waits; stopping then leaves no run behind. The first
    keeps the slot for the whole test (a long turn), however slowly a busy machine loads the pages."""
    env = {**os.environ, "DIGITNET_TRAINING_SLOTS": "1", "DIGITNET_TURN_SECONDS": "600"}
    process, url = start_app(tmp_path / "streamlit.log", env=env)
    try:
        with local_page(browser) as first, local_page(browser) as second:
            first.goto(f"{url}/train?model=linear&bs=1&epochs=20")  # tens of seconds in the only slot
            first.locator(".st-key-train_button button").click()
            first.get_by_text("Training run 1").wait_for()
            second.goto(f"{url}/train?model=linear")
            second.locator(".st-key-train_button button").click()
            second.get_by_text("Waiting for a free slot").wait_for()
            second.locator(".st-key-stop_training button").click()
            second.get_by_text("run 1 was stopped before it began").wait_for()
            assert second.get_by_text("Every run of this session is kept here").count() == 1  # no run in history
            first.locator(".st-key-stop_training button").click()
            first.get_by_text("was stopped after").wait_for()
            train(second)  # still its first run
    finally:
        stop_app(process)


# Every text the status line shows, recorded in the browser as it changes, on the one element a screen
# reader watches from before the click (role status: a polite live region) to the run's end.
WATCH_STATUS_JS = """() => {
  const status = [...document.querySelectorAll('[data-testid=stAlertContainer][role=status]')]
    .find(e => e.innerText.startsWith('Press Train'));
  window.statusLine = status;
  window.statusSeen = [status.innerText];
  new MutationObserver(() => { const text = status.innerText;
    if (text !== window.statusSeen.at(-1)) window.statusSeen.push(text); })
    .observe(status, {subtree: true, childList: true, characterData: true});
}"""


def test_training_is_announced_once_an_epoch_in_a_polite_live_region(page, app_url):
    page.goto(f"{app_url}/train?model=linear&bs=32&epochs=3")  # 371 batches, redrawn about six times a second
    page.get_by_text("Press Train").wait_for()
    page.evaluate(WATCH_STATUS_JS)
    page.locator(".st-key-train_button button").click()
    page.get_by_text("run 1: validation accuracy").wait_for(timeout=60_000)
    seen = page.evaluate("() => window.statusSeen")
    print(f"\nthe status line said: {seen}")
    # one element throughout: the page's next run after the click, and the one after the run, change its words
    assert page.evaluate("() => window.statusLine.isConnected && window.statusLine.getAttribute('role')") == "status"
    assert seen[1].startswith("Training run 1: linear") and " · " not in seen[1], seen  # the start
    assert seen[-1].startswith("run 1: validation accuracy") and "after 3 epochs" in seen[-1], seen  # the end
    announced = [text.split(" · ", 1)[1] for text in seen if " · " in text]
    # at most once an epoch (an epoch is many redraws; two quick ones may share one), none of the batches between
    epochs = [int(text.split()[1]) for text in announced]
    assert epochs == sorted(set(epochs)) and set(epochs) <= {1, 2, 3} and epochs, announced
    assert all(text.startswith(f"epoch {k} of 3 done,") for k, text in zip(epochs, announced))
    assert all(" validation accuracy 0." in text for text in announced)
    assert len(seen) == 2 + len(epochs) + 1, seen  # Press Train, the start, the epochs, the end: nothing else

"""A class through `make class REPLICAS=2`: HAProxy in front of two app processes.

Browsers land on both replicas and stay there: each trains, downloads its model and loads its
page's images, which live in its own replica's memory. Then one replica is killed (SIGKILL): its
learners (one training, one idle) reconnect through the balancer to the other and get a new
session there with their runs and their name back from the database, told so, while a learner on
the other replica trains on untouched. The whole of it is started as a teacher starts it and
stopped by its process group's id. Run with -s to see what each learner saw.
"""

import os
import secrets
import signal
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse

import pytest

from digitnet.app_support.serving.replica import RUNS_BACK, SESSION_COOKIE
from digitnet.files.modelfile import load_model
from harness.browser import local_page, sidebar, train
from harness.client import Session, in_own_thread
from harness.make_class import start_class, stop_class
from harness.server import server_tracebacks
from pages.shared.browser_key import COOKIE

pytestmark = pytest.mark.browser

TRAIN = "/train?model=linear&epochs=2"
DONE = "run 1: validation accuracy"
BACK = RUNS_BACK.split(":")[0]  # its first words, as the page shows them


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    log = tmp_path_factory.mktemp("class") / "make-class.log"
    started = start_class(2, log)
    yield started
    assert stop_class(started), f"SIGTERM to the process group left processes running: {log}"
    assert server_tracebacks(log) == 0, log.read_text()[-3000:]


def cookie(page, name: str) -> str | None:
    return next((c["value"] for c in page.context.cookies() if c["name"] == name), None)


def test_a_replica_tells_a_new_session_that_came_from_another_replica_its_work_is_back(classroom):
    """The websocket's cookies as the balancer leaves them, straight to replica r1."""
    r1 = classroom.replicas["r1"].url

    async def first_alerts(cookies):
        session = Session(r1, timeout=60, cookies=cookies)
        try:
            return (await session.open("")).alerts("warning")
        finally:
            await session.close()

    assert in_own_thread(first_alerts({SESSION_COOKIE: "r2", COOKIE: secrets.token_hex(32)})) == [RUNS_BACK]
    assert in_own_thread(first_alerts({SESSION_COOKIE: "r2"})) == [RUNS_BACK]  # a new browser is given a key
    assert in_own_thread(first_alerts({SESSION_COOKIE: "r1"})) == []
    assert in_own_thread(first_alerts({})) == []


def test_browsers_land_on_both_replicas_and_each_trains_downloads_and_loads_its_images(browser, classroom):
    seen = []
    for task in ("&digits=2-6&seed=1", "&digits=3-8&seed=2"):  # so the two learners' model files and images differ
        with local_page(browser) as page:
            media = {}
            page.on("response", lambda r, media=media: media.__setitem__(r.url, r.status)
                    if urlparse(r.url).path.startswith("/media/") else None)
            page.goto(classroom.url + TRAIN + task)
            train(page)
            with page.expect_download() as download:
                page.get_by_text("Download run 1").click()
            saved = load_model(open(download.value.path(), "rb").read())
            on_train = set(media)
            sidebar(page, "Data")
            page.get_by_text("training images of each digit").wait_for()
            page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stMain] img')]"
                                   ".every(img => img.complete && img.naturalWidth > 0)")
            own = [download.value.url] + [url for url in media if url not in on_train]  # the model, the sample grid
            seen.append((cookie(page, "digitnet-replica"), cookie(page, SESSION_COOKIE), saved, media, own))
    (pin1, session1, *_), (pin2, session2, *_) = seen
    assert {pin1, pin2} == {"r1", "r2"}, "the balancer sent both browsers to the same replica"
    assert (session1, session2) == (pin1, pin2), "a websocket was served by another replica than its pages"
    for replica, _, saved, media, own in seen:
        assert saved.settings.model == "linear" and saved.settings.epochs == 2
        assert all(status == 200 for status in media.values()), media
        assert len(own) >= 2 and all(media.get(url) == 200 for url in own), (own, media)
        # the other replica does not have this learner's model file and images: they came from its own
        other = classroom.replicas["r2" if replica == "r1" else "r1"].url
        for url in own:
            with pytest.raises(urllib.error.HTTPError) as missing:
                urllib.request.urlopen(url.replace(classroom.url, other), timeout=5)
            assert missing.value.code == 404


def epoch_shown(page) -> int:
    """The epoch the live progress shows (0 before the first)."""
    text = page.locator(".st-key-live_progress").inner_text(timeout=1000) if page.locator(
        ".st-key-live_progress").count() else ""
    return int(text.split()[1]) if text.startswith("Epoch ") else 0


def test_when_a_replica_dies_its_learners_get_their_runs_and_names_back_on_the_other(browser, classroom):
    """Three learners: two on the replica that is killed (one training, one idle), one on the
    other replica, training while it happens."""
    with local_page(browser) as training, local_page(browser) as staying, local_page(browser) as idle:
        # round robin: the first and third browsers share a replica, the second has the other
        training.goto(classroom.url + "/class")
        staying.goto(classroom.url + "/train?model=linear&bs=32&epochs=12")
        idle.goto(classroom.url + TRAIN)
        training.locator(".st-key-nickname input").fill("alice")
        training.locator(".st-key-nickname input").press("Enter")
        training.get_by_text("Your runs appear as alice").wait_for()
        training.goto(classroom.url + "/train?model=linear&bs=16&epochs=60")
        train(idle)
        dead, alive = cookie(training, SESSION_COOKIE), cookie(staying, SESSION_COOKIE)
        assert cookie(idle, SESSION_COOKIE) == dead and alive != dead
        staying.locator(".st-key-train_button button").click()
        training.locator(".st-key-train_button button").click()
        training.wait_for_function("() => /^Epoch [2-9]/.test(document.querySelector('.st-key-live_progress')"
                                   "?.innerText || '')", timeout=60_000)
        staying_epoch = epoch_shown(staying)
        os.kill(classroom.replicas[dead].pid, signal.SIGKILL)
        killed = time.monotonic()

        # the training learner's page reconnects through the balancer and reruns at once, on the live replica,
        # with its run back: stopped after the epochs it finished before the replica died
        training.get_by_text(BACK).wait_for(timeout=30_000)
        told, message = time.monotonic() - killed, training.get_by_text(BACK).inner_text()
        assert cookie(training, SESSION_COOKIE) == alive and cookie(training, "digitnet-replica") == alive
        stopped = training.get_by_text("run 1 was stopped after")
        stopped.wait_for()
        assert training.get_by_text("Every run of this session is kept").count() == 0
        sidebar(training, "Class")
        training.get_by_text("Your runs appear as alice").wait_for()  # and its name

        # the idle learner's page keeps showing its old run until the next click, which reaches the new session
        while cookie(idle, SESSION_COOKIE) != alive:
            assert time.monotonic() - killed < 30, "the idle browser did not reconnect to the live replica"
            time.sleep(0.2)
        idle.locator(".st-key-train_button button").click()
        idle.get_by_text(BACK).wait_for()
        idle.get_by_text(DONE).wait_for()  # its run 1 is back; the click opened the new session, it did not train
        idle.locator(".st-key-train_button button").click()
        idle.get_by_text("run 2: validation accuracy").wait_for(timeout=60_000)  # its next run is run 2

        # the learner on the other replica never noticed: its run went on to the end
        staying.get_by_text("run 1: validation accuracy").wait_for(timeout=120_000)
        staying_done = staying.get_by_text("run 1: validation accuracy").inner_text()
        assert staying.get_by_text(BACK).count() == 0
        assert "after 12 epochs" in staying_done, staying_done
        print(f"\nkilled {dead} while the other learner was at epoch {staying_epoch} of 12; the training learner "
              f"was told {told:.1f} s later: {message!r}"
              f"\nthe learner on {alive}: {staying_done!r}")
        assert 0 < staying_epoch < 12, "the other learner's run was not under way when the replica was killed"

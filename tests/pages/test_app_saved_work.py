"""A learner's work kept by the database, through the pages: a new session of the same browser
(a reload, a new tab, another process) finds its runs on Train, Weights and Draw, and its name on
the Class page; another browser finds nothing; "Forget my work" deletes it."""

import gc
import secrets

from streamlit.testing.v1 import AppTest

from digitnet.app_support.storage.saved_work import browser_id
from pages.shared import process
from pages.shared.browser_key import STATE
from tests.apptest import APP


def session(key: str | None, page: str, query: dict | None = None) -> AppTest:
    """A new session of the browser holding `key`, as its component reports it, on a page."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query or {})
    if key is not None:
        at.session_state[STATE] = {"key": key}
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception
    return at


def another_process() -> None:
    """Forget what this process holds of every browser: the next session rebuilds it from the database."""
    assert process.database().outbox.wait_until_empty(60)
    process._works.clear()
    gc.collect()


def history(at: AppTest) -> list[str]:
    tables = [t.value for t in at.dataframe if "run" in t.value.columns and "seed" in t.value.columns]
    return list(tables[0]["run"]) if tables else []


def test_a_new_session_of_the_browser_finds_its_runs_on_every_page():
    key = secrets.token_hex(32)
    at = session(key, "train", {"model": "linear", "epochs": "2", "seed": "3"})
    at.button(key="train_button").click().run()
    trained = at.session_state.lab.runs[-1]
    assert "Saved as you go" in " ".join(c.value for c in at.caption)
    another_process()

    back = session(key, "train")
    assert history(back) == ["run 1"]
    [run] = back.session_state.lab.runs
    assert run.id == trained.id and run.history == trained.history and run.batch_losses == trained.batch_losses
    assert back.session_state.lab.work.browser == browser_id(key)
    weights = session(key, "weights")
    assert weights.selectbox(key="weights_run").value == 0 and weights.select_slider(key="weights_epoch_0").options \
        == ["start", "epoch 1", "epoch 2"]
    draw = session(key, "draw")
    [models] = [box for box in draw.selectbox if box.label == "Model that answers"]
    assert models.options[0] == "run 1" and models.value == 0  # the latest trained answers


def test_another_browser_finds_nothing_and_a_forged_key_is_no_key():
    key = secrets.token_hex(32)
    at = session(key, "train", {"model": "linear", "epochs": "1"})
    at.button(key="train_button").click().run()
    another_process()
    assert history(session(secrets.token_hex(32), "train")) == []
    forged = session("0" * 63 + "g", "train")  # not a key: the session is given a key of its own
    assert history(forged) == [] and forged.session_state.lab.work.browser != browser_id(key)
    fresh = session(None, "train")  # a browser seen for the first time: saved from its first run
    assert history(fresh) == [] and fresh.session_state.lab.work.saving


def test_forget_my_work_deletes_it():
    key = secrets.token_hex(32)
    at = session(key, "train", {"model": "linear", "epochs": "1"})
    at.button(key="train_button").click().run()
    assert process.database().outbox.wait_until_empty(60)
    at.checkbox(key="forget_sure").check().run()
    at.button(key="forget_button").click().run()
    assert not at.exception and at.session_state.lab.runs == []
    assert "Deleted" in " ".join(s.value for s in at.success)
    another_process()
    assert history(session(key, "train")) == []
    assert process.database().saved.load(browser_id(key)) is None

"""The Class page through Streamlit's AppTest, on a database of each test's own: the board, the
runs of the Train page on it, nicknames as plain text, the teacher's key and a board that is away."""

import io
import time

import pyarrow as pa
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from digitnet.app_support.storage.board import BEST, PER_ROUND, Board, Member
from harness.board_filler import fill, made_up, unopenable_database
from pages.shared import process
from tests.apptest import APP, click, open_page

KEY = "correct horse battery staple"


@pytest.fixture
def database(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'class.sqlite3'}"
    monkeypatch.setenv("DIGITNET_DATABASE_URL", url)
    monkeypatch.delenv("DIGITNET_TEACHER_KEY", raising=False)
    process.teacher_key_tries.clear()  # the wrong keys counted in this process so far
    return url


def lines(at: AppTest) -> list[str]:
    return [element.value for element in at.markdown]


def count_line(at: AppTest) -> str:
    return next(text for text in lines(at) if text.startswith("Runs in this class:"))


def points(at: AppTest) -> list[dict]:
    """The rows of the board's chart, as sent to the browser."""
    [chart] = [e for e in at.main if getattr(e, "type", None) == "vega_lite_chart"]
    return pa.ipc.open_stream(io.BytesIO(chart.proto.data.data)).read_all().to_pylist()


def unlock(at: AppTest, key: str) -> None:
    at.text_input(key="teacher_key_entered").input(key)
    [button] = [b for b in at.button if b.label == "Unlock"]
    button.click().run()
    assert not at.exception


def test_every_run_of_the_round_is_on_the_chart_and_in_a_table_best_first(database):
    fill(Board(database), 0, 5)
    at = open_page("class")
    assert count_line(at) == "Runs in this class: 5"
    assert sorted(p["who"] for p in points(at)) == sorted(run.name for run in Board(database).snapshot().runs)
    table = at.dataframe[0].value
    assert list(table["accuracy"]) == sorted(table["accuracy"], reverse=True)
    assert {"who", "accuracy", "learning rate", "batch size", "epochs", "model", "seed"} <= set(table.columns)


def test_a_run_trained_here_is_recorded_with_the_nickname_and_stands_out(database):
    at = open_page("class")
    nickname = "**Ada** <b>x</b> [a](b)"
    at.text_input(key="nickname").input(nickname).run()
    assert not at.exception
    assert "as **\\*\\*Ada\\*\\* \\<b\\>x\\</b\\> \\[a\\](b)**." in at.caption[0].value  # every sign escaped
    fill(Board(database), 0, 2)  # two runs of other learners
    at.switch_page("pages/train.py").run()
    at.query_params.update({"model": "linear", "epochs": "1"})
    click(at, "train_button")
    assert process.database().outbox.wait_until_empty(30)
    at.switch_page("pages/class.py").run()
    assert count_line(at) == "Runs in this class: 3"
    table = at.dataframe[0].value
    mine = table[table["yours"] == "★"]
    assert list(mine["who"]) == [nickname]  # a plain cell: the characters typed
    assert [p["mine"] for p in points(at) if p["who"] == nickname] == [1]
    assert sum(p["mine"] for p in points(at)) == 1


def test_a_nickname_like_an_anonymous_learners_or_one_that_draws_nothing_is_not_taken(database):
    at = open_page("class")
    number = at.session_state.lab.member.number
    at.text_input(key="nickname").input("Ada").run()
    at.text_input(key="nickname").input(f"Learner  {number + 1}").run()
    assert not at.exception
    assert "reads like the name the board gives a learner without a nickname" in at.warning[0].value
    assert at.text_input(key="nickname").value == "Ada" and "as **Ada**." in at.caption[0].value
    at.text_input(key="nickname").input("\u3164\u2800").run()  # Hangul filler, blank Braille
    assert at.session_state.lab.member.nickname == ""
    assert f"as **learner {number}**." in at.caption[0].value
    assert "Nothing of that nickname can be seen" in at.info[0].value


def test_the_board_table_holds_no_spreadsheet_formula(database):
    """Its "Download as CSV" writes the cells as they are, and a spreadsheet would run this one."""
    formula = '=HYPERLINK("http://127.0.0.1:9","x")'
    board = Board(database)
    board.record(made_up("a", 1, nickname=formula), Member(nickname=formula))
    board.record(made_up("b", 2, nickname="-_-"), Member(nickname="-_-"))
    table = open_page("class").dataframe[0].value
    assert sorted(table["who"]) == ["'-_-", f"'{formula}"]


def test_a_learner_pressing_train_again_and_again_is_recorded_once_in_five_seconds(database):
    at = open_page("train", {"model": "linear", "epochs": "1", "bs": "1024"})
    click(at, "train_button")
    click(at, "train_button")  # a second or two later
    assert process.database().outbox.wait_until_empty(30)
    info = " ".join(e.value for e in at.info)
    assert "run 2 is not on the class board: the board keeps one run of a learner in 5 s" in info
    assert Board(database).snapshot().total == 1


def test_a_learner_with_a_hundred_runs_in_the_round_is_told_the_next_is_not_recorded(database):
    at = open_page("class")
    member = at.session_state.lab.member
    for k in range(PER_ROUND):  # earlier, one a minute
        Board(database).record(made_up(f"mine-{k}", k, finished=time.time() - 60 * (PER_ROUND - k)), member)
    at.switch_page("pages/train.py").run()
    at.query_params.update({"model": "linear", "epochs": "1", "bs": "1024"})
    click(at, "train_button")
    assert "run 1 is not on the class board: the board keeps 100 runs of each learner a round" in at.info[0].value
    assert "run 1: validation accuracy" in at.success[0].value  # trained all the same, and kept here
    assert Board(database).snapshot().total == PER_ROUND


def test_a_board_of_many_runs_shows_the_best_and_the_learners_own(database):
    fill(Board(database), 0, BEST + 20)
    at = open_page("class")
    member = at.session_state.lab.member
    Board(database).record(made_up("a-mine", 110, finished=time.time() - 600), member)  # the worst accuracy
    at.run()
    assert count_line(at) == f"Runs in this class: {BEST + 21}"
    assert f"show the {BEST} most accurate runs of the {BEST + 21:,}, and every one of yours" in \
        " ".join(c.value for c in at.caption)
    table = at.dataframe[0].value
    assert len(table) == BEST + 1 and list(table["yours"]).count("★") == 1
    assert len(points(at)) == BEST + 1


def test_without_a_teacher_key_nobody_can_clear_or_hide(database):
    fill(Board(database), 0, 2)
    at = open_page("class")
    assert "No teacher key is set" in " ".join(c.value for c in at.caption)
    assert not [b for b in at.button if b.key and b.key.startswith("teacher_")]


def test_a_wrong_key_is_refused_and_unlocks_nothing(database, monkeypatch):
    monkeypatch.setenv("DIGITNET_TEACHER_KEY", KEY)
    at = open_page("class")
    unlock(at, "open sesame")
    assert at.text_input(key="teacher_key_entered").value == ""  # what was typed does not stay in the field
    assert "That is not the teacher key: nothing is unlocked." in [e.value for e in at.error]
    assert not [b for b in at.button if b.key == "teacher_new_round"]


def test_after_five_wrong_keys_one_try_every_few_seconds_and_each_is_logged(database, monkeypatch, caplog):
    monkeypatch.setenv("DIGITNET_TEACHER_KEY", KEY)
    # AppTest has no connection: every page run comes from this address, as a browser's would
    monkeypatch.setattr(type(st.context), "ip_address", property(lambda _: "192.0.2.7"))
    at = open_page("class")
    for n in range(5):
        unlock(at, f"guess {n}")
        assert [e.value for e in at.error] == ["That is not the teacher key: nothing is unlocked."]
    unlock(at, KEY)  # even the right key waits its turn now
    [refused] = [e.value for e in at.error]
    assert refused.startswith("Too many wrong keys: try again in ") and refused.endswith(" s.")
    assert not [b for b in at.button if b.key == "teacher_new_round"]
    unlock(another := open_page("class"), KEY)  # a new tab from the same address waits too
    assert [e.value[:34] for e in another.error] == ["Too many wrong keys: try again in "]
    logged = [record for record in caplog.records if "wrong teacher key" in record.getMessage()]
    assert len(logged) == 5 and all(record.levelname == "WARNING" for record in logged)
    assert not [record for record in caplog.records if "guess" in record.getMessage()]  # never what was typed


def test_the_teacher_starts_a_new_round_shows_the_last_again_and_hides_a_run(database, monkeypatch):
    monkeypatch.setenv("DIGITNET_TEACHER_KEY", KEY)
    fill(Board(database), 0, 3)
    at = open_page("class")
    unlock(at, KEY)
    assert "Unlocked in this browser tab." in [e.value for e in at.success]
    click(at, "teacher_new_round")
    assert count_line(at) == "Runs in this class: 0"
    assert "Round 2 has begun" in " ".join(e.value for e in at.success)
    at.selectbox(key="board_round_choice").set_value(1).run()
    assert count_line(at) == "Runs in this class: 3"
    at.multiselect(key="teacher_hide").select("made-up-1").run()
    click(at, "teacher_hide_button")
    assert count_line(at) == "Runs in this class: 2"
    assert "made-up-1" not in [run.id for run in Board(database).snapshot(1).runs]
    spam, later = Member(nickname="spam"), time.time() + 1  # in round 2
    for k in range(3):
        Board(database).record(made_up(f"spam-{k}", k, finished=later + 10 * k, nickname="spam"), spam)
    Board(database).record(made_up("other", 3, finished=later), Member())
    at.selectbox(key="board_round_choice").set_value(2).run()
    assert count_line(at) == "Runs in this class: 4"
    at.selectbox(key="teacher_hide_name").set_value(("spam", None)).run()
    click(at, "teacher_hide_name_button")
    assert count_line(at) == "Runs in this class: 1"
    assert "Hidden from the board: 3 runs of spam." in [e.value for e in at.success]
    click(at, "teacher_lock")
    assert not [b for b in at.button if b.key == "teacher_new_round"]


def test_a_board_that_is_away_is_said_so_and_training_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGITNET_DATABASE_URL", unopenable_database(tmp_path))
    at = open_page("class")
    assert "The class board is unavailable right now" in at.warning[0].value
    at.switch_page("pages/train.py").run()
    at.query_params.update({"model": "linear", "epochs": "1"})
    click(at, "train_button")
    assert "run 1: validation accuracy" in at.success[0].value
    at.switch_page("pages/class.py").run()
    assert not at.exception
    assert any("unavailable for recording runs" in w.value and "1 run of yours" in w.value for w in at.warning)


def test_the_teacher_key_can_come_from_streamlits_secrets(database):
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["DIGITNET_TEACHER_KEY"] = KEY
    at.run()
    at.switch_page("pages/class.py").run()
    unlock(at, KEY)
    assert [b for b in at.button if b.key == "teacher_new_round"]

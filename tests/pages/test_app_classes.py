"""Classes through the pages (Streamlit's AppTest), on a database of each test's own: starting a
class, joining by code and by link, each class's board, the teacher's link, a setup sent to Train
and used only on a click, closing, leaving, and wrong codes slowed down."""

import re

import pytest
from streamlit.testing.v1 import AppTest

from digitnet.app_support.storage.board import Board
from pages.shared import process
from tests.apptest import click, open_page
from tests.pages.test_app_class import count_line, lines

CODE = re.compile(r"## Class code: ([A-Z0-9]{6})")


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'class.sqlite3'}"
    monkeypatch.setenv("DIGITNET_DATABASE_URL", url)
    process.class_tries.clear()
    return url


def started() -> tuple[AppTest, str]:
    """A teacher's session on the Class page that started a class, and its code."""
    teacher = click(open_page("class"), "class_start")
    [code] = [m.group(1) for text in lines(teacher) if (m := CODE.fullmatch(text))]
    return teacher, code


def texts(at: AppTest, kind: str) -> str:
    return " ".join(element.value for element in getattr(at, kind))


def train_one(at: AppTest) -> None:
    at.switch_page("pages/train.py").run()
    click(at, "train_button")
    assert process.database().outbox.wait_until_empty(30)
    at.switch_page("pages/class.py").run()


def join_typed(at: AppTest, code: str) -> AppTest:
    at.text_input(key="class_code").input(code)
    [join] = [b for b in at.button if b.label == "Join"]
    join.click().run()
    assert not at.exception
    return at


def test_two_teachers_two_classes_each_board_its_own_runs(database):
    first, first_code = started()
    second, second_code = started()
    assert first_code != second_code and "0 learners in the class" in texts(first, "caption")
    by_link = open_page("class", {"join": first_code, "model": "linear", "epochs": "1"})
    assert f"You are in class {first_code}" in texts(by_link, "success")
    typed = join_typed(open_page("class", {"model": "linear", "epochs": "1"}), f"{second_code[:3].lower()} "
                                                                               f"{second_code[3:]}")
    assert f"You are in class {second_code}" in texts(typed, "success")
    nowhere = open_page("class", {"model": "linear", "epochs": "1"})
    for learner in (by_link, typed, nowhere):
        train_one(learner)
    for teacher in (first, second):
        teacher.run()
        assert count_line(teacher) == "Runs in this class: 1" and "1 learner in the class" in texts(teacher, "caption")
    assert count_line(nowhere) == "Runs in this class: 1"  # the open board: its own run, neither class's
    assert [run.id for run in Board(database).snapshot().runs] == [nowhere.session_state.lab.runs[0].id]
    assert [run.id for run in Board(database).snapshot(classroom=by_link.session_state.lab.member.classroom).runs] \
        == [by_link.session_state.lab.runs[0].id]
    click(by_link, "class_leave")
    assert "You left the class" in texts(by_link, "info") and by_link.session_state.lab.member.classroom is None
    train_one(by_link)
    first.run()
    assert count_line(first) == "Runs in this class: 1" and count_line(by_link) == "Runs in this class: 2"


def test_the_teacher_link_makes_another_browser_the_teacher_and_a_wrong_one_nothing():
    teacher, code = started()
    [link] = [block.value for block in teacher.code]
    secret = link.split("?teach=")[1]
    assert len(secret) >= 32 and secret not in " ".join(lines(teacher))
    projector = open_page("class", {"teach": secret})
    assert f"You teach class {code}" in texts(projector, "success") and f"## Class code: {code}" in lines(projector)
    assert not projector.code  # the link is shown in the tab that started the class only
    assert "teach" not in projector.query_params  # taken off the address at once
    stranger = open_page("class", {"teach": secret[:-2] + "xx"})
    assert "not one of a class here" in texts(stranger, "error") and f"## Class code: {code}" not in lines(stranger)
    assert not [b for b in stranger.button if b.key == "teacher_new_round"]


def test_a_setup_sent_shows_on_train_and_is_used_only_on_a_click():
    teacher, code = started()
    learner = open_page("class", {"join": code})
    learner.switch_page("pages/train.py").run()
    assert "Your teacher suggests" not in texts(learner, "info")
    teacher.switch_page("pages/train.py").run()
    teacher.query_params.update({"model": "mlp", "lr": "0.3", "bs": "64", "epochs": "3"})
    teacher.session_state.lab.settings = teacher.session_state.lab.settings.replace(model="mlp", lr=0.3, bs=64,
                                                                                    epochs=3)
    teacher.switch_page("pages/class.py").run()
    click(teacher, "class_send_setup")
    sent = teacher.session_state.lab.settings
    assert "Sent to the class: mlp 40-20" in texts(teacher, "success")
    before = learner.session_state.lab.settings
    learner.run()
    assert f"Your teacher suggests: {sent.describe()}, 3 epochs." in texts(learner, "info")
    assert learner.session_state.lab.settings == before != sent  # nothing changes without the click
    click(learner, "suggestion_use")
    assert learner.session_state.lab.settings == sent and "Your teacher suggests" not in texts(learner, "info")
    assert learner.radio(key="setting_model").value == "mlp" and learner.slider(key="setting_epochs").value == 3
    click(teacher, "class_send_setup")  # the same again: a new suggestion, shown again
    learner.run()
    click(learner, "suggestion_dismiss")
    assert "Your teacher suggests" not in texts(learner, "info")


def test_a_closed_class_refuses_its_code_and_stays_readable_by_its_teacher():
    teacher, code = started()
    learner = open_page("class", {"join": code, "model": "linear", "epochs": "1"})
    train_one(learner)
    click(teacher, "class_close")
    assert "The class is closed" in texts(teacher, "info") and count_line(teacher) == "Runs in this class: 1"
    late = join_typed(open_page("class"), code)
    assert "That class is closed: its code no longer works" in texts(late, "error")
    assert late.session_state.lab.member.classroom is None
    learner.run()
    assert "it has closed, so your next runs go to the open board" in " ".join(lines(learner))


def test_wrong_codes_are_slowed_down_after_five():
    at = open_page("class")
    for _ in range(5):
        join_typed(at, "ACDEFH")
        assert "No class has that code" in texts(at, "error")
    join_typed(at, "ACDEFH")
    assert re.search(r"Too many wrong class codes: try again in \d s", texts(at, "error"))

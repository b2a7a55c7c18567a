"""Classes on one deployment, on SQLite and on a real PostgreSQL: codes and teachers' secrets,
joining and leaving, each class its own board, setups sent, closing and expiry, the limits."""

import time
from dataclasses import replace

import pytest

from digitnet.app_support.storage import classes as classes_module
from digitnet.app_support.storage.board import Member
from digitnet.app_support.storage.classes import ALPHABET, CODE_LENGTH, MAX_OPEN, clean_code
from digitnet.app_support.storage.stores import Stores
from digitnet.lesson.settings import Settings
from harness.board_filler import made_up
from tests.app_support.storage.test_board import query


@pytest.fixture
def stores(database_url):
    stores = Stores.at(database_url)
    yield stores
    stores.board.database.close()


def test_a_class_has_a_short_code_without_look_alikes_and_a_secret_kept_only_as_its_hash(stores, database_url):
    found, secret = stores.classes.start("browser-a")
    assert len(found.code) == CODE_LENGTH and set(found.code) <= set(ALPHABET) and found.is_open()
    assert not set(ALPHABET) & set("0O1IL2Z5S8BG")
    assert len(secret) >= 32 and stores.classes.taught_with(secret) == found
    assert stores.classes.taught_with(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert stores.classes.by_code(f" {found.code[:3].lower()}-{found.code[3:]} ") == found
    assert clean_code("ab c-d") == "ABCD"
    rows = query(database_url, "SELECT * FROM classes")
    assert rows and not any(secret in str(value) for row in rows for value in row)
    other, other_secret = stores.classes.start("browser-b")
    assert other.code != found.code and other_secret != secret
    assert [c.id for c in stores.classes.owned_by("browser-a")] == [found.id]


def test_each_class_has_its_own_board_and_the_open_board_keeps_the_rest(stores):
    a, _ = stores.classes.start("teacher-a")
    b, _ = stores.classes.start("teacher-b")
    learners = {name: Member(nickname=name) for name in ("in a", "in b", "in none")}
    assert stores.classes.join(a.code, "b0", learners["in a"]) == (a, None)
    assert stores.classes.join(b.code, "b1", learners["in b"]) == (b, None)
    assert learners["in a"].classroom == a.id and learners["in none"].classroom is None
    for i, (name, learner) in enumerate(learners.items()):
        stores.board.record(replace(made_up(f"run-{i}", i, nickname=name), classroom=learner.classroom), learner)
    boards = {key: stores.board.snapshot(classroom=key) for key in (a.id, b.id, None)}
    assert {key: [run.name for run in snap.runs] for key, snap in boards.items()} == \
        {a.id: ["in a"], b.id: ["in b"], None: ["in none"]}
    assert all(snap.total == 1 for snap in boards.values())
    assert stores.board.hide(["run-1", "run-2"], classroom=a.id) == 0  # another board's runs: left alone
    assert stores.board.hide_name(boards[b.id].shown.id, "in b", classroom=a.id) == 0
    versions = {key: stores.board.version(key) for key in boards}
    stores.board.new_round(time.time(), a.id)
    assert stores.board.snapshot(classroom=a.id).total == 0 and stores.board.snapshot(classroom=b.id).total == 1
    assert stores.board.snapshot(classroom=None).total == 1
    assert stores.board.version(a.id) > versions[a.id]
    assert (stores.board.version(b.id), stores.board.version(None)) == (versions[b.id], versions[None])
    assert stores.classes.learners(a.id) == 1
    stores.classes.put("b0", learners["in a"], None)  # leaves: in no class, out of its count
    assert learners["in a"].classroom is None and stores.classes.learners(a.id) == 0


def test_a_learner_is_in_one_class_at_a_time(stores):
    a, _ = stores.classes.start("teacher-a")
    b, _ = stores.classes.start("teacher-b")
    learner = Member()
    assert stores.classes.join(a.code, "learner", learner) == (a, None)
    assert stores.classes.join(b.code, "learner", learner) == (b, None)
    assert (stores.classes.learners(a.id), stores.classes.learners(b.id), learner.classroom) == (0, 1, b.id)


def test_wrong_closed_expired_and_full_classes_say_why(stores, monkeypatch):
    assert stores.classes.join("ACDEFH", "x", Member())[1].startswith("No class has that code")
    closed, _ = stores.classes.start("teacher")
    stores.classes.close(closed.id)
    assert not stores.classes.get(closed.id).is_open()
    assert "closed" in stores.classes.join(closed.code, "x", Member())[1]
    old, _ = stores.classes.start("teacher", now=time.time() - 31 * 86_400)
    assert not old.is_open() and old.is_open(days=40)
    assert "closed" in stores.classes.join(old.code, "x", Member())[1]
    assert stores.classes.join(old.code, "x", Member(), days=40)[1] is None  # DIGITNET_CLASS_DAYS=40
    assert stores.classes.expire(days=30) == 1 and stores.classes.get(old.id).closed is not None
    assert stores.classes.expire(days=30) == 0
    monkeypatch.setattr(classes_module, "MAX_LEARNERS", 2)
    full, _ = stores.classes.start("teacher")
    members = [Member() for _ in range(3)]
    assert [stores.classes.join(full.code, f"l{k}", m)[1] for k, m in enumerate(members[:2])] == [None, None]
    assert "full" in stores.classes.join(full.code, "l2", members[2])[1] and members[2].classroom is None
    assert stores.classes.join(full.code, "l1", members[1])[1] is None  # one of them, again: still in


def test_a_browser_has_at_most_a_few_open_classes(stores):
    made = [stores.classes.start("teacher")[0] for _ in range(MAX_OPEN)]
    refused, why = stores.classes.start("teacher")
    assert refused is None and f"{MAX_OPEN} open classes" in why
    stores.classes.close(made[0].id)
    assert stores.classes.start("teacher")[0] is not None and stores.classes.start("another")[0] is not None


def test_a_setup_sent_is_numbered_and_read_back(stores):
    found, _ = stores.classes.start("teacher")
    assert stores.classes.setup(found.id) == (0, None)
    sent = Settings(model="mlp", lr=0.3, bs=64, epochs=3, digits=(3, 8)).checked()
    assert stores.classes.send_setup(found.id, sent) == 1
    assert stores.classes.setup(found.id) == (1, sent)
    assert stores.classes.send_setup(found.id, sent.replace(lr=0.1)) == 2
    assert stores.classes.setup(found.id) == (2, sent.replace(lr=0.1))

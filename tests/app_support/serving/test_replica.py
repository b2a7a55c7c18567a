"""The decision behind the message a learner sees when the replica holding their session stopped."""

from digitnet.app_support.serving.replica import REPLICA_VARIABLE, RUNS_BACK, RUNS_LOST, moved_message, own_name


def test_a_browser_whose_session_lived_on_another_replica_is_told_what_came_back():
    assert moved_message("r2", "r1", saved=True) == RUNS_BACK
    assert "back from the database" in RUNS_BACK and "name" in RUNS_BACK
    assert moved_message("r2", "r1", saved=False) == RUNS_LOST
    assert "fresh session" in RUNS_LOST and "Train" in RUNS_LOST and "name on the class board" in RUNS_LOST


def test_a_first_visit_or_a_reload_on_the_same_replica_says_nothing():
    for saved in (True, False):
        assert moved_message(None, "r1", saved) is None
        assert moved_message("", "r1", saved) is None
        assert moved_message("r1", "r1", saved) is None


def test_a_process_that_is_not_a_replica_never_says_it():
    assert moved_message("r2", None, True) is None
    assert moved_message("r2", "", False) is None


def test_the_name_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(REPLICA_VARIABLE, "r3")
    assert own_name() == "r3"
    monkeypatch.setenv(REPLICA_VARIABLE, "")
    assert own_name() is None
    monkeypatch.delenv(REPLICA_VARIABLE)
    assert own_name() is None

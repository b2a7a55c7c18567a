"""The decision behind the message a learner sees when the replica holding their session stopped."""

from digitnet.app_support.serving.replica import REPLICA_VARIABLE, RUNS_LOST, own_name, runs_lost_message


def test_a_browser_whose_session_lived_on_another_replica_is_told_its_runs_are_lost():
    assert runs_lost_message("r2", "r1") == RUNS_LOST
    assert "fresh session" in RUNS_LOST and "Train" in RUNS_LOST


def test_a_first_visit_or_a_reload_on_the_same_replica_says_nothing():
    assert runs_lost_message(None, "r1") is None
    assert runs_lost_message("", "r1") is None
    assert runs_lost_message("r1", "r1") is None


def test_a_process_that_is_not_a_replica_never_says_it():
    assert runs_lost_message("r2", None) is None
    assert runs_lost_message("r2", "") is None


def test_the_name_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(REPLICA_VARIABLE, "r3")
    assert own_name() == "r3"
    monkeypatch.setenv(REPLICA_VARIABLE, "")
    assert own_name() is None
    monkeypatch.delenv(REPLICA_VARIABLE)
    assert own_name() is None

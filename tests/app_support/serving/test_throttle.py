from digitnet.app_support.serving.throttle import Throttle


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_after_five_wrong_tries_one_try_every_five_seconds():
    clock = Clock()
    throttle = Throttle(free=5, pause=5.0, clock=clock)
    for tries in range(1, 6):
        assert throttle.wait("tab", "address") == 0
        assert throttle.failed("tab", "address") == tries
    assert throttle.wait("tab", "address") == 5.0
    clock.now += 3
    assert throttle.wait("tab", "address") == 2.0
    clock.now += 2
    assert throttle.wait("tab", "address") == 0  # one more try, then five seconds again
    throttle.failed("tab", "address")
    assert throttle.wait("tab", "address") == 5.0


def test_each_key_counts_and_any_one_slows_down():
    """A new tab at the same address is slowed down by the address; the same tab at another address by the tab."""
    throttle = Throttle(free=5, pause=5.0, clock=Clock())
    for tab in "abcde":
        throttle.failed(f"tab {tab}", "address 1")
    assert throttle.wait("tab f", "address 1") == 5.0
    assert throttle.wait("tab f", "address 2") == 0
    for _ in range(5):
        throttle.failed("tab g", "address 2")
    assert throttle.wait("tab g", "address 3") == 5.0


def test_a_right_try_forgives_and_an_hour_forgets():
    clock = Clock()
    throttle = Throttle(free=5, pause=5.0, forget=3600.0, clock=clock)
    for _ in range(5):
        throttle.failed("tab", "address")
    throttle.forgive("tab")
    assert throttle.wait("tab") == 0 and throttle.wait("address") == 5.0
    clock.now += 3600
    assert throttle.wait("address") == 0
    assert throttle.failed("address") == 1  # counted afresh

import threading
import time

import pytest

from digitnet.app_support.serving.training_queue import Slots


def test_no_more_than_capacity_run_at_once():
    slots, peak, lock = Slots(2), [0], threading.Lock()

    def train():
        ticket = slots.acquire()
        with lock:
            peak[0] = max(peak[0], slots.running())
        time.sleep(0.05)
        slots.release(ticket)

    threads = [threading.Thread(target=train) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak[0] == 2
    assert slots.running() == 0 and slots.waiting() == 0


def queue_up(slots, train, names, held) -> None:
    """Start train(name) for each name, one after the other, each once the one before waits
    in the queue; then let go of the `held` ticket and wait for all of them to finish."""
    threads = []
    for name in names:
        threads.append(threading.Thread(target=train, args=(name,)))
        threads[-1].start()
        while slots.waiting() < len(threads):
            time.sleep(0.001)
    time.sleep(0.1)  # the last one has called on_wait with its place
    slots.release(held)
    for thread in threads:
        thread.join()


def test_waiters_are_served_in_arrival_order_and_told_their_place():
    slots = Slots(1)
    first = slots.acquire()
    order, places = [], {}

    def train(name):
        ticket = slots.acquire(on_wait=lambda ahead: places.setdefault(name, ahead), poll=0.01)
        order.append(name)
        slots.release(ticket)

    queue_up(slots, train, "abc", first)
    assert order == ["a", "b", "c"]
    assert places == {"a": 0, "b": 1, "c": 2}


def test_a_waiter_that_gives_up_leaves_the_queue():
    slots = Slots(1)
    held = slots.acquire()

    def stop(ahead):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        slots.acquire(on_wait=stop, poll=0.01)
    assert slots.waiting() == 0
    slots.release(held)
    assert slots.running() == 0


def test_sharing_takes_turns_and_frees_the_slot_at_the_end():
    slots, log = Slots(1, turn=0.03), []

    def events(name):
        for i in range(6):
            time.sleep(0.02)
            log.append(name)
            yield i

    def train(name):
        assert list(slots.share(events(name))) == list(range(6))

    threads = [threading.Thread(target=train, args=(name,)) for name in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    switches = sum(1 for x, y in zip(log, log[1:]) if x != y)
    assert sorted(log) == ["a"] * 6 + ["b"] * 6
    assert switches >= 2, f"one training kept the slot throughout: {log}"
    assert slots.running() == 0 and slots.waiting() == 0


def test_stopping_a_shared_training_frees_its_slot():
    slots = Slots(1)
    shared = slots.share(iter(range(100)))
    next(shared)
    assert slots.running() == 1
    shared.close()
    assert slots.running() == 0


def test_closing_a_shared_run_marks_it_stopped_at_once(small):
    from digitnet.lesson.run import Run
    from digitnet.lesson.settings import Settings

    slots = Slots(1)
    run = Run(Settings(model="linear", bs=16, seed=0), small)
    fit = run.fit(3)  # still referenced here, as a traceback can keep it: closing must not wait for it
    shared = slots.share(fit)
    next(shared)
    shared.close()
    assert run.status == "stopped" and slots.running() == 0


def test_a_waiter_hears_at_once_when_it_moves_up_and_sleeps_in_between():
    slots, told, a_saw_b_move_up = Slots(1), {"a": [], "b": []}, []
    held = slots.acquire()
    b_moved_up = threading.Event()

    def train(name):
        def on_wait(ahead):
            told[name].append(ahead)
            if name == "b" and ahead == 0:
                b_moved_up.set()

        ticket = slots.acquire(on_wait=on_wait, poll=30)  # no periodic calls within the test
        if name == "a":  # keeps its slot until b has heard it is next, which must not take a poll
            a_saw_b_move_up.append(b_moved_up.wait(5))
        slots.release(ticket)

    queue_up(slots, train, "ab", held)
    assert a_saw_b_move_up == [True]
    assert told == {"a": [0], "b": [1, 0]}, "a waiter was told its place other than once per move"

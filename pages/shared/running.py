"""The one way a page works on the session's models: training, stepping, fine-tuning and the
experiments' short runs all go through session_work.

It holds the session's models for the work (Lab.working: a click that reruns the page asks the
work under way to stop between batches, and waits for it), gives the work a fair share of the
cores (the process's training slots), and turns what the engine refuses into one message for
the page to show."""

from contextlib import closing, contextmanager

from digitnet.app_support.session.lab import Busy
from digitnet.errors import DigitnetError
from digitnet.lesson.hooks import StopWhen
from pages.shared.process import training_slots
from pages.shared.session import get_lab


class Stopped(Exception):
    """Work given up while it waited for a training slot: another click of the session came first."""


class Work:
    """What a page's work may use: a training slot and the session's wish to stop."""

    def __init__(self, lab):
        self.should_stop = lab.should_stop
        self.stopping = StopWhen(lab.should_stop)  # a hook: ends a training after a step once should_stop()

    def events(self, events, on_wait=None):
        """The events of a training (Run.fit and the like) in a fair share of the cores: it waits its
        turn for a slot (on_wait(ahead) while it waits) and hands it on after each turn when others
        wait (training_queue.Slots.share). It ends between two events once another click of the
        session asks to stop; closing it stops the training at once."""
        with closing(training_slots().share(events, on_wait=on_wait)) as shared:
            for event in shared:
                yield event
                if self.should_stop():
                    return

    def call(self, work, *args):
        """work(*args) once a training slot is free: for computing that is not one training, such
        as many steps at once or an experiment's short runs. Stopped when another click of the
        session comes while it waits."""

        def waiting(_ahead: int) -> None:
            if self.should_stop():
                raise Stopped

        slots = training_slots()
        ticket = slots.acquire(on_wait=waiting)
        try:
            return work(*args)
        finally:
            slots.release(ticket)


@contextmanager
def session_work(place: str):
    """The block works on the session's models, with a Work for it. What the engine refuses (a
    diverged step, settings a model cannot take), a session still busy with its last work, or work
    given up before it began ends the block with one message, shown at `place` (show_flashed)."""
    lab = get_lab()
    try:
        with lab.working():
            yield Work(lab)
    except DigitnetError as exc:
        lab.flash(place, str(exc), "error")
    except Busy as exc:
        lab.flash(place, f"Not done: {exc}. Try again in a moment.")
    except Stopped:
        lab.flash(place, "Stopped before it began: another click came first.", "info")

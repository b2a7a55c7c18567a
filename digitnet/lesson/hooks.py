"""The places where other code joins the training loop (Run.repeat), as callbacks join fastai's.

A hook is an object with any of the methods of Hook; at each point the loop calls that method of
every hook, in the order the hooks were given:

    before_fit(run)            training begins
    before_batch(run, batch)   a mini-batch is about to be trained: it may change batch.xb and batch.yb
    after_step(run, batch)     steps 2 to 5 are done on it, and batch.loss holds its loss
    after_epoch(run, result)   an epoch ended and was scored on the validation set (an EpochResult)
    after_fit(run)             training ended: run.status says how ("done", "stopped" or "diverged")

Any of them may raise StopTraining to end the training there; the run keeps what it learned.
"""


class StopTraining(Exception):
    """Raised by a hook to stop training between batches: the run is "stopped", its model kept."""


class Hook:
    """Does nothing at every point; a hook overrides the points it joins."""

    def before_fit(self, run) -> None:
        pass

    def before_batch(self, run, batch) -> None:
        pass

    def after_step(self, run, batch) -> None:
        pass

    def after_epoch(self, run, result) -> None:
        pass

    def after_fit(self, run) -> None:
        pass


class Augment(Hook):
    """Random shifts, turns and resizes of each batch's images (augment.py), drawn from the run's
    generator, whenever the run's settings ask for them: a run's own hook unless it is given others."""

    def before_batch(self, run, batch) -> None:
        if run.settings.augment:
            from .augment import augment  # here: the app's first page imports hooks without torch

            batch.xb = augment(batch.xb, run.generator)


class StopWhen(Hook):
    """Stops the training after a step once should_stop() says so (another click of the page, say)."""

    def __init__(self, should_stop):
        self.should_stop = should_stop

    def after_step(self, run, batch) -> None:
        if self.should_stop():
            raise StopTraining

"""The Train page's live view of a run: its status, progress, curves and the lesson's table,
drawn in place while it trains, and the loop that trains it in a fair share of the cores."""

import time
from contextlib import closing

import streamlit as st

from digitnet.app_support.views.charts import batch_rows, curve_spec, epoch_rows
from digitnet.app_support.views.in_words import accuracy_in_words, loss_in_words
from digitnet.app_support.views.outcome import Outcome, outcome
from digitnet.app_support.views.wording import plain
from digitnet.errors import Diverged
from digitnet.lesson.run import EpochResult
from pages.shared.process import training_slots

REDRAW_EVERY = 0.15  # seconds: about six chart updates a second at most, whatever the epoch length
# While others wait for a training slot: with thirty sessions, redrawing cost the server as
# much time as training (bench/load_test.py), and every waiting learner paid for it.
REDRAW_EVERY_BUSY = 0.5
LOSS_CHART = curve_spec("loss", "loss")
ACCURACY_CHART = curve_spec("accuracy", "validation accuracy")
IDLE = Outcome("info", "Press Train: the curves grow here as the epochs finish.")


def training_line(run) -> str:
    return f"Training {plain(run.name)}: {run.settings.describe()}, seed {run.settings.seed}"


def status_of(run, training: bool) -> Outcome:
    """What the status line says first on this run of the page."""
    if training:
        return Outcome("info", training_line(run))
    return (outcome(run) if run is not None else None) or IDLE


def shown(where, status: Outcome):
    icon = ":material/warning:" if status.kind in ("error", "warning") else None
    return getattr(where, status.kind)(status.text, icon=icon)


class RunView:
    """The latest run: status, progress, curves and the lesson's table. Drawn the same way
    live and afterwards, into the same places, so the charts update in place."""

    def __init__(self, status: Outcome | None = None):
        # The status line is a polite live region (an info or success box: role status). Drawn with its
        # words at once, it stays one element from "Press Train" through every epoch to the run's end,
        # so a screen reader says each change; st.empty() would blank it while the page's next run drew
        # the charts, and the box after it would be a new region, which screen readers may not read.
        self.status = shown(st, status) if status else st.empty()
        self.progress = st.container(key="live_progress").empty()
        loss, accuracy = st.columns(2)
        # Containers, not st.empty(): a placeholder would stand blank where the last chart was
        # until the first draw. The first draw puts each chart there, later draws replace it
        # (through the element it returned), and the browser only swaps the data.
        self.loss = loss.container(key="live_loss")
        self.accuracy = accuracy.container(key="live_accuracy")
        self.table = st.empty()

    def draw(self, run, progress: tuple[float, str] | None = None) -> None:
        self._curves(epoch_rows(run.history) + batch_rows(run.batch_losses, run.n_batches), run.name, run.history)
        if progress:
            self.progress.progress(*progress)
        self.table.dataframe(
            [e.to_dict() for e in run.history], hide_index=True, width="stretch",
            column_config={"seconds": st.column_config.NumberColumn("time (s)", format="%.2f")},
        )

    def draw_empty(self) -> None:
        """Empty axes before the first run: the browser loads the charts' code now, not after
        the click (bench/live_chart.py: the first point came 2 s sooner)."""
        self._curves([], "no run yet", [])

    def _curves(self, rows: list[dict], name: str, history) -> None:
        """The two charts, each named in words by its epochs (the batches in between change the faint
        curve only, and its words stay as they are)."""
        self.loss = self.loss.vega_lite_chart(rows, LOSS_CHART, width="stretch", alt=loss_in_words(name, history))
        self.accuracy = self.accuracy.vega_lite_chart(rows, ACCURACY_CHART, width="stretch",
                                                      alt=accuracy_in_words(name, history))


def train_live(run, view: RunView, work) -> None:
    """Train the run's epochs in the page's work (session_work), redrawing at most every
    REDRAW_EVERY seconds (REDRAW_EVERY_BUSY while other runs wait for a slot); a click on any
    control stops it between batches (Streamlit reruns the page), keeping what was learned.
    When other sessions train too, the run waits its turn for a core."""
    epochs = run.settings.epochs
    first = len(run.history)
    started = last_draw = time.perf_counter()
    slots = training_slots()
    training = training_line(run)

    def waiting(ahead: int) -> None:
        view.status.info(
            f"Waiting for a free slot: the server is training for other people "
            f"({ahead} waiting ahead of you). Your run starts as soon as a core is free.",
            icon=":material/hourglass_top:",
        )

    def status() -> str:
        """The line above the progress: an info box is a polite live region (role status), and its
        words change once an epoch, so a screen reader says each epoch's accuracy, never each batch."""
        if not (done := len(run.history) - first):
            return training
        return f"{training} · epoch {done} of {epochs} done, validation accuracy {run.history[-1].accuracy:.4f}"

    try:
        # Closed on the way out, a click's interruption included: the run is marked stopped and
        # its slot freed before the page is drawn again.
        with closing(work.events(run.fit(epochs), on_wait=waiting)) as events:
            for event in events:
                now = time.perf_counter()
                finished = isinstance(event, EpochResult) and event.epoch == first + epochs
                every = REDRAW_EVERY_BUSY if slots.waiting() else REDRAW_EVERY
                if now - last_draw >= every or finished:
                    if isinstance(event, EpochResult):
                        done = event.epoch - first
                    else:
                        done = event.epoch - first - 1 + event.batch / event.n_batches
                    text = f"Epoch {event.epoch - first} of {epochs} · {now - started:.1f} s"
                    view.status.info(status())
                    view.draw(run, (min(done / epochs, 1.0), text))
                    last_draw = now
    except Diverged:
        pass  # not a message of its own: the run's status says it (outcome), after the rerun below
    st.rerun()

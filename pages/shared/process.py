"""What the pages share across every session of this server process: the datasets, the
queue for the cores, the warm-up before the first click, and the way to the class board."""

import logging
import os
import threading
import time

import streamlit as st

from digitnet.app_support.class_board.outbox import Outbox
from digitnet.app_support.class_board.store import Board, BoardUnavailable, RunRecord, database_url
from digitnet.app_support.serving.training_queue import Slots
from digitnet.app_support.serving.warmup import set_up_torch, warm_up
from digitnet.errors import DigitnetError
from digitnet.lesson.dataset import load_dataset

TORCH_THREADS = 1  # per process: each training then holds one core, and two run side by side
WARM_UP_AFTER = 3.0  # seconds after the first page: see warm_up_in_background


@st.cache_resource
def _torch() -> None:
    set_up_torch(TORCH_THREADS)


@st.cache_resource
def warm_up_in_background() -> None:
    """Once per process, a few seconds after app.py's first run: import torch and load the
    default task in a background thread, so that the first Train click does not wait for them.
    Not at once: loading torch's library holds the interpreter for half a second while the
    browser is still fetching the first page's parts (bench/startup.py)."""
    timer = threading.Timer(WARM_UP_AFTER, warm_up, args=(TORCH_THREADS,))
    timer.daemon = True
    timer.start()


def dataset(digits):
    """The dataset of `digits`, loaded once per process (load_dataset keeps the last few).
    Pages keep it in a function's local variable, never in a global of the page: a callback
    that a page defines keeps the page's globals alive as long as the session lasts (and two
    minutes after its tab closes), so a dataset there would stay with every session that ever
    looked at it (tests/browser/test_memory.py)."""
    _torch()
    try:
        with st.spinner("Loading MNIST..."):
            return load_dataset(digits)
    except DigitnetError as exc:
        st.error(f"The MNIST data cannot be loaded: {exc}")
        st.stop()


@st.cache_resource
def training_slots() -> Slots:
    """One queue per process: as many trainings at once as there are cores, the rest wait.
    DIGITNET_TRAINING_SLOTS, a whole number, sets another count (bench/load_test.py sets
    one per session to compare with no queue)."""
    slots = os.environ.get("DIGITNET_TRAINING_SLOTS", "")
    return Slots(int(slots) if slots.isdigit() else len(os.sched_getaffinity(0)))


@st.cache_resource(show_spinner=False)  # a spinner would name the URL, which may hold a password
def _class_board(url: str) -> Outbox:
    return Outbox(Board(url))


def class_board() -> Outbox:
    """The class board of DIGITNET_DATABASE_URL (outbox.board) and this process's runs on their
    way to it; BoardUnavailable when the URL is unusable."""
    return _class_board(database_url(os.environ))


def record_run(lab, run) -> None:
    """Send a run that finished, or was stopped after at least one epoch, to the class board.
    It never waits for the database and never fails because of it."""
    record = RunRecord.of(run, lab.member.nickname, time.time())
    if record is not None:
        try:
            class_board().send(record, lab.member)
        except BoardUnavailable as exc:
            logging.getLogger(__name__).error("run %s not recorded: %s", run.id, exc)

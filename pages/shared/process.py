"""What the pages share across every session of this server process: the datasets, the
queue for the cores, the warm-up before the first click, and the way to the database: the
class board and every browser's saved work."""

import logging
import os
import threading
import time

import streamlit as st

from digitnet.app_support.serving.throttle import Throttle
from digitnet.app_support.serving.training_queue import TURN, Slots
from digitnet.app_support.serving.warmup import set_up_torch, warm_up
from digitnet.app_support.session.work import Work, Works
from digitnet.app_support.storage.board import RunRecord
from digitnet.app_support.storage.classes import CLASS_DAYS
from digitnet.app_support.storage.database import DatabaseUnavailable, database_url
from digitnet.app_support.storage.saved_work import KEEP_DAYS
from digitnet.app_support.storage.stores import Stores
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
    one per session to compare with no queue); DIGITNET_TURN_SECONDS how long a training
    computes before it lets a waiting one go."""
    slots = os.environ.get("DIGITNET_TRAINING_SLOTS", "")
    turn = os.environ.get("DIGITNET_TURN_SECONDS", "")
    return Slots(int(slots) if slots.isdigit() else len(os.sched_getaffinity(0)),
                 int(turn) if turn.isdigit() and int(turn) > 0 else TURN)


@st.cache_resource
def teacher_key_tries() -> Throttle:
    """Wrong teacher keys, per browser session and per client address, for the whole process."""
    return Throttle()


@st.cache_resource
def class_tries() -> Throttle:
    """Wrong class codes and teacher links, per browser session and per client address."""
    return Throttle()


def settings() -> dict:
    """The app's DIGITNET_ settings: the environment, else the top level of Streamlit's secrets (a
    host such as Community Cloud hands settings to the app there)."""
    try:
        secrets = {k: str(v) for k, v in st.secrets.items() if k.startswith("DIGITNET_") and not isinstance(v, dict)}
    except FileNotFoundError:  # no secrets file
        secrets = {}
    return {**secrets, **{k: v for k, v in os.environ.items() if k.startswith("DIGITNET_")}}


@st.cache_resource(show_spinner=False)  # a spinner would name the URL, which may hold a password
def _stores(url: str) -> Stores:
    stores = Stores.at(url)
    expire_now_and_daily(stores, keep_days())
    return stores


def database() -> Stores:
    """The database of DIGITNET_DATABASE_URL: the class board, the saved work, and this process's
    outbox of writes on their way to it; DatabaseUnavailable when the URL is unusable."""
    return _stores(database_url(settings()))


def keep_days() -> float:
    """DIGITNET_KEEP_DAYS: how long a browser's work is kept untouched (default saved_work.KEEP_DAYS)."""
    return _days("DIGITNET_KEEP_DAYS", KEEP_DAYS)


def class_days() -> float:
    """DIGITNET_CLASS_DAYS: how long a class stays open after it began (default classes.CLASS_DAYS)."""
    return _days("DIGITNET_CLASS_DAYS", CLASS_DAYS)


def _days(name: str, default: float) -> float:
    try:
        return max(float(settings().get(name, default)), 0.0)
    except ValueError:
        return default


def expire_now_and_daily(stores: Stores, days: float) -> None:
    """Delete work untouched for `days` days, and close the classes begun class_days() ago: in a
    background thread now, then once a day."""

    def expire() -> None:
        try:
            if removed := stores.saved.expire(days):
                logging.getLogger(__name__).info("deleted the saved work of %d browsers unused for %g days",
                                                 removed, days)
            stores.classes.expire(class_days())
        except DatabaseUnavailable as exc:
            logging.getLogger(__name__).warning("saved work not expired: %s", exc)
        timer = threading.Timer(86_400, expire)
        timer.daemon = True
        timer.start()

    threading.Thread(target=expire, name="expire-saved-work", daemon=True).start()


@st.cache_resource(show_spinner=False)
def _works(url: str) -> Works:
    return Works(_stores(url), load_dataset)


def work_of(browser: str | None) -> Work:
    """The work of a browser (by its id: browser_key.py), shared by its tabs in this process and
    saved; a Work of this tab alone while the browser is not known or the database URL is unusable."""
    if browser is None:
        return Work()
    try:
        return _works(database_url(settings())).of(browser)
    except DatabaseUnavailable as exc:
        logging.getLogger(__name__).error("work not saved: %s", exc)
        return Work()


def class_of(stores: Stores, member):
    """The open class the learner is in (its id), or None: a learner of a class that has closed
    trains for the open board again."""
    if member.classroom is None:
        return None
    try:
        found = stores.classes.get(member.classroom)
    except DatabaseUnavailable:
        return member.classroom  # the board waits: so does the run, for the class it was trained in
    return member.classroom if found is not None and found.is_open(days=class_days()) else None


def record_run(lab, run) -> str | None:
    """Send a run that finished, or was stopped after at least one epoch, to the class board;
    why the board does not take it, when it does not (board.refusal: a learner's runs are
    limited). It asks the board that once, not while the board is known to be away, and never
    fails because of the database: a run waits for it."""
    try:
        stores = database()
    except DatabaseUnavailable as exc:
        logging.getLogger(__name__).error("run %s not recorded: %s", run.id, exc)
        return None
    record = RunRecord.of(run, lab.member.nickname, time.time(), class_of(stores, lab.member))
    if record is None:
        return None
    try:
        if not stores.outbox.trouble and (refused := stores.board.refusal(record, lab.member)):
            return refused
    except DatabaseUnavailable:
        pass  # sent all the same: it waits for the board with the rest
    stores.outbox.send(stores.board.recording(record, lab.member))
    lab.work.save_member()  # the number the board gives it, once it has
    return None

"""What every page shares: the session's Lab, the dataset, the task picker, settings widgets."""

import os
import threading
from urllib.parse import urlparse

import streamlit as st

from digitnet.data import ALL_DIGITS, describe_digits
from digitnet.errors import DigitnetError
from digitnet.lab import Lab
from digitnet.prepare import prepare
from digitnet.settings import Settings
from digitnet.slots import Slots

TORCH_THREADS = 1  # per process: each training then holds one core, and two run side by side
PREPARE_AFTER = 3.0  # seconds after the first page: see prepare_in_background
LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
MODEL_NAMES = {"linear": "Linear model, from scratch", "mlp": "Three-layer net"}
LOSS_NAMES = {"mnist": "mnist_loss (the lesson's)", "bce": "binary cross-entropy"}
OPTIMISER_NAMES = {"sgd": "SGD, hand-written", "momentum": "SGD with momentum", "adam": "Adam"}


def count(n: int, noun: str, plural: str = "") -> str:
    """'1 epoch', '2 epochs'; count(1024, "batch", "batches") is '1,024 batches'."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def start_session() -> Lab:
    """Run by app.py: this session's Lab, created on its first run with the URL's settings."""
    if "lab" not in st.session_state:
        settings, problems = Settings.from_query(st.query_params.to_dict())
        st.session_state.lab = Lab(settings)
        st.session_state.link_problems = problems
    return st.session_state.lab


def get_lab() -> Lab:
    """This browser session's Lab, once a run stopped by the last click has let go."""
    if "lab" not in st.session_state:
        _enter_through_app()
    lab = st.session_state.lab
    if not lab.settle():
        st.warning("The last run is still stopping; reload the page in a moment.")
    return lab


def _enter_through_app() -> None:
    """Until app.py has run once in the process, Streamlit treats pages/ the old way and
    runs a linked page on its own. Send the visitor through app.py, keeping the link."""
    page = urlparse(st.context.url or "").path.strip("/")
    st.switch_page("app.py", query_params={**st.query_params.to_dict(), "page": page})


def sync_url() -> None:
    st.query_params.from_dict(get_lab().settings.to_query())


def show_link_problems() -> None:
    for problem in st.session_state.pop("link_problems", []):
        st.warning(problem)


@st.cache_resource
def _torch_threads() -> None:
    import torch

    torch.set_num_threads(TORCH_THREADS)


@st.cache_resource
def prepare_in_background() -> None:
    """Once per process, a few seconds after app.py's first run: import torch and load the
    default task in a background thread, so that the first Train click does not wait 5 s.
    Not at once: loading torch's library holds the interpreter for half a second, and the
    browser is still fetching the first page's parts (bench/startup.py: 1-2 s slower)."""
    timer = threading.Timer(PREPARE_AFTER, prepare, args=(TORCH_THREADS,))
    timer.daemon = True
    timer.start()


@st.cache_resource
def training_slots() -> Slots:
    """One queue per process: as many trainings at once as there are cores, the rest wait.
    DIGITNET_TRAINING_SLOTS, a whole number, sets another count (bench/load_test.py sets
    one per session to compare with no queue)."""
    slots = os.environ.get("DIGITNET_TRAINING_SLOTS", "")
    return Slots(int(slots) if slots.isdigit() else len(os.sched_getaffinity(0)))


def in_training_slot(work, *args):
    """work(*args) once a training slot is free, for computing that is not one Run.fit:
    many steps at once, or an experiment's short runs."""
    slots = training_slots()
    ticket = slots.acquire()
    try:
        return work(*args)
    finally:
        slots.release(ticket)


@st.cache_resource(show_spinner="Loading MNIST...")
def _load(digits: tuple[int, ...]):
    from digitnet.data import load_dataset

    _torch_threads()
    return load_dataset(digits)


def dataset(digits=None):
    """The dataset of the session's task (or of `digits`), loaded once per process."""
    try:
        return _load(tuple(digits or get_lab().settings.digits))
    except DigitnetError as exc:
        st.error(f"The MNIST data cannot be loaded: {exc}")
        st.stop()


def change_settings(**changes) -> str | None:
    """Apply changes to the session's settings; the reason when they are refused."""
    lab = get_lab()
    try:
        lab.settings = lab.settings.replace(**changes).checked()
    except DigitnetError as exc:
        return str(exc)
    return None


def setting(widget, label: str, field: str, to_widget=None, from_widget=None, **kwargs):
    """A widget showing one field of the settings. Its value lives in the Lab, not in the
    widget, so it survives switching pages; a refused value is reported and undone."""
    to_widget = to_widget or (lambda value: value)
    from_widget = from_widget or (lambda value: value)
    key = f"setting_{field}"
    st.session_state[key] = to_widget(getattr(get_lab().settings, field))

    def changed():
        problem = change_settings(**{field: from_widget(st.session_state[key])})
        if problem:
            st.session_state.settings_problem = problem

    return widget(label, key=key, on_change=changed, **kwargs)


def model_choice(where, disabled: bool = False) -> None:
    setting(where.radio, "Model", "model", options=list(MODEL_NAMES), format_func=MODEL_NAMES.get, disabled=disabled)


def learning_rate_choice(where, disabled: bool = False) -> None:
    lr = get_lab().settings.lr
    setting(
        where.select_slider, "Learning rate", "lr", options=sorted(set(LEARNING_RATES) | {lr}),
        format_func=lambda v: f"{v:g}", disabled=disabled,
        help="How far each step moves the weights: lr times the gradient.",
    )


def batch_size_choice(where, n_images: int, disabled: bool = False) -> None:
    """From 1 to the whole training set (`n_images`), which gives one step per epoch."""
    bs = get_lab().settings.bs
    setting(
        where.select_slider, "Batch size", "bs", options=sorted({b for b in BATCH_SIZES if b < n_images} |
                                                               {min(bs, n_images), n_images}),
        to_widget=lambda b: min(b, n_images), format_func=lambda b: f"all {b:,}" if b == n_images else str(b),
        disabled=disabled, help="Images per step. The whole set gives one step per epoch.",
    )


def loss_choice(where, binary: bool, disabled: bool = False) -> None:
    setting(where.radio, "Loss", "loss", options=list(LOSS_NAMES), format_func=LOSS_NAMES.get,
            disabled=disabled or not binary, help="Ten digits always use cross-entropy.")


def optimiser_choice(where, disabled: bool = False) -> None:
    setting(where.radio, "Optimiser", "opt", options=list(OPTIMISER_NAMES), format_func=OPTIMISER_NAMES.get,
            disabled=disabled)


def shuffle_choice(where, disabled: bool = False) -> None:
    setting(where.toggle, "Shuffle each epoch", "shuffle", disabled=disabled,
            help="Off: batches come in class order, all of one digit then the next, as in the lesson.")


def task_picker() -> None:
    """Which digits to tell apart: a pair, or all ten. Every page follows this choice."""
    digits = get_lab().settings.digits
    ten = len(digits) == 10
    pair = (2, 6) if ten else digits

    def changed():
        if st.session_state.task_ten:
            problem = change_settings(digits=ALL_DIGITS)
        else:
            problem = change_settings(digits=(st.session_state.task_a, st.session_state.task_b))
        if problem:
            st.session_state.settings_problem = f"{problem}; kept {describe_digits(get_lab().settings.digits)}"

    st.session_state.task_ten = ten
    st.session_state.task_a, st.session_state.task_b = pair
    mode, first, second = st.columns([2, 1, 1], vertical_alignment="bottom")
    mode.toggle("All ten digits", key="task_ten", on_change=changed, help="Tell all ten digits apart, not two.")
    first.selectbox("Digit for label 0", range(10), key="task_a", on_change=changed, disabled=ten)
    second.selectbox("Digit for label 1", range(10), key="task_b", on_change=changed, disabled=ten)
    show_settings_problem()


def show_settings_problem() -> None:
    if problem := st.session_state.pop("settings_problem", None):
        st.warning(problem)

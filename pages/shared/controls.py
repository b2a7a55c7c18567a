"""The widgets that choose the task and the training settings, shared by the pages. Each
shows one field of the session's settings and keeps its value there, so it survives a
switch of page; a refused value is reported and undone."""

import streamlit as st

from digitnet.lesson.dataset import ALL_DIGITS, DEFAULT_DIGITS, describe_digits, is_pair
from digitnet.lesson.settings import (
    BATCH_SIZES,
    INIT_NAMES,
    LEARNING_RATES,
    LESSON,
    LOSS_NAMES,
    MAX_SEED,
    MODEL_NAMES,
    OPTIMISER_NAMES,
    RECOMMENDED,
)
from pages.shared.session import change_settings, flash, get_lab, remembered, show_flashed

EPOCHS_SHOWN = 100  # the slider's usual reach: finer steps than its whole range (MAX_EPOCHS) allows


def setting(widget, label: str, field: str, to_widget=None, from_widget=None, **kwargs):
    """A widget showing one field of the settings."""
    to_widget = to_widget or (lambda value: value)
    from_widget = from_widget or (lambda value: value)

    def store(value):
        if problem := change_settings(**{field: from_widget(value)}):
            flash("settings", problem)

    return remembered(widget, label, f"setting_{field}", load=lambda: to_widget(getattr(get_lab().settings, field)),
                      store=store, **kwargs)


def settings_controls(data, disabled: bool = False, full: bool = True) -> None:
    """The settings a run trains with. Train shows them all (`full`); Step through, whose
    model already exists, the ones that can change from one batch to the next."""
    s = get_lab().settings
    model, lr, bs, *epochs = st.columns([3, 3, 3, 2] if full else [1, 1, 1])
    setting(model.radio, "Model", "model", options=list(MODEL_NAMES), format_func=lambda k: MODEL_NAMES[k].capitalize(),
            disabled=disabled, help="The linear model is written from scratch: one weight per pixel and a bias.")
    setting(lr.select_slider, "Learning rate", "lr", options=sorted(set(LEARNING_RATES) | {s.lr}),
            format_func=lambda v: f"{v:g}", disabled=disabled,
            help="How far each step moves the weights: lr times the gradient.")
    n = len(data.train_x)  # up to the whole training set, which gives one step per epoch
    if s.bs > n:  # all of them: say so in the settings, the link and the run history too
        change_settings(bs=n)
        s = get_lab().settings
    setting(bs.select_slider, "Batch size", "bs", options=sorted({b for b in BATCH_SIZES if b < n} | {s.bs, n}),
            format_func=lambda b: f"all {b:,}" if b == n else str(b),
            disabled=disabled, help="Images per step. The whole set gives one step per epoch.")
    if full:
        epochs_slider(epochs[0], disabled)
    with st.expander("Advanced: loss, optimiser, shuffling, augmentation, seed, sizes, init" if full
                     else "Loss, optimiser, shuffling"):
        left, middle, right = st.columns(3)
        setting(left.radio, "Loss", "loss", options=list(LOSS_NAMES), format_func=LOSS_NAMES.get,
                disabled=disabled or not data.binary, help="Ten digits always use cross-entropy.")
        setting((left if full else middle).radio, "Optimiser", "opt", options=list(OPTIMISER_NAMES),
                format_func=OPTIMISER_NAMES.get, disabled=disabled)
        setting((middle if full else right).toggle, "Shuffle each epoch", "shuffle", disabled=disabled,
                help="Off: batches come in class order, all of one digit then the next, as in the lesson.")
        if full:
            model_making(middle, right, disabled)
    show_flashed("settings")
    presets(s.digits, disabled, full)


def epochs_slider(where, disabled: bool = False) -> None:
    """1 to EPOCHS_SHOWN, reaching further when a link asks for more (up to MAX_EPOCHS)."""
    reach = max(EPOCHS_SHOWN, get_lab().settings.epochs)
    setting(where.slider, "Epochs", "epochs", min_value=1, max_value=reach, disabled=disabled)


def model_making(middle, right, disabled: bool) -> None:
    """The settings that make a new model, and augmentation."""
    setting(middle.toggle, "Augment (shift, turn, resize)", "augment", disabled=disabled,
            help="Small random changes to each batch: drawn digits are read better.")
    setting(middle.number_input, "Seed (empty: random)", "seed", min_value=0, max_value=MAX_SEED, step=1,
            placeholder="random", disabled=disabled, help="The same seed and settings give the same run.")
    setting(right.text_input, "Hidden layer sizes", "hidden", to_widget=lambda h: ", ".join(map(str, h)),
            from_widget=lambda text: text.replace(",", " ").split(),
            disabled=disabled or get_lab().settings.model != "mlp",
            help="For the three-layer net: 40, 20 means 784-40-20-1.")
    setting(right.radio, "Initialisation", "init", options=list(INIT_NAMES), disabled=disabled,
            format_func=INIT_NAMES.get,
            help="Plain randn can start the sigmoid so flat that the model never learns.")


def presets(digits, disabled: bool, both: bool) -> None:
    row = st.container(horizontal=True, vertical_alignment="center")  # buttons as wide as their labels
    row.button("The lesson's settings", disabled=disabled,
               on_click=lambda: change_settings(**LESSON.replace(digits=digits).to_dict()))
    if both:
        row.button("Recommended settings", disabled=disabled,
                   on_click=lambda: change_settings(**RECOMMENDED.replace(digits=digits).to_dict()))
    else:
        row.caption("Changes apply from the next batch. A new kind of model or new digits need a new model: "
                    "press Initialise.")


def task_picker() -> None:
    """Which digits to tell apart: a pair, or all ten. Every page follows this choice."""
    digits = get_lab().settings.digits
    ten = not is_pair(digits)
    pair = DEFAULT_DIGITS if ten else digits

    def changed(_value):
        state = st.session_state
        problem = change_settings(digits=ALL_DIGITS if state.task_ten else (state.task_a, state.task_b))
        if problem:
            flash("settings", f"{problem}; kept {describe_digits(get_lab().settings.digits)}")

    mode, first, second = st.columns([2, 1, 1], vertical_alignment="bottom")
    remembered(mode.toggle, "All ten digits", "task_ten", load=lambda: ten, store=changed,
               help="Tell all ten digits apart, not two.")
    remembered(first.selectbox, "Digit for label 0", "task_a", load=lambda: pair[0], store=changed,
               options=range(10), disabled=ten)
    remembered(second.selectbox, "Digit for label 1", "task_b", load=lambda: pair[1], store=changed,
               options=range(10), disabled=ten)
    show_flashed("settings")

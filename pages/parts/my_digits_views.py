"""Your own handwriting as data: the control that adds a drawing to it on Draw, and the parts of the
My digits page (the grid, how each model reads them, the file, fine-tuning)."""

import hashlib

import streamlit as st

from digitnet.app_support.session.answerers import Choice, choices, default_choices
from digitnet.app_support.session.own_digits import MIN_TO_FINE_TUNE
from digitnet.app_support.views.digit_grid import digit_grid
from digitnet.app_support.views.in_words import own_digits_in_words
from digitnet.app_support.views.wording import count, plain
from digitnet.drawing.defaults import SHIPPED_DIGITS
from digitnet.errors import DigitsFileError
from digitnet.files.digitsheet import MAX_DIGITS
from digitnet.lesson.dataset import describe_digits, with_article
from pages.shared.answering import answerer
from pages.shared.process import dataset
from pages.shared.running import session_work
from pages.shared.session import flash, get_lab, show_flashed

UPLOAD_KEY = "my_digits_upload"


def add_to_my_digits(lab, image, suggested: int) -> None:
    """"Add to my digits" under the answer: the drawing with a label, the page's answer unless the
    learner picks another. One label widget per drawing, so each new drawing starts at its answer."""
    drawing = hashlib.sha1(image.tobytes()).hexdigest()[:12]
    row = st.container(horizontal=True, vertical_alignment="bottom")
    row.selectbox("It is a", range(10), index=suggested, key=f"my_label_{drawing}", width=110,
                  help="The model's answer; if you drew another digit, say which.")
    row.button("Add to my digits", key="add_my_digit", icon=":material/library_add:", on_click=_added,
               args=(lab, image, f"my_label_{drawing}"))
    show_flashed("my_digits")


def _added(lab, image, label_key: str) -> None:
    label = st.session_state[label_key]
    if lab.work.add_digit(image, label):
        flash("my_digits", f"Added {with_article(label)} to your digits ({len(lab.my_digits)} in all): see My digits.",
              "success")
    else:
        flash("my_digits", f"This drawing is in your digits already, or you have {MAX_DIGITS:,}.", "info")


def grid(mine, digits) -> None:
    aside = set(mine.split(digits)[1])
    st.image(digit_grid(mine.images, mine.labels, aside), output_format="PNG",
             alt=own_digits_in_words(mine.labels, len(aside)),
             caption=f"{count(len(mine), 'digit')}, labelled by you. Framed: kept aside when fine-tuning a model "
                     f"of {describe_digits(digits)} (every third of its digits).")


def every_model(lab, digits) -> list[tuple[Choice, tuple[int, ...]]]:
    """The session's models (any digits) and the default models of the shipped tasks and this one."""
    runs = [(Choice(run.name, run=run), run.settings.digits) for run in lab.usable_runs()]
    tasks = list(dict.fromkeys([*SHIPPED_DIGITS, digits]))
    return runs + [(choice, task) for task in tasks for choice in default_choices()]


def accuracy_table(lab, mine, digits) -> None:
    st.subheader("How each model reads your digits")
    rows = []
    for choice, task in every_model(lab, digits):
        chosen = answerer(choice, task)
        accuracy, n = mine.accuracy(chosen.model, task)
        rows.append({"model": choice.label, "digits": describe_digits(task), "yours read": n, "accuracy": accuracy,
                     "MNIST validation": chosen.accuracy})
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={"accuracy": st.column_config.NumberColumn(format="percent"),
                                "MNIST validation": st.column_config.NumberColumn(format="percent")})
    st.caption("Your digits are a test set of your own: MNIST's validation set is other people's handwriting. A model "
               "of two digits reads only your digits of those two.")


def files(mine) -> None:
    save, load = st.columns(2)
    save.download_button("Download my digits (.png)", data=lambda: mine.file(), file_name="my-digits.png",
                         mime="image/png", on_click="ignore", icon=":material/download:", disabled=not len(mine),
                         help="One picture of all your digits, their labels inside it. Load it here another day.")
    load.file_uploader("Load digits you saved", type=["png"], key=UPLOAD_KEY, on_change=_loaded)
    show_flashed("my_digits_file", load)


def _loaded() -> None:
    file = st.session_state[UPLOAD_KEY]
    if file is None:
        return
    try:
        added = get_lab().work.load_digits(file.getvalue())
    except DigitsFileError as exc:
        flash("my_digits_file", f"{file.name}: {exc}.", "error")
        return
    flash("my_digits_file", f"Loaded {count(added, 'digit')} from {file.name}.", "success")


def fine_tune_panel(lab, mine, digits) -> None:
    st.subheader("Fine-tune on my digits")
    st.markdown(f"Go on training a model with your digits of {describe_digits(digits)} mixed into every MNIST batch "
                "(an eighth of each batch), keeping every third of them aside: the model never trains on those, so "
                "they tell whether it learned your handwriting, and MNIST's validation set tells what it forgot.")
    options, start = choices(lab, digits)
    index = st.selectbox("Model to fine-tune", range(len(options)), index=start, key="fine_tune_model",
                         format_func=lambda i: options[i].label)
    epochs = st.slider("Epochs of fine-tuning", 1, 5, 1, key="fine_tune_epochs")
    have = len(mine.of_task(digits))
    if have < MIN_TO_FINE_TUNE:
        st.caption(f"Add at least {MIN_TO_FINE_TUNE} of your digits of {describe_digits(digits)}: you have {have}.")
    if st.button("Fine-tune on my digits", key="fine_tune_button", icon=":material/tune:",
                 disabled=have < MIN_TO_FINE_TUNE):
        chosen = answerer(options[index], digits)
        with st.spinner("Fine-tuning on your digits..."), session_work("fine_tune") as work:
            work.call(lab.fine_tune, options[index].label, chosen.model, chosen.settings, chosen.file_metrics,
                      dataset(digits), epochs, [work.stopping])
    show_flashed("fine_tune")
    if lab.fine_tunings:
        done = lab.fine_tunings[-1]
        st.dataframe([
            {"measured on": f"your digits kept aside ({done.n_held_out})", "before": done.held_out_before,
             "after": done.held_out_after},
            {"measured on": "MNIST validation", "before": done.valid_before, "after": done.valid_after},
        ], hide_index=True, column_config={"before": st.column_config.NumberColumn(format="percent"),
                                           "after": st.column_config.NumberColumn(format="percent")})
        st.caption(f"**{plain(done.run)}**: {plain(done.source)} after {count(done.epochs, 'epoch')} with "
                   f"{count(done.n_trained, 'digit')} of yours in its batches. It is a new model of this session: "
                   "it answers on Draw, and the original stays as it was.")

"""Step through: the lesson's six steps one click at a time, on a real model and real mini-batches."""

import streamlit as st

from digitnet.app_support.views.code_view import code_html, source_of
from digitnet.app_support.views.wording import count, plain
from digitnet.errors import SettingsError
from digitnet.lesson.dataset import describe_digits
from digitnet.lesson.run import EpochResult
from digitnet.lesson.settings import LESSON, RECOMMENDED
from digitnet.lesson.stepper import CODE, NAMES, Stepper
from pages.parts.step_views import show_step_result
from pages.shared.controls import epochs_slider, settings_controls, task_picker
from pages.shared.process import dataset
from pages.shared.running import session_work
from pages.shared.session import change_settings, flash, get_lab, keep, kept, show_flashed


def lesson_by_default(lab) -> None:
    """Step mode starts from the lesson's recipe, once per session, unless the learner already
    chose settings of their own (on the Train page, or in a shared link)."""
    if kept("step_lesson_offered"):
        return
    keep("step_lesson_offered", True)
    if lab.settings.replace(digits=RECOMMENDED.digits) == RECOMMENDED:
        change_settings(**LESSON.replace(digits=lab.settings.digits).to_dict())


def session_stepper(lab) -> Stepper | None:
    """The stepper of this session when it steps a model for the digits chosen now."""
    stepper = lab.stepper
    if stepper is None or stepper.run.settings.digits != lab.settings.digits:
        return None
    return stepper


def initialise(lab, _work) -> None:
    lab.start_stepping(dataset(lab.settings.digits))


def act(action) -> None:
    """A button's work on the session's Lab (session_work), the learner's settings first for a
    stepper that goes on (when a batch is not half done)."""
    with session_work("step") as work:
        lab = get_lab()
        if action is not initialise:
            lab.stepper.use_settings(lab.settings)
        action(lab, work)


def many_batches(lab, work, asked: int | None = None) -> None:
    """`asked` batches, or to the end of the epoch, in a training slot; another click stops
    them between batches, and the page says where."""
    stepper = lab.stepper
    asked = asked or stepper.batches_left
    done = work.call(stepper.batches, asked, work.should_stop)
    if done < asked:  # flashed through the Lab: this page run was stopped by the click
        lab.flash("step", f"Stopped after {count(done, 'batch', 'batches')} of {asked:,}: another click came first. "
                      f"Epoch {stepper.epoch} goes on from batch {stepper.batch + 1}.", "info")


def buttons(stepper: Stepper | None, blocked: bool) -> None:
    """The walk (Initialise, then Next for each step) and, below, whole batches at a time."""
    init, next_, _ = st.columns([1, 1.4, 1.2])
    init.button("Initialise", key="step_init", icon=":material/restart_alt:", width="stretch", on_click=act,
                args=(initialise,),
                type="primary" if stepper is None else "secondary",
                help="Step 1: a new model with fresh random parameters, and the settings above.")
    off = stepper is None or blocked
    upcoming = 2 if stepper is None else stepper.next_step
    next_.button(f"Next: {upcoming} · {NAMES[upcoming]}", key="step_next", icon=":material/skip_next:",
                 type="primary" if stepper is not None else "secondary", width="stretch", disabled=off,
                 on_click=act, args=(lambda lab, _work: lab.stepper.advance(),), help="Do the next of the six steps.")
    one, ten, epoch, note = st.columns([1, 1, 1.4, 2], vertical_alignment="center")
    one.button("1 step", key="step_one", width="stretch", disabled=off, on_click=act,
               args=(lambda lab, _work: lab.stepper.one_batch(),),
               help="Steps 2 to 6 on one mini-batch (the rest of them if a batch is half done).")
    ten.button("10 steps", key="step_ten", width="stretch", disabled=off, on_click=act,
               args=(lambda lab, work: many_batches(lab, work, 10),), help="Ten mini-batches, steps 2 to 6 each.")
    whole = stepper is None or not stepper.mid_epoch
    epoch.button("Whole epoch" if whole else "Rest of epoch", key="step_epoch", width="stretch",
                 disabled=off, on_click=act, args=(many_batches,),
                 help="Every batch to the end of the epoch: each training image once.")
    note.caption("A step here is steps 2 to 6 on one mini-batch.")


def progress_line(stepper: Stepper | None) -> None:
    done = 0 if stepper is None else stepper.done
    parts = [
        f":orange-background[**{number} · {name}**]" if number == done else f"{number} · {name}"
        for number, name in NAMES.items()
    ]
    st.markdown(" → ".join(parts))
    if stepper is not None:
        run = stepper.run
        where = (f"epoch {stepper.epoch}, batch {stepper.batch} of {stepper.batches_in_epoch}" if stepper.mid_epoch
                 else f"epoch {stepper.epoch} begins with the next batch")
        st.caption(f"{plain(run.name)}: {run.settings.describe()}, seed {run.settings.seed} · {where} · "
                   f"{count(len(run.batch_losses), 'step')} taken, {count(len(run.history), 'epoch')} done")


def show_code(step: int) -> None:
    """The source of the function that does the step, for the stepper as for training: found
    through the function itself, its working lines marked."""
    function = CODE[step]
    source = source_of(function)
    st.markdown(f"**The code**: `{function.__qualname__}` in `{source.path}`")
    st.markdown(code_html(source.text, source.body), unsafe_allow_html=True)


def keep_training(stepper: Stepper, blocked: bool) -> None:
    st.subheader("Keep training this model")
    run = stepper.run
    st.markdown(
        f"Train {plain(run.name)} on for whole epochs with the settings above, from where it stands now. It is a run "
        "of this session: the Train, Weights and Draw pages show it too."
    )
    epochs, go = st.columns(2, vertical_alignment="bottom")
    epochs_slider(epochs)
    clicked = go.button(f"Train {count(get_lab().settings.epochs, 'more epoch')}", key="step_continue",
                        icon=":material/play_arrow:", width="stretch", disabled=blocked)
    if clicked:
        train_on(stepper)
    st.page_link("pages/train.py", label="See its curves on the Train page", icon=":material/model_training:")


def train_on(stepper: Stepper) -> None:
    """Run.fit through the stepper with a progress bar; a click anywhere stops it and keeps the model."""
    lab = get_lab()
    epochs = lab.settings.epochs
    bar = st.progress(0.0, text=f"Training {count(epochs, 'epoch')}...")
    done = 0
    with session_work("step") as work:
        stepper.use_settings(lab.settings)
        for event in work.events(stepper.fit(epochs)):
            if isinstance(event, EpochResult):
                done += 1
                bar.progress(done / epochs, text=f"Epoch {done} of {epochs}: validation accuracy {event.accuracy:.4f}")
    st.rerun()


def main() -> None:
    """The page, in a function: what it loads is freed when the run ends (see server.dataset)."""
    lab = get_lab()
    st.title("Step through the lesson")
    st.markdown(
        "The six steps that train a model, one click at a time, on real mini-batches: **initialise** the "
        "parameters, **predict** a batch, score it with the **loss**, get the **gradients**, **step** every weight "
        "against its gradient, **repeat**. The engine's own code is beside each step, the line that did it marked."
    )
    task_picker()
    lesson_by_default(lab)
    data = dataset(lab.settings.digits)
    settings_controls(data, full=False)
    stepper = session_stepper(lab)
    blocked = False
    if stepper is not None:
        try:
            stepper.use_settings(lab.settings)
        except SettingsError as exc:
            blocked = True
            st.warning(f"{exc}. Press Initialise for a new model with these settings, or change them back.")
        if stepper.run.diverged:
            blocked = True
            flash("step", stepper.run.diverged, "error")
    elif lab.stepper is not None:
        st.info(f"The model you were stepping learned other digits. Initialise one for {describe_digits(data.digits)}.")
    show_flashed("step")
    buttons(stepper, blocked)
    progress_line(stepper)
    text, code = st.columns(2, gap="medium")
    figures = st.container()
    with code:
        show_code(1 if stepper is None else stepper.done)
    if stepper is None:
        text.subheader("Step 1: initialise")
        text.markdown("Press **Initialise** to make a model with fresh random parameters and see how it does "
                      "before it has learned anything. Then press **Next** for each step.")
    else:
        show_step_result(stepper, text, figures)
        keep_training(stepper, blocked)


main()

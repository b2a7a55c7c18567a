"""Step through: the lesson's six steps one click at a time, on a real model and real mini-batches."""

from contextlib import closing

import streamlit as st

from digitnet.code import code_html
from digitnet.data import describe_digits
from digitnet.errors import Diverged, SettingsError
from digitnet.inspect_model import layers
from digitnet.learner import EpochResult
from digitnet.plots import Panel, Series, curves, pixel_grid, pixel_map
from digitnet.settings import LESSON, RECOMMENDED
from digitnet.stepper import NAMES, Stepper, step_code
from pages.common import (
    batch_size_choice,
    change_settings,
    count,
    dataset,
    get_lab,
    in_training_slot,
    learning_rate_choice,
    loss_choice,
    model_choice,
    optimiser_choice,
    setting,
    show_settings_problem,
    shuffle_choice,
    task_picker,
    training_slots,
)

SHOWN_IMAGES = 8  # step 2 shows this many images of the batch
LOSS_IMAGES = 3  # step 3 adds up the loss of this many by hand
MOVED_WEIGHTS = 5  # step 5 lists the weights that moved most
CODE_LINES = 14  # a longer function shows only the lines near the marked ones
LOSS_FORMULAS = {
    "mnist": "mnist_loss takes **1 − sigmoid** for an image whose target is 1 and **sigmoid** for a target of 0: "
             "how far the prediction is from the target. The batch's loss is the mean.",
    "bce": "Binary cross-entropy takes **−log(sigmoid)** for a target of 1 and **−log(1 − sigmoid)** for 0: "
           "a confident wrong answer costs a lot. The batch's loss is the mean.",
    "ten": "Cross-entropy takes **−log** of the probability the model gave the right digit. The batch's loss is "
           "the mean.",
}


def lesson_by_default(lab) -> None:
    """Step mode starts from the lesson's recipe, once per session, unless the learner already
    chose settings of their own (on the Train page, or in a shared link)."""
    if st.session_state.get("step_lesson_offered"):
        return
    st.session_state.step_lesson_offered = True
    if lab.settings.replace(digits=RECOMMENDED.digits) == RECOMMENDED:
        change_settings(**LESSON.replace(digits=lab.settings.digits).to_dict())


def controls(data) -> None:
    s = get_lab().settings
    model, lr, bs = st.columns(3)
    model_choice(model)
    learning_rate_choice(lr)
    batch_size_choice(bs, len(data.train_x))
    with st.expander("Loss, optimiser, shuffling"):
        loss, opt, shuffle = st.columns(3)
        loss_choice(loss, data.binary)
        optimiser_choice(opt)
        shuffle_choice(shuffle)
    show_settings_problem()
    digits = s.digits
    left, right = st.columns([1.3, 3], vertical_alignment="center")
    left.button("The lesson's settings", width="stretch",
                on_click=lambda: change_settings(**LESSON.replace(digits=digits).to_dict()))
    right.caption("Changes apply from the next batch. A new kind of model or new digits need a new model: "
                  "press Initialise.")


def session_stepper(lab) -> Stepper | None:
    """The stepper of this session when it steps a model for the digits chosen now."""
    stepper = st.session_state.get("stepper")
    if stepper is None or stepper.run.settings.digits != lab.settings.digits:
        return None
    return stepper


def initialise() -> None:
    st.session_state.stepper = Stepper(get_lab().start_run(dataset()))


def act(action) -> None:
    """A button's work on the stepper; the learner's settings first, when a batch is not half done."""
    stepper = st.session_state.stepper
    try:
        stepper.use_settings(get_lab().settings)
        action(stepper)
    except (Diverged, SettingsError) as exc:
        st.session_state.step_problem = str(exc)


def buttons(stepper: Stepper | None, blocked: bool) -> None:
    """The walk (Initialise, then Next for each step) and, below, whole batches at a time."""
    init, next_, _ = st.columns([1, 1.4, 1.2])
    init.button("Initialise", key="step_init", icon=":material/restart_alt:", width="stretch", on_click=initialise,
                type="primary" if stepper is None else "secondary",
                help="Step 1: a new model with fresh random parameters, and the settings above.")
    off = stepper is None or blocked
    upcoming = 2 if stepper is None else stepper.next_step
    next_.button(f"Next: {upcoming} · {NAMES[upcoming]}", key="step_next", icon=":material/skip_next:",
                 type="primary" if stepper is not None else "secondary", width="stretch", disabled=off,
                 on_click=act, args=(lambda s: s.advance(),), help="Do the next of the six steps.")
    one, ten, epoch, note = st.columns([1, 1, 1.4, 2], vertical_alignment="center")
    one.button("1 step", key="step_one", width="stretch", disabled=off, on_click=act, args=(lambda s: s.one_batch(),),
               help="Steps 2 to 6 on one mini-batch (the rest of them if a batch is half done).")
    ten.button("10 steps", key="step_ten", width="stretch", disabled=off, on_click=act,
               args=(lambda s: in_training_slot(s.batches, 10),), help="Ten mini-batches, steps 2 to 6 each.")
    whole = stepper is None or not stepper.mid_epoch
    epoch.button("Whole epoch" if whole else "Rest of epoch", key="step_epoch", width="stretch",
                 disabled=off, on_click=act, args=(lambda s: in_training_slot(s.finish_epoch),),
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
        st.caption(f"{run.name}: {run.settings.describe()}, seed {run.settings.seed} · {where} · "
                   f"{count(len(run.batch_losses), 'step')} taken, {count(len(run.history), 'epoch')} done")


def show_code(step: int) -> None:
    source, highlighted = step_code(step)
    where = "`Run.__init__`" if step == 1 else "`Run._epochs`, the loop of `Run.fit`" if step == 6 else "`train_batch`"
    st.markdown(f"**The code**: {where} in `digitnet/learner.py`")
    st.markdown(code_html(source, highlighted, fold=CODE_LINES), unsafe_allow_html=True)


def unit_picker(stepper: Stepper) -> int:
    """Which output of the first layer to draw, when it has more than one. The choice outlives
    the steps that show no weights (a widget not drawn in a run forgets its value)."""
    count = len(layers(stepper.run.weights())[0].weight)
    if count == 1:
        return 0
    st.session_state.step_unit = min(st.session_state.get("step_unit_choice", 0), count - 1)

    def chosen():
        st.session_state.step_unit_choice = st.session_state.step_unit

    if stepper.run.settings.model == "linear":
        digits = stepper.run.data.class_digits
        label, name = "Weights of digit", lambda i: str(digits[i])
    else:
        label, name = "Weights into hidden unit", lambda i: str(i + 1)
    return st.selectbox(label, range(count), format_func=name, key="step_unit", on_change=chosen)


def show_initialise(stepper: Stepper, unit: int, text, figures) -> None:
    point = stepper.trail[-1]
    layer = layers(stepper.run.weights())[0]
    n = len(stepper.run.data.valid_x)
    text.markdown(
        f"Every parameter starts as a random number. The untrained model gets **{point.accuracy:.1%}** of the "
        f"{n:,} validation images right: no better than guessing."
    )
    accuracy, loss = text.columns(2)
    accuracy.metric("Validation accuracy", f"{point.accuracy:.4f}")
    loss.metric("Validation loss", f"{point.valid_loss:.4f}")
    text.metric("Bias", f"{layer.bias[unit].item():+.4f}")
    figures.plotly_chart(pixel_map(layer.weight[unit], "The weight of every pixel", height=320), width="stretch")


def digit_title(output) -> str:
    if len(output.outputs) == 1:
        return f"{output.digit}: {output.outputs[0]:+.2f} → {output.probability:.2f}"
    return f"{output.digit}: says {output.answer} ({output.probability:.0%})"


def show_predict(stepper: Stepper, text, figures) -> None:
    counts = ", ".join(f"{count} of digit {digit}" for digit, count in stepper.batch_counts().items())
    shown = stepper.image_outputs(SHOWN_IMAGES)
    digits = stepper.run.data.class_digits
    if len(digits) == 2:
        explain = (f"Over each image: its digit, the model's raw output (above 0 means {digits[1]}), then the "
                   f"output's sigmoid, the model's probability that the image is a {digits[1]}.")
    else:
        explain = "Over each image: its digit, then the digit the model says and the probability it gives it."
    text.markdown(f"The model predicts batch {stepper.batch}: **{len(stepper.xb):,} images** ({counts}), one "
                  f"output each. The first {len(shown)} are below. {explain}")
    images = stepper.xb[: len(shown)]
    figures.plotly_chart(pixel_grid(images, [digit_title(o) for o in shown], 4, diverging=False, cell=130),
                         width="stretch")


def show_loss(stepper: Stepper, text, figures) -> None:
    data = stepper.run.data
    text.markdown(LOSS_FORMULAS[stepper.run.settings.loss if data.binary else "ten"])
    value, check = text.columns(2)
    value.metric("Loss of this batch", f"{stepper.loss.item():.5f}")
    check.metric(f"Mean of {len(stepper.xb):,} own losses", f"{stepper.mean_image_loss():.5f}",
                 help="Each image's loss on its own, added up and divided by their number.")
    rows = []
    for output in stepper.image_outputs(LOSS_IMAGES):
        row = {"image": f"#{output.index:,}", "digit": output.digit, "target": data.class_digits.index(output.digit)}
        if data.binary:
            row |= {"output": output.outputs[0], "sigmoid": output.probability}
        else:
            row |= {"says": output.answer, "probability": output.probability}
        rows.append(row | {"its loss": output.loss})
    name = stepper.run.loss_fn.__name__
    figures.markdown(f"Three images of the batch by hand, each one's own loss from the same `{name}`:")
    figures.dataframe(rows, hide_index=True, width="stretch",
                      column_config={name: st.column_config.NumberColumn(format="%.6f")
                                     for name in ("output", "sigmoid", "probability", "its loss")})


def show_gradients(stepper: Stepper, unit: int, text, figures) -> None:
    layer = layers(stepper.gradients)[0]
    gradient = layer.weight[unit]
    biggest = int(gradient.abs().argmax())
    text.markdown(
        "`loss.backward()` asks autograd how the loss changes as each parameter grows: its gradient. "
        "**Red**: growing that weight would raise the loss; **blue**: lower it. Pixels with no ink in the "
        "batch get no gradient."
    )
    bias, largest = text.columns(2)
    bias.metric("Bias gradient", f"{layer.bias[unit].item():+.4f}")
    largest.metric("Largest weight gradient", f"{gradient[biggest].item():+.4f}",
                   help=f"The weight of pixel row {biggest // 28}, column {biggest % 28}")
    figures.plotly_chart(pixel_map(gradient, "The gradient of every pixel's weight", height=320), width="stretch")


def show_step(stepper: Stepper, unit: int, text, figures) -> None:
    s = stepper.run.settings
    before, after = layers(stepper.before)[0], layers(stepper.after)[0]
    gradient = layers(stepper.gradients)[0].weight[unit]
    change = after.weight[unit] - before.weight[unit]
    n_params = sum(value.numel() for value in stepper.before.values())
    mismatch = stepper.step_mismatch()
    if s.opt == "sgd":
        text.markdown(
            f"Every weight moves against its gradient: **weight −= lr × gradient**, lr = {s.lr:g}. All "
            f"{n_params:,} parameters now differ from before by exactly lr × gradient: the largest gap between "
            f"them and before − lr × gradient is **{mismatch:g}**."
        )
    else:
        text.markdown(
            f"{'Adam' if s.opt == 'adam' else 'Momentum'} does not move the weights by lr × gradient: it steps by "
            f"running averages of the gradients. The largest gap between the weights now and before − lr × "
            f"gradient is **{mismatch:.4g}**."
        )
    columns = figures.columns(3)
    for column, values, title in zip(columns, (before.weight[unit], change, after.weight[unit]),
                                     ("Before", "After − before", "After"), strict=True):
        figure = pixel_map(values, title, height=240).update_traces(colorbar={"thickness": 10})
        column.plotly_chart(figure, width="stretch")
    moved = change.abs().argsort(descending=True)[:MOVED_WEIGHTS].tolist()
    figures.markdown(f"The {MOVED_WEIGHTS} weights that moved most:")
    figures.dataframe(
        [{"pixel": f"row {i // 28}, column {i % 28}", "before": before.weight[unit][i].item(),
          "gradient": gradient[i].item(), "lr × gradient": s.lr * gradient[i].item(),
          "after": after.weight[unit][i].item()} for i in moved],
        hide_index=True, width="stretch",
        column_config={name: st.column_config.NumberColumn(format="%.6f")
                       for name in ("before", "gradient", "lr × gradient", "after")},
    )


def show_repeat(stepper: Stepper, text, figures) -> None:
    point = stepper.trail[-1]
    run = stepper.run
    closed = not stepper.mid_epoch and run.history
    ended = f" Epoch {run.history[-1].epoch} is done: every training image was used once." if closed else ""
    text.markdown(
        f"Repeat: the next batch goes through steps 2 to 5, and the next, epoch after epoch. After "
        f"**{point.steps:,} steps** the model gets **{point.accuracy:.4f}** of the validation images right "
        f"(validation loss {point.valid_loss:.4f}).{ended}"
    )
    steps = [p.steps for p in stepper.trail]
    figure = curves(
        [Panel("validation loss", [Series("validation loss", steps, [p.valid_loss for p in stepper.trail])]),
         Panel("accuracy", [Series("validation accuracy", steps, [p.accuracy for p in stepper.trail])])],
        "steps taken", height=180,
    )
    figures.plotly_chart(figure, width="stretch")


def show_step_result(stepper: Stepper, text, figures) -> None:
    done = stepper.done
    text.subheader(f"Step {done}: {NAMES[done]}")
    with text:
        unit = unit_picker(stepper) if done in (1, 4, 5) else 0
    if done == 1:
        show_initialise(stepper, unit, text, figures)
    elif done == 2:
        show_predict(stepper, text, figures)
    elif done == 3:
        show_loss(stepper, text, figures)
    elif done == 4:
        show_gradients(stepper, unit, text, figures)
    elif done == 5:
        show_step(stepper, unit, text, figures)
    else:
        show_repeat(stepper, text, figures)


def keep_training(stepper: Stepper, blocked: bool) -> None:
    st.subheader("Keep training this model")
    run = stepper.run
    st.markdown(
        f"Train {run.name} on for whole epochs with the settings above, from where it stands now. It is a run "
        "of this session: the Train, Weights and Draw pages show it too."
    )
    epochs, go = st.columns(2, vertical_alignment="bottom")
    setting(epochs.slider, "Epochs", "epochs", min_value=1, max_value=100)
    clicked = go.button(f"Train {count(get_lab().settings.epochs, 'more epoch')}", key="step_continue",
                        icon=":material/play_arrow:", width="stretch", disabled=blocked)
    if clicked:
        train_on(stepper)
    st.page_link("pages/train.py", label="See its curves on the Train page", icon=":material/model_training:")


def train_on(stepper: Stepper) -> None:
    """Run.fit through the stepper with a progress bar; a click anywhere stops it and keeps the model."""
    epochs = get_lab().settings.epochs
    bar = st.progress(0.0, text=f"Training {count(epochs, 'epoch')}...")
    done = 0
    try:
        stepper.use_settings(get_lab().settings)
        with closing(training_slots().share(stepper.fit(epochs))) as events:
            for event in events:
                if isinstance(event, EpochResult):
                    done += 1
                    bar.progress(done / epochs,
                                 text=f"Epoch {done} of {epochs}: validation accuracy {event.accuracy:.4f}")
    except (Diverged, SettingsError) as exc:
        st.session_state.step_problem = str(exc)
    st.rerun()


lab = get_lab()
st.title("Step through the lesson")
st.markdown(
    "The six steps that train a model, one click at a time, on real mini-batches: **initialise** the "
    "parameters, **predict** a batch, score it with the **loss**, get the **gradients**, **step** every weight "
    "against its gradient, **repeat**. The engine's own code is beside each step, the line that did it marked."
)
task_picker()
lesson_by_default(lab)
data = dataset()
controls(data)
stepper = session_stepper(lab)
problem = st.session_state.pop("step_problem", None)
blocked = False
if stepper is not None:
    try:
        stepper.use_settings(lab.settings)
    except SettingsError as exc:
        blocked = True
        st.warning(f"{exc}. Press Initialise for a new model with these settings, or change them back.")
    if stepper.run.diverged:
        blocked = True
        problem = problem or stepper.run.diverged
elif "stepper" in st.session_state:
    st.info(f"The model you were stepping learned other digits. Initialise one for {describe_digits(data.digits)}.")
if problem:
    st.error(problem, icon=":material/warning:")
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

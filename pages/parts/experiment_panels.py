"""The Experiments page's panels that train models side by side (4 shuffling, 5 learning rates,
6 batch sizes), and what every panel of the page shares: a button that keeps the inputs it was
pressed with, results kept per process, a chart."""

import streamlit as st

from digitnet.app_support.views.figures import Panel, Series, curves
from digitnet.app_support.views.in_words import curves_in_words
from digitnet.app_support.views.wording import count
from digitnet.lesson import findings as ex
from digitnet.lesson.run import EXPLODED
from digitnet.lesson.settings import LEARNING_RATES
from pages.shared.running import session_work
from pages.shared.session import keep, kept, show_flashed

MODEL_LOSSES = {
    ("linear", "mnist"): "the lesson's: linear model, mnist_loss",
    ("mlp", "bce"): "three-layer net, cross-entropy",
}
NUMBER = st.column_config.NumberColumn


def result(entry, data, inputs: tuple, trains: bool = False):
    """entry(data, *inputs), kept per process: the same inputs on the same data always give the
    same numbers. Experiments that train do it as the session's work (session_work: a training
    slot, one message when it cannot be done); None, and the message, when it could not."""
    if not trains:
        return _kept(entry.__name__, data.digits, inputs, entry, data, None)
    found = None
    with session_work("experiments") as work:
        found = _kept(entry.__name__, data.digits, inputs, entry, data, work)
    show_flashed("experiments")
    return found


@st.cache_data(show_spinner=False, max_entries=50)
def _kept(name: str, digits, inputs: tuple, _entry, _data, _work):
    return _entry(_data, *inputs) if _work is None else _work.call(_entry, _data, *inputs)


def pressed(key: str, inputs: tuple, label: str, icon: str) -> tuple | None:
    """A panel's button: the inputs it was last pressed with (kept across reruns), or None before.
    Kept by the click's callback too, which runs first thing: a quick click elsewhere can stop
    that run before it reaches this button, and the click would be lost."""

    if st.button(label, key=key, icon=icon, on_click=keep, args=(key, inputs)):
        keep(key, inputs)  # the inputs as they are in this run, should a widget have changed with the click
    return kept(key)


def chart(panels: list, x_title: str, height: int) -> None:
    st.plotly_chart(curves(panels, x_title, height=height), width="stretch", alt=curves_in_words(panels, x_title))


def shuffle_panel(data, seed: int) -> None:
    first, second = data.class_digits
    st.markdown(
        f"The training images are stored class by class: every {first}, then every {second}. Without "
        "shuffling, each batch holds one digit only, and the model sees a long run of one answer, then of the other."
    )
    epochs = st.slider("Epochs", 1, 10, 10, key="exp4_epochs")
    inputs = pressed("exp4_run", (seed, epochs), "Train both", ":material/shuffle:")
    if inputs is None:
        return
    _, epochs = inputs
    with st.spinner("Training the same model twice..."):
        r = result(ex.shuffling, data, inputs, trains=True)
    if r is None:
        return
    plain, shuffled, answer = r.plain, r.shuffled, r.answer
    if r.stuck_epochs:
        stuck = (f"Unshuffled (the lesson's recipe), the model answers **{answer} for every image** after each of "
                 f"the first {count(r.stuck_epochs, 'epoch')}, so its accuracy is exactly the share of {answer}s among "
                 f"the validation images: {r.answer_count:,} of {r.total:,} = **{r.plateau:.4f}**.")
    else:
        stuck = (f"Unshuffled (the lesson's recipe), with this seed the model never answers one digit for every "
                 f"image; it ends at accuracy {plain.accuracy:.4f}.")
    st.markdown(
        f"{stuck} Shuffled, the same model reaches **{shuffled.history[0].accuracy:.4f}** after one epoch. "
        f"{r.one_digit_batches} of the {len(r.contents)} unshuffled batches hold a single digit: batch 1 has "
        f"{r.contents[0][0]} {first}s and {r.contents[0][1]} {second}s."
    )
    chart([Panel("validation accuracy", [
        Series("unshuffled", plain.epochs, plain.accuracies), Series("shuffled", shuffled.epochs, shuffled.accuracies),
        Series(f"share of {answer}s", [0, epochs], [r.plateau, r.plateau], faint=True)])], "epoch", 280)
    chart([Panel("loss, epoch 1", [Series("unshuffled", r.batch_numbers, r.first_epoch[0]),
                                   Series("shuffled", r.batch_numbers, r.first_epoch[1])]),
           Panel("images, unshuffled", [Series(f"{d}s", r.batch_numbers, [c[i] for c in r.contents], staircase=True)
                                        for i, d in enumerate(r.digits)])], "batch of the first epoch", 200)
    st.caption("A step on a batch of one digit pulls the model towards answering that digit for everything: "
               "the loss of such a batch tells whether the model already does.")


def learning_rate_panel(data, seed: int) -> None:
    st.markdown(
        "The learning rate scales every step. Too small and the loss barely moves; too big and the steps "
        "overshoot. mnist_loss stays between 0 and 1, so with it nothing can blow up; cross-entropy has no "
        "upper bound, and a step too big sends it off."
    )
    pick, *columns = st.columns([2, 1, 1, 1])
    model_loss = pick.radio("Model and loss", list(MODEL_LOSSES), format_func=MODEL_LOSSES.get, index=1,
                            key="exp5_model")
    rates = tuple(column.select_slider(f"{name} lr", LEARNING_RATES, lr, format_func=lambda v: f"{v:g}", key=key)
                  for column, name, lr, key in zip(columns, ("Small", "Middle", "Big"), (0.0001, 1.0, 10.0),
                                                   ("exp5_small", "exp5_good", "exp5_big"), strict=True))
    epochs = st.slider("Epochs", 1, 5, 3, key="exp5_epochs")
    inputs = pressed("exp5_run", (seed, model_loss, rates, epochs), "Train with all three", ":material/speed:")
    if inputs is None:
        return
    seed, (model, loss), rates, epochs = inputs
    with st.spinner("Training three models..."):
        r = result(ex.learning_rates, data, (seed, model, loss, rates, epochs), trains=True)
    if r is None:
        return
    st.dataframe([{"learning rate": f"{t.settings.lr:g}",
                   "validation loss, epoch by epoch": " → ".join(f"{v:.5f}" for v in t.valid_losses),
                   "accuracy": t.accuracy, "what happened": "diverged" if t.diverged else "trained"}
                  for t in r.traces],
                 hide_index=True, width="stretch", column_config={"accuracy": NUMBER(format="%.4f")})
    series = []
    for t in r.traces:
        series.append(Series(f"lr {t.settings.lr:g}", t.positions, t.batch_losses))
        if t.diverged:
            st.markdown(f"lr {t.settings.lr:g}: {t.diverged}")
            series.append(Series(f"lr {t.settings.lr:g}: diverged", [t.diverged_at], [EXPLODED], points=True))
    chart([Panel("training loss per batch", series, log=True)], "epoch", 320)
    st.caption(f"Plain SGD, batch size {r.settings.bs}, shuffled, seed {r.settings.seed}. A diverged run stops where "
               f"its loss passed {EXPLODED:g} (the point at the end of its curve).")


def batch_size_panel(data, seed: int) -> None:
    n, middle = len(data.train_x), ex.MIDDLE_BATCH
    st.markdown(
        f"Each step uses one batch. Batch size 1 takes {n:,} steps per epoch, each on a single image: many "
        f"small, noisy steps. The whole set takes one exact step per epoch. In between, {middle} images per step."
    )
    inputs = pressed("exp6_run", (seed,), "Train one epoch with each", ":material/view_module:")
    if inputs is None:
        return
    with st.spinner(f"Training one epoch three times; batch size 1 takes {n:,} steps, several seconds..."):
        r = result(ex.batch_sizes, data, inputs, trains=True)
    if r is None:
        return
    st.dataframe([{"batch size": f"all {n:,}" if t.settings.bs == n else str(t.settings.bs), "steps": t.n_batches,
                   "seconds": t.seconds_per_epoch, "accuracy": t.accuracy, "noise": t.noise} for t in r.traces],
                 hide_index=True, width="stretch", column_config={
                     "steps": NUMBER("steps per epoch", format="%d"),
                     "seconds": NUMBER("seconds per epoch", format="%.2f"),
                     "accuracy": NUMBER("accuracy after it", format="%.4f"), "noise": NUMBER(format="%.4f")})
    (single, middle_run, whole), (single_seen, middle_seen, whole_seen) = r.traces, r.seen
    chart([Panel("loss of each step", [
              Series(f"batch size {middle}", middle_seen, middle_run.batch_losses),
              Series("batch size all", whole_seen, whole.batch_losses, points=True)]),
           Panel("loss, batch size 1", [
               Series("batch size 1, each step", single_seen, single.batch_losses, faint=True),
               Series(f"batch size 1, mean of {middle} steps", r.smooth_seen, r.smooth)])],
          "training images seen", 220)
    st.caption(f"The lesson's linear model and mnist_loss, plain SGD at lr {r.settings.lr:g}, shuffled, seed "
               f"{r.settings.seed}. Noise: the mean jump of the loss from one step to the next. With one image per "
               f"step, each step's loss is that image's alone, often near 0 or 1; the second line averages {middle} "
               "steps, as many images as a batch of the middle size holds.")

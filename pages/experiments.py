"""Experiments: the lesson's small experiments, each one run live on the real data and models."""

import streamlit as st
import torch

from digitnet.app_support.figures import Panel, Series, curves
from digitnet.app_support.wording import count
from digitnet.lesson import experiments as ex
from digitnet.lesson.dataset import DEFAULT_DIGITS, describe_digits
from digitnet.lesson.learner import EXPLODED
from digitnet.lesson.settings import LEARNING_RATES, LESSON, MAX_SEED
from pages.controls import task_picker
from pages.server import dataset, in_training_slot
from pages.session import get_lab

TABS = ("1 · Accuracy", "2 · Sigmoid", "3 · Gradients", "4 · Shuffling", "5 · Learning rate", "6 · Batch size")
SWEEP_POINTS = 301
MIDDLE_BATCH = 256  # the lesson's batch size, between one image and all of them
SWEEP_WIDTHS = (0.01, 0.05, 0.2, 1.0, 5.0)
MODEL_LOSSES = {
    ("linear", "mnist"): "the lesson's: linear model, mnist_loss",
    ("mlp", "bce"): "three-layer net, cross-entropy",
}


def pressed(key: str, inputs: tuple, label: str, icon: str) -> tuple | None:
    """A panel's button: the inputs it was last pressed with (kept across reruns), or None before."""
    if st.button(label, key=key, icon=icon):
        st.session_state[f"{key}_inputs"] = inputs
    return st.session_state.get(f"{key}_inputs")


# Results are kept per process: the same inputs on the same data always give the same numbers.


@st.cache_data(show_spinner=False, max_entries=50)
def nudge_and_sweep(digits, seed: int, index: int, factor: float, width: float, _data):
    model = ex.lesson_model(seed)
    x, y = _data.valid_x, _data.valid_y
    nudge = ex.nudge_weight(model, x, y, index, factor)
    start = nudge.weight[0]
    sweep = ex.sweep_weight(model, x, y, index, torch.linspace(start - width, start + width, SWEEP_POINTS))
    return nudge, sweep


@st.cache_data(show_spinner=False, max_entries=20)
def accumulation(digits, seed: int, size: int, _data):
    return ex.accumulate_gradients(_data, seed, size)


@st.cache_data(show_spinner=False, max_entries=20)
def traces(digits, all_settings: tuple, epochs: int, _data):
    return in_training_slot(ex.compare, _data, list(all_settings), epochs)


@st.cache_data(show_spinner=False, max_entries=10)
def contents(digits, bs: int, _data):
    return ex.batch_contents(_data, bs)


def accuracy_vs_loss(data, seed: int) -> None:
    st.markdown(
        "Accuracy only changes when an image crosses from one answer to the other, so a small change of a "
        "weight leaves it exactly where it was: its gradient is zero almost everywhere and gives training "
        "nothing to follow. The loss moves with every weight. Here on the lesson's linear model, freshly "
        "initialised, scored on the validation images."
    )
    pick, times, width = st.columns(3)
    index = pick.number_input("Weight (pixel 0 to 783)", 0, 783, 320, key="exp1_index")
    factor = times.number_input("Multiply it by", 0.0, 100.0, 1.01, step=0.01, format="%.4f", key="exp1_factor")
    spread = width.select_slider("Sweep the weight ±", SWEEP_WIDTHS, 0.05, key="exp1_width",
                                 help="A narrow sweep shows the steps; a wide one how far accuracy can go.")
    inputs = pressed("exp1_run", (seed, int(index), float(factor), float(spread)), "Multiply the weight",
                     ":material/close:")
    if inputs is None:
        return
    seed, index, factor, spread = inputs
    nudge, sweep = nudge_and_sweep(data.digits, seed, index, factor, spread, data)
    (w0, w1), (a0, a1), (l0, l1) = nudge.weight, nudge.accuracy, nudge.loss
    same = "exactly the same" if a0 == a1 else "changed"
    if nudge.inked:
        reach = f"Only the {nudge.inked:,} validation images with ink on this pixel feel it."
    else:
        reach = "No validation image has ink on this pixel, so this weight changes nothing at all: pick another."
    st.markdown(
        f"Weight {index} (pixel row {index // 28}, column {index % 28}) goes from {w0:.6f} to {w1:.6f}. "
        f"Accuracy: **{a0:.4f} → {a1:.4f}**, {same}. mnist_loss: **{l0:.6f} → {l1:.6f}**, a change of "
        f"{l1 - l0:+.3g}. {reach}"
    )
    accuracy, loss = st.columns(2)
    accuracy.metric("Accuracy", f"{a1:.4f}", f"{a1 - a0:+.4f}", delta_color="off", delta_arrow="off")
    loss.metric("mnist_loss", f"{l1:.6f}", f"{l1 - l0:+.3g}", delta_color="off", delta_arrow="off")
    here = [Series("this weight now", [w0], [a0], points=True)], [Series("this weight now", [w0], [l0], points=True)]
    figure = curves(
        [Panel("accuracy", [Series("accuracy", sweep.values, sweep.accuracies, staircase=True), *here[0]]),
         Panel("mnist_loss", [Series("mnist_loss", sweep.values, sweep.losses), *here[1]])],
        f"weight {index}", height=200,
    )
    st.plotly_chart(figure, width="stretch")
    st.caption(f"Accuracy takes {len(set(sweep.accuracies))} different values over the sweep, flat between jumps "
               "(a staircase); the loss is a smooth curve with a slope everywhere.")


def sigmoid_panel() -> None:
    st.markdown(
        "The sigmoid squeezes any prediction into 0 to 1. mnist_loss is how far that is from the target: "
        "1 − sigmoid when the target is 1, sigmoid when it is 0. Far from 0 the curves go flat: there the "
        "loss hardly changes, and a wrong but confident model learns slowly."
    )
    prediction = st.slider("A prediction (the model's raw output)", -6.0, 6.0, 1.5, 0.1, key="exp2_prediction")
    point = ex.sigmoid_curves(prediction, prediction, 1)
    sig, one, zero = st.columns(3)
    sig.metric("sigmoid", f"{point.sigmoid[0]:.4f}")
    one.metric("mnist_loss, target 1", f"{point.loss_if_one[0]:.4f}")
    zero.metric("mnist_loss, target 0", f"{point.loss_if_zero[0]:.4f}")
    c = ex.sigmoid_curves()
    figure = curves(
        [Panel("sigmoid", [Series("sigmoid", c.predictions, c.sigmoid),
                           Series("this prediction", [prediction], point.sigmoid, points=True)]),
         Panel("mnist_loss", [Series("mnist_loss if the target is 1", c.predictions, c.loss_if_one),
                              Series("mnist_loss if the target is 0", c.predictions, c.loss_if_zero),
                              Series("this prediction", [prediction] * 2,
                                     [point.loss_if_one[0], point.loss_if_zero[0]], points=True)])],
        "prediction", height=200,
    )
    st.plotly_chart(figure, width="stretch")
    st.caption("For a target of 0 the loss is the sigmoid itself; for a target of 1, its mirror image.")


def gradients_panel(data, seed: int) -> None:
    st.markdown(
        "`backward()` adds each new gradient to what `.grad` already holds. That is why the training loop "
        "calls `zero_grad()` after every step: forget it and every step uses the sum of all the gradients so far."
    )
    size = st.select_slider("Images in the batch", (4, 16, 64, 256), 4, key="exp3_size")
    inputs = pressed("exp3_run", (seed, int(size)), "Call backward twice, then zero and once more",
                     ":material/functions:")
    if inputs is None:
        return
    seed, size = inputs
    result = accumulation(data.digits, seed, size, data)
    means = [g["weights"].mean().item() for g in result.gradients]
    biases = [g["bias"].item() for g in result.gradients]
    st.markdown(
        f"On the lesson's linear model and {size} training images: the weights' gradient has mean "
        f"**{means[0]:.4f}**, then **{means[1]:.4f}** after the second backward ({means[1] / means[0]:.3f} times "
        f"as much), and **{means[2]:.4f}** after zero_grad and one more."
    )
    st.dataframe(
        [{"call": name, "weights.grad.mean()": m, "bias.grad": b}
         for name, m, b in zip(ex.ACCUMULATION_STEPS, means, biases, strict=True)],
        hide_index=True, width="stretch",
        column_config={"weights.grad.mean()": st.column_config.NumberColumn(format="%.6f"),
                       "bias.grad": st.column_config.NumberColumn(format="%.6f")},
    )
    first = result.gradients[0]["weights"][:, 0].tolist()
    figure = curves(
        [Panel("gradient after the call",
               [Series(name, first, g["weights"][:, 0].tolist(), points=True)
                for name, g in zip(ex.ACCUMULATION_STEPS[1:], result.gradients[1:], strict=True)])],
        "gradient after the first backward (one point per weight)", height=320,
    )
    st.plotly_chart(figure, width="stretch")


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
    seed, epochs = inputs
    base = LESSON.replace(digits=data.digits, seed=seed)
    with st.spinner("Training the same model twice..."):
        plain, shuffled = traces(data.digits, (base, base.replace(shuffle=True)), epochs, data)
    counts = contents(data.digits, base.bs, data)
    one_answer = ex.one_answer_epochs(plain)
    answer = first if plain.answered_first[0] == 1.0 else second
    same_label, total = ex.label_share(data, data.class_digits.index(answer))
    plateau = same_label / total
    one_digit = sum(1 for c in counts if min(c) == 0)
    if one_answer:
        stuck = (f"Unshuffled (the lesson's recipe), the model answers **{answer} for every image** after each of "
                 f"the first {count(one_answer, 'epoch')}, so its accuracy is exactly the share of {answer}s among the "
                 f"validation images: {same_label:,} of {total:,} = **{plateau:.4f}**.")
    else:
        stuck = (f"Unshuffled (the lesson's recipe), with this seed the model never answers one digit for every "
                 f"image; it ends at accuracy {plain.history[-1].accuracy:.4f}.")
    st.markdown(
        f"{stuck} Shuffled, the same model reaches **{shuffled.history[0].accuracy:.4f}** after one epoch. "
        f"{one_digit} of the {len(counts)} unshuffled batches hold a single digit: batch 1 has "
        f"{counts[0][0]} {first}s and {counts[0][1]} {second}s."
    )
    epochs_axis = list(range(epochs + 1))
    figure = curves(
        [Panel("validation accuracy", [
            Series("unshuffled", epochs_axis[: len(plain.history) + 1],
                   [plain.start[1]] + [e.accuracy for e in plain.history]),
            Series("shuffled", epochs_axis[: len(shuffled.history) + 1],
                   [shuffled.start[1]] + [e.accuracy for e in shuffled.history]),
            Series(f"share of {answer}s", [0, epochs], [plateau, plateau], faint=True),
        ])],
        "epoch", height=280,
    )
    st.plotly_chart(figure, width="stretch")
    batches = list(range(1, len(counts) + 1))
    n = plain.n_batches
    figure = curves(
        [Panel("loss, epoch 1", [Series("unshuffled", batches, plain.batch_losses[:n]),
                                 Series("shuffled", batches, shuffled.batch_losses[:n])]),
         Panel("images, unshuffled", [Series(f"{first}s", batches, [c[0] for c in counts], staircase=True),
                                      Series(f"{second}s", batches, [c[1] for c in counts], staircase=True)])],
        "batch of the first epoch", height=200,
    )
    st.plotly_chart(figure, width="stretch")
    st.caption("A step on a batch of one digit pulls the model towards answering that digit for everything: "
               "the loss of such a batch tells whether the model already does.")


def learning_rate_panel(data, seed: int) -> None:
    st.markdown(
        "The learning rate scales every step. Too small and the loss barely moves; too big and the steps "
        "overshoot. mnist_loss stays between 0 and 1, so with it nothing can blow up; cross-entropy has no "
        "upper bound, and a step too big sends it off."
    )
    pick, small, good, big = st.columns([2, 1, 1, 1])
    model_loss = pick.radio("Model and loss", list(MODEL_LOSSES), format_func=MODEL_LOSSES.get, index=1,
                            key="exp5_model")
    rates = (
        small.select_slider("Small lr", LEARNING_RATES, 0.0001, format_func=lambda v: f"{v:g}", key="exp5_small"),
        good.select_slider("Middle lr", LEARNING_RATES, 1.0, format_func=lambda v: f"{v:g}", key="exp5_good"),
        big.select_slider("Big lr", LEARNING_RATES, 10.0, format_func=lambda v: f"{v:g}", key="exp5_big"),
    )
    epochs = st.slider("Epochs", 1, 5, 3, key="exp5_epochs")
    inputs = pressed("exp5_run", (seed, model_loss, rates, epochs), "Train with all three", ":material/speed:")
    if inputs is None:
        return
    seed, (model, loss), rates, epochs = inputs
    base = LESSON.replace(digits=data.digits, seed=seed, model=model, loss=loss, shuffle=True)
    with st.spinner("Training three models..."):
        found = traces(data.digits, tuple(base.replace(lr=lr) for lr in rates), epochs, data)
    rows, series = [], []
    for lr, t in zip(rates, found, strict=True):
        name = f"lr {lr:g}"
        valid_losses = [t.start[0]] + [e.valid_loss for e in t.history]
        rows.append({
            "learning rate": f"{lr:g}",
            "validation loss, epoch by epoch": " → ".join(f"{v:.5f}" for v in valid_losses),
            "accuracy": t.history[-1].accuracy if t.history else None,
            "what happened": "diverged" if t.diverged else "trained",
        })
        x = [(i + 1) / t.n_batches for i in range(len(t.batch_losses))]
        series.append(Series(name, x, t.batch_losses))
        if t.diverged:
            series.append(Series(f"{name}: diverged", [(len(t.batch_losses) + 1) / t.n_batches], [EXPLODED],
                                 points=True))
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={"accuracy": st.column_config.NumberColumn(format="%.4f")})
    for lr, t in zip(rates, found, strict=True):
        if t.diverged:
            st.markdown(f"lr {lr:g}: {t.diverged}")
    st.plotly_chart(curves([Panel("training loss per batch", series, log=True)], "epoch", height=320),
                    width="stretch")
    st.caption(f"Plain SGD, batch size {base.bs}, shuffled, seed {seed}. A diverged run stops where its loss "
               f"passed {EXPLODED:g} (the point at the end of its curve).")


def batch_size_panel(data, seed: int) -> None:
    n = len(data.train_x)
    st.markdown(
        f"Each step uses one batch. Batch size 1 takes {n:,} steps per epoch, each on a single image: many "
        "small, noisy steps. The whole set takes one exact step per epoch. In between, 256 images per step."
    )
    inputs = pressed("exp6_run", (seed,), "Train one epoch with each", ":material/view_module:")
    if inputs is None:
        return
    (seed,) = inputs
    base = LESSON.replace(digits=data.digits, seed=seed, shuffle=True)
    sizes = (1, MIDDLE_BATCH, n)
    with st.spinner(f"Training one epoch three times; batch size 1 takes {n:,} steps, several seconds..."):
        found = traces(data.digits, tuple(base.replace(bs=bs) for bs in sizes), 1, data)
    rows = []
    for bs, t in zip(sizes, found, strict=True):
        rows.append({
            "batch size": f"all {n:,}" if bs == n else str(bs), "steps": t.n_batches,
            "seconds": t.seconds_per_epoch, "accuracy": t.history[-1].accuracy, "noise": t.noise,
        })
    st.dataframe(rows, hide_index=True, width="stretch", column_config={
        "steps": st.column_config.NumberColumn("steps per epoch", format="%d"),
        "seconds": st.column_config.NumberColumn("seconds per epoch", format="%.2f"),
        "accuracy": st.column_config.NumberColumn("accuracy after it", format="%.4f"),
        "noise": st.column_config.NumberColumn(format="%.4f"),
    })
    single, middle, whole = found

    def seen(bs, count):
        return [min((i + 1) * bs, n) for i in range(count)]

    smooth = ex.running_mean(single.batch_losses, MIDDLE_BATCH)
    figure = curves(
        [Panel("loss of each step", [
            Series(f"batch size {MIDDLE_BATCH}", seen(MIDDLE_BATCH, len(middle.batch_losses)), middle.batch_losses),
            Series("batch size all", seen(n, 1), whole.batch_losses, points=True)]),
         Panel("loss, batch size 1", [
             Series("batch size 1, each step", seen(1, len(single.batch_losses)), single.batch_losses, faint=True),
              Series(f"batch size 1, mean of {MIDDLE_BATCH} steps",
                    seen(1, len(single.batch_losses))[MIDDLE_BATCH - 1 :], smooth)])],
        "training images seen", height=220,
    )
    st.plotly_chart(figure, width="stretch")
    st.caption(f"The lesson's linear model and mnist_loss, plain SGD at lr {base.lr:g}, shuffled, seed {seed}. "
               "Noise: the mean jump of the loss from one step to the next. With one image per step, each "
               f"step's loss is that image's alone, often near 0 or 1; the second line averages {MIDDLE_BATCH} "
               "steps, as many images as a batch of the middle size holds.")


def pair_data():
    """The session's pair of digits; with all ten chosen, the lesson's default pair."""
    digits = get_lab().settings.digits
    if len(digits) == 10:
        st.info(f"These experiments are about telling two digits apart, as the lesson does: they use "
                f"{describe_digits(DEFAULT_DIGITS)}.")
        return dataset(DEFAULT_DIGITS)
    return dataset(digits)


st.title("Experiments")
st.markdown(
    "The lesson's small experiments, each run live on the real images and models: why the loss is not the "
    "accuracy, what the sigmoid does, how gradients add up, why shuffling matters, and what the learning rate "
    "and the batch size change. Every number here is computed when you press the button."
)
task_picker()
data = pair_data()
seed = st.columns([1, 2])[0].number_input("Seed for every experiment", 0, MAX_SEED, 0, key="exp_seed",
                                          help="The same seed gives the same numbers.")
panels = st.tabs(TABS)
with panels[0]:
    accuracy_vs_loss(data, int(seed))
with panels[1]:
    sigmoid_panel()
with panels[2]:
    gradients_panel(data, int(seed))
with panels[3]:
    shuffle_panel(data, int(seed))
with panels[4]:
    learning_rate_panel(data, int(seed))
with panels[5]:
    batch_size_panel(data, int(seed))

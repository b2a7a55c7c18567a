"""Experiments: the lesson's small experiments, each one run live on the real data and models.
Each panel reads its widgets, calls its experiment's entry in digitnet.lesson.experiments and
lays out the result; the panels that train (4 to 6) are in experiment_panels.py."""

import streamlit as st

from digitnet.app_support.views.figures import Panel, Series
from digitnet.lesson import findings as ex
from digitnet.lesson.dataset import DEFAULT_DIGITS, describe_digits, is_pair
from digitnet.lesson.settings import MAX_SEED
from pages.parts.experiment_panels import (
    NUMBER,
    batch_size_panel,
    chart,
    learning_rate_panel,
    pressed,
    result,
    shuffle_panel,
)
from pages.parts.question_panels import dead_units_panel, threshold_panel
from pages.shared.controls import task_picker
from pages.shared.process import dataset
from pages.shared.session import get_lab

TABS = ("1 · Accuracy", "2 · Sigmoid", "3 · Gradients", "4 · Shuffling", "5 · Learning rate", "6 · Batch size")
QUESTIONS = ("7 · Threshold", "8 · Dead units")  # tabs of their own: eight do not fit a projector's width


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
    spread = width.select_slider("Sweep the weight ±", ex.SWEEP_WIDTHS, 0.05, key="exp1_width",
                                 help="A narrow sweep shows the steps; a wide one how far accuracy can go.")
    inputs = pressed("exp1_run", (seed, int(index), float(factor), float(spread)), "Multiply the weight",
                     ":material/close:")
    if inputs is None:
        return
    r = result(ex.accuracy_vs_loss, data, inputs)
    (w0, w1), (a0, a1), (l0, l1), (row, column) = r.nudge.weight, r.nudge.accuracy, r.nudge.loss, r.pixel
    if r.nudge.inked:
        reach = f"Only the {r.nudge.inked:,} validation images with ink on this pixel feel it."
    else:
        reach = "No validation image has ink on this pixel, so this weight changes nothing at all: pick another."
    st.markdown(
        f"Weight {r.nudge.index} (pixel row {row}, column {column}) goes from {w0:.6f} to {w1:.6f}. "
        f"Accuracy: **{a0:.4f} → {a1:.4f}**, {'exactly the same' if r.unchanged else 'changed'}. mnist_loss: "
        f"**{l0:.6f} → {l1:.6f}**, a change of {r.loss_change:+.3g}. {reach}"
    )
    accuracy, loss = st.columns(2)
    accuracy.metric("Accuracy", f"{a1:.4f}", f"{r.accuracy_change:+.4f}", delta_color="off", delta_arrow="off")
    loss.metric("mnist_loss", f"{l1:.6f}", f"{r.loss_change:+.3g}", delta_color="off", delta_arrow="off")
    chart([Panel("accuracy", [Series("accuracy", r.sweep.values, r.sweep.accuracies, staircase=True),
                              Series("this weight now", [w0], [a0], points=True)]),
           Panel("mnist_loss", [Series("mnist_loss", r.sweep.values, r.sweep.losses),
                                Series("this weight now", [w0], [l0], points=True)])], f"weight {r.nudge.index}", 200)
    st.caption(f"Accuracy takes {r.accuracy_levels} different values over the sweep, flat between jumps "
               "(a staircase); the loss is a smooth curve with a slope everywhere.")


def sigmoid_panel() -> None:
    st.markdown(
        "The sigmoid squeezes any prediction into 0 to 1. mnist_loss is how far that is from the target: "
        "1 − sigmoid when the target is 1, sigmoid when it is 0. Far from 0 the curves go flat: there the "
        "loss hardly changes, and a wrong but confident model learns slowly."
    )
    p = ex.sigmoid_at(st.slider("A prediction (the model's raw output)", -6.0, 6.0, 1.5, 0.1, key="exp2_prediction"))
    sig, one, zero = st.columns(3)
    sig.metric("sigmoid", f"{p.sigmoid:.4f}")
    one.metric("mnist_loss, target 1", f"{p.loss_if_one:.4f}")
    zero.metric("mnist_loss, target 0", f"{p.loss_if_zero:.4f}")
    c = p.curves
    chart([Panel("sigmoid", [Series("sigmoid", c.predictions, c.sigmoid),
                             Series("this prediction", [p.prediction], [p.sigmoid], points=True)]),
           Panel("mnist_loss", [Series("mnist_loss if the target is 1", c.predictions, c.loss_if_one),
                                Series("mnist_loss if the target is 0", c.predictions, c.loss_if_zero),
                                Series("this prediction", [p.prediction] * 2, [p.loss_if_one, p.loss_if_zero],
                                       points=True)])], "prediction", 200)
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
    r = result(ex.accumulate_gradients, data, inputs)
    first, second, zeroed = r.calls
    st.markdown(
        f"On the lesson's linear model and {r.size} training images: the weights' gradient has mean "
        f"**{first.weights_mean:.4f}**, then **{second.weights_mean:.4f}** after the second backward ({r.ratio:.3f} "
        f"times as much), and **{zeroed.weights_mean:.4f}** after zero_grad and one more."
    )
    st.dataframe([{"call": c.call, "weights.grad.mean()": c.weights_mean, "bias.grad": c.bias} for c in r.calls],
                 hide_index=True, width="stretch", column_config={"weights.grad.mean()": NUMBER(format="%.6f"),
                                                                  "bias.grad": NUMBER(format="%.6f")})
    chart([Panel("gradient after the call", [Series(c.call, first.weights, c.weights, points=True)
                                             for c in (second, zeroed)])],
          "gradient after the first backward (one point per weight)", 320)


def pair_data():
    """The session's pair of digits; with all ten chosen, the lesson's default pair."""
    digits = get_lab().settings.digits
    if not is_pair(digits):
        st.info(f"These experiments are about telling two digits apart, as the lesson does: they use "
                f"{describe_digits(DEFAULT_DIGITS)}.")
        return dataset(DEFAULT_DIGITS)
    return dataset(digits)


def main() -> None:
    """The page, in a function: what it loads is freed when the run ends (see server.dataset)."""
    st.title("Experiments")
    st.markdown(
        "The lesson's small experiments, each run live on the real images and models: why the loss is not the "
        "accuracy, what the sigmoid does, how gradients add up, why shuffling matters, and what the learning rate "
        "and the batch size change; then two questions the chapter leaves open: where the line between the two "
        "digits should be, and why units die. Every number here is computed when you press the button."
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
    st.subheader("Two questions the chapter leaves open")
    threshold, dead = st.tabs(QUESTIONS)
    with threshold:
        threshold_panel(data, int(seed))
    with dead:
        dead_units_panel(data, int(seed))


main()

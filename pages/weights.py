"""Weights: what a trained model learned and how it got there, the gradients of one batch, and its mistakes."""

import math

import streamlit as st

from digitnet.app_support.views.figures import confusion_map, pixel_grid
from digitnet.app_support.views.in_words import confusion_in_words, grid_in_words
from digitnet.app_support.views.wording import plain, sure
from digitnet.lesson.dataset import describe_digits
from digitnet.lesson.inspection import (
    answers,
    batch_gradients,
    confusion_matrix,
    layers,
    training_batch,
    weight_history,
)
from pages.parts.weight_views import dead_units_section, show_layers
from pages.shared.session import get_lab

MAX_IMAGES = 24  # images of one confusion cell, the surest answers first
MAX_BATCH_NUMBER = 100_000


def pick_run(lab):
    """The run to inspect (the latest by default) and its place in the lab, or None."""
    digits = lab.settings.digits
    runs = lab.usable_runs(digits)
    if not runs:
        st.info(f"No trained model for {describe_digits(digits)} yet: train one, then come back to see it.")
        st.page_link("pages/train.py", label="Train a model", icon=":material/model_training:")
        others = [plain(run.name) for run in lab.usable_runs()]
        if others:
            st.caption(f"{', '.join(others)} learned other digits: choose their digits on the Data page to see them.")
            st.page_link("pages/data.py", label="Choose the digits", icon=":material/grid_on:")
        return None, None
    by_position = {lab.index(run): run for run in runs}
    positions = list(by_position)
    position = st.selectbox(
        "Model", positions, index=positions.index(lab.index(lab.latest(digits))), key="weights_run",
        format_func=lambda p: f"{by_position[p].name}: {by_position[p].settings.describe()}",
    )
    return by_position[position], position


def weights_section(run, position: int, history) -> None:
    st.subheader("The weights")
    kept = len(run.snapshots) - 1
    if kept < len(run.history):
        st.caption(f"The weights are kept for {kept} of its {len(run.history)} epochs, chosen evenly (and the last), "
                   "so that a long run fits in the server's memory and in the database.")
    if len(history) > 1:
        chosen = st.select_slider(
            "Weights at", options=range(len(history)), value=len(history) - 1, key=f"weights_epoch_{position}",
            format_func=lambda i: history[i][0], help="Slide back to the start to watch the weights take shape.",
        )
    else:
        chosen = 0
        st.caption(f"Only the weights {history[0][0]} are known for {plain(run.name)}: "
                   "it was not trained in this session.")
    show_layers(layers(history[chosen][1]), run, "weight")


def gradients_section(run, position: int) -> None:
    st.subheader("Step 4: the gradients of one batch")
    n = len(run.data.train_x)
    size = min(run.settings.bs, n)
    choice, text = st.columns([1, 3], gap="medium", vertical_alignment="bottom")
    number = choice.number_input(
        "Batch", min_value=1, max_value=MAX_BATCH_NUMBER, value=1, step=1, key=f"gradient_batch_{position}",
        help="Each number draws another batch of training images at random.",
    )
    xb, yb = training_batch(run.data, size, number)
    loss, gradients = batch_gradients(run.model, run.loss_fn, xb, yb)
    if not math.isfinite(loss):
        text.warning(
            f"The loss on this batch is {'NaN' if math.isnan(loss) else 'infinite'}: this model's weights are so "
            "large that its sums overflow, past float32's largest number (about 3.4e38) to infinity, and infinity "
            "minus infinity is not a number (NaN). Its gradients are not numbers either, so none are drawn."
        )
        return
    text.markdown(
        f"The model as it is now, on a batch of **{size:,}** training images: loss **{loss:.4f}**. "
        "Autograd works out the gradients; here nothing takes the step, so the model stays as it is."
    )
    show_layers(layers(gradients), run, "gradient")


def cell_name(digits, cell) -> str:
    return "every mistake" if cell is None else f"actual {digits[cell[0]]}, answered {digits[cell[1]]}"


def mistakes_section(run, position: int) -> None:
    st.subheader("Its answers on the validation set")
    digits = run.data.class_digits
    k = len(digits)
    found = answers(run.model, run.data)
    matrix = confusion_matrix(found.actual, found.predicted, k)
    wrong = found.mistakes()
    n = len(found.actual)
    st.markdown(
        f"**{len(wrong):,}** of {n:,} validation images are misclassified: accuracy "
        f"**{1 - len(wrong) / n:.4f}**. Choose a cell of the table to see its images."
    )
    # a pair's 2x2 table fits beside its images; ten digits' needs the page's width, images below
    table, images = st.columns([2, 3], gap="medium") if k == 2 else (st.container(), st.container())
    table.plotly_chart(confusion_map(matrix, digits, height=300 if k == 2 else 420), width="stretch",
                       alt=confusion_in_words(matrix, digits))
    table.caption("A row per actual digit, a column per answer: the diagonal holds the right answers.")
    cells = [None] + [(a, p) for a in range(k) for p in range(k) if matrix[a, p] > 0]
    cell = images.selectbox(
        "Show the images of", cells, key=f"confusion_cell_{position}",
        format_func=lambda c: f"{cell_name(digits, c)} ({len(wrong) if c is None else int(matrix[c])} images)",
    )
    indices = wrong if cell is None else found.cell(*cell)
    if not len(indices):
        images.success("No mistakes at all on the validation set.")
        return
    shown = indices[:MAX_IMAGES]
    titles = [f"{digits[found.actual[i]]}→{digits[found.predicted[i]]} {sure(found.confidence[i])}" for i in shown]
    grid = pixel_grid(run.data.valid_x[shown], titles, 4 if k == 2 else 6, diverging=False, cell=72)
    images.plotly_chart(grid, width="stretch", alt=grid_in_words(
        run.data.valid_x[shown], titles, f"{cell_name(digits, cell).capitalize()}: actual → answered digit, "
        "and the probability given", diverging=False))
    images.caption(
        f"{len(shown)} of {len(indices)}, the surest answers first. Each image: actual → answered digit, "
        "and the probability the model gave its answer."
    )


st.title("Weights")
st.markdown(
    "What a model learned is all in its weights. See them as pictures, watch them change epoch by "
    "epoch, count a net's dead units, see the gradients that move them, and see which digits the model "
    "still gets wrong."
)
lab = get_lab()
run, position = pick_run(lab)
if run is not None:
    history = weight_history(run)
    weights_section(run, position, history)
    if run.settings.model == "mlp":
        dead_units_section(run, history)
    gradients_section(run, position)
    mistakes_section(run, position)

"""Weights: what a trained model learned and how it got there, the gradients of one batch, and its mistakes."""

import streamlit as st

from digitnet.app_support.figures import confusion_map, heatmap, matrix_height, pixel_grid, pixel_map
from digitnet.app_support.wording import bias_text, plain, signed, sure
from digitnet.lesson.dataset import describe_digits
from digitnet.lesson.inspection import (
    answers,
    batch_gradients,
    confusion_matrix,
    layers,
    training_batch,
    weight_history,
)
from pages.session import get_lab

MAX_MAPS = 64  # first-layer units drawn as maps; a layer of 1024 would not be readable anyway
MAX_SIDE = 128  # rows and columns drawn of a later layer: 1024x1024 would send megabytes for pixels too small to see
MAP_COLUMNS = 8
MAX_IMAGES = 24  # images of one confusion cell, the surest answers first
MAX_BATCH_NUMBER = 100_000


FIRST_LAYER = {
    ("weight", "pair"): (
        "Each pixel's weight. Ink on a **red** pixel pushes the score up, towards **{second}** (label 1); "
        "ink on a **blue** pixel pushes it down, towards **{first}** (label 0). White pixels hardly matter. "
        "The bias is added to every image's score: above 0 it leans towards {second}."
    ),
    ("weight", "linear"): (
        "One map per digit: ink on its red pixels raises that digit's score, ink on its blue pixels lowers it."
    ),
    ("weight", "units"): (
        "Each small map is one unit of the first layer: the weight it gives each pixel. A unit answers "
        "strongly (above 0, through the ReLU) when the ink falls on its red pixels more than on its blue ones."
    ),
    ("gradient", "pair"): (
        "How the loss on this batch changes as each pixel's weight grows. The step moves every weight "
        "against its gradient (weight -= lr × gradient): **red** weights will go down, **blue** ones up. "
        "Pixels without ink in any image of the batch get no gradient at all."
    ),
    ("gradient", "linear"): (
        "One map per digit. The step moves every weight against its gradient: red weights go down, blue ones up."
    ),
    ("gradient", "units"): (
        "The gradient of every first-layer weight, one map per unit. The step moves each weight against it: "
        "red weights go down, blue ones up."
    ),
}


def pick_run(lab):
    """The run to inspect (the latest by default) and its place in the lab, or None."""
    digits = lab.settings.digits
    runs = [run for run in lab.runs if run.usable and run.settings.digits == digits]
    if not runs:
        st.info(f"No trained model for {describe_digits(digits)} yet: train one, then come back to see it.")
        st.page_link("pages/train.py", label="Train a model", icon=":material/model_training:")
        others = [run.name for run in lab.runs if run.usable]
        if others:
            st.caption(f"{', '.join(others)} learned other digits: choose their digits on the Data page to see them.")
            st.page_link("pages/data.py", label="Choose the digits", icon=":material/grid_on:")
        return None, None
    positions = [lab.runs.index(run) for run in runs]
    latest = lab.runs.index(lab.latest(digits))
    position = st.selectbox(
        "Model", positions, index=positions.index(latest), key="weights_run",
        format_func=lambda p: f"{lab.runs[p].name}: {lab.runs[p].settings.describe()}",
    )
    return lab.runs[position], position


def show_layers(found, run, what: str) -> None:
    """The first layer as 28x28 maps, one per unit; the layers after it as matrices.
    `what` names the numbers: "weight" or "gradient"."""
    first, rest = found[0], found[1:]
    digits = run.data.class_digits
    if first.weight.shape[0] == 1:  # the linear model for a pair of digits: one map and a bias
        picture, text = st.columns([3, 2], gap="medium")
        picture.plotly_chart(pixel_map(first.weight[0], colorbar=what), width="stretch")
        text.metric(f"Bias {what}", signed(first.bias.item()))
        text.markdown(FIRST_LAYER[what, "pair"].format(first=digits[0], second=digits[1]))
    else:
        linear = run.settings.model == "linear"
        shown = first.weight[:MAX_MAPS]
        titles = [f"digit {d}" for d in digits] if linear else [f"unit {i}" for i in range(1, len(shown) + 1)]
        grid = pixel_grid(shown, titles, 5 if linear else MAP_COLUMNS, colorbar=what, cell=120 if linear else 80)
        st.plotly_chart(grid, width="stretch")
        more = f" The first {MAX_MAPS} of {len(first.weight)} units are drawn." if len(first.weight) > MAX_MAPS else ""
        meaning = FIRST_LAYER[what, "linear" if linear else "units"]
        st.caption(f"{meaning} {bias_text(first.bias).capitalize()}.{more}")
    for start in range(0, len(rest), 2):
        for column, layer in zip(st.columns(2, gap="medium"), rest[start : start + 2]):
            shown = layer.weight[:MAX_SIDE, :MAX_SIDE]
            part = "" if shown.shape == layer.weight.shape else f" (the first {MAX_SIDE} rows and columns)"
            height = matrix_height(*layer.weight.shape)
            column.plotly_chart(heatmap(shown, layer.name + part, colorbar=what, height=height), width="stretch")
            column.caption(f"A row per unit of this layer, a column per input from the layer before; "
                           f"{bias_text(layer.bias)}.")


def weights_section(run, position: int) -> None:
    st.subheader("The weights")
    history = weight_history(run)
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
    table.plotly_chart(confusion_map(matrix, digits, height=300 if k == 2 else 420), width="stretch")
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
    images.plotly_chart(grid, width="stretch")
    images.caption(
        f"{len(shown)} of {len(indices)}, the surest answers first. Each image: actual → answered digit, "
        "and the probability the model gave its answer."
    )


st.title("Weights")
st.markdown(
    "What a model learned is all in its weights. See them as pictures, watch them change epoch by "
    "epoch, see the gradients that move them, and see which digits the model still gets wrong."
)
lab = get_lab()
run, position = pick_run(lab)
if run is not None:
    weights_section(run, position)
    gradients_section(run, position)
    mistakes_section(run, position)

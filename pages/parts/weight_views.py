"""The Weights page's parts: a model's layers drawn as maps and matrices (its weights or their
gradients), and its dead units epoch by epoch."""

import streamlit as st

from digitnet.app_support.views.figures import heatmap, matrix_height, pixel_grid, pixel_map
from digitnet.app_support.views.in_words import STEP_MOVES, grid_in_words, map_in_words, matrix_in_words
from digitnet.app_support.views.wording import bias_text, signed
from digitnet.lesson.inspection import dead_unit_history

MAX_MAPS = 64  # first-layer units drawn as maps; a layer of 1024 would not be readable anyway
MAX_SIDE = 128  # rows and columns drawn of a later layer: 1024x1024 would send megabytes for pixels too small to see
MAP_COLUMNS = 8


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


def show_layers(found, run, what: str) -> None:
    """The first layer as 28x28 maps, one per unit; the layers after it as matrices.
    `what` names the numbers: "weight" or "gradient"."""
    first, rest = found[0], found[1:]
    digits = run.data.class_digits
    if first.weight.shape[0] == 1:  # the linear model for a pair of digits: one map and a bias
        picture, text = st.columns([3, 2], gap="medium")
        meaning = (f"towards {digits[1]}", f"towards {digits[0]}") if what == "weight" else STEP_MOVES
        picture.plotly_chart(pixel_map(first.weight[0], colorbar=what), width="stretch",
                             alt=map_in_words(first.weight[0], f"The {what} of every pixel", *meaning))
        text.metric(f"Bias {what}", signed(first.bias.item()))
        text.markdown(FIRST_LAYER[what, "pair"].format(first=digits[0], second=digits[1]))
    else:
        linear = run.settings.model == "linear"
        shown = first.weight[:MAX_MAPS]
        titles = [f"digit {d}" for d in digits] if linear else [f"unit {i}" for i in range(1, len(shown) + 1)]
        grid = pixel_grid(shown, titles, 5 if linear else MAP_COLUMNS, colorbar=what, cell=120 if linear else 80)
        st.plotly_chart(grid, width="stretch", alt=grid_in_words(
            shown, titles, f"The first layer's {what}s, one map per {'digit' if linear else 'unit'}"))
        more = f" The first {MAX_MAPS} of {len(first.weight)} units are drawn." if len(first.weight) > MAX_MAPS else ""
        meaning = FIRST_LAYER[what, "linear" if linear else "units"]
        st.caption(f"{meaning} {bias_text(first.bias).capitalize()}.{more}")
    for start in range(0, len(rest), 2):
        for column, layer in zip(st.columns(2, gap="medium"), rest[start : start + 2]):
            shown = layer.weight[:MAX_SIDE, :MAX_SIDE]
            part = "" if shown.shape == layer.weight.shape else f" (the first {MAX_SIDE} rows and columns)"
            height = matrix_height(*layer.weight.shape)
            column.plotly_chart(heatmap(shown, layer.name + part, colorbar=what, height=height), width="stretch",
                                alt=matrix_in_words(shown, f"The {what}s of {layer.name}{part}"))
            column.caption(f"A row per unit of this layer, a column per input from the layer before; "
                           f"{bias_text(layer.bias)}.")


def dead_units_section(run, history) -> None:
    """How many units of each hidden layer never activate on the validation set, at every epoch of
    `history` (the run's weight_history)."""
    st.subheader("Dead units")
    labels = tuple(label for label, _ in history)
    dead = _dead_units(run.id, labels, len(run.batch_losses), history, run.data.valid_x)
    st.markdown(
        "A unit is dead when its ReLU gives 0 for every validation image: where a ReLU gives 0 its gradient is 0 too, "
        "so the steps hardly move a dead unit, and only changes in the layers before it can bring it back to life."
    )
    st.dataframe([{"weights at": label, **{f"layer {k} ({size} units)": found[k - 1]
                                          for k, size in enumerate(dead.sizes, 1)}}
                  for label, found in zip(dead.labels, dead.counts, strict=True)],
                 hide_index=True, width="stretch")
    st.caption("Dead units of each hidden layer at the start and after each epoch. A big learning rate kills "
               "more of them: see the Experiments page, tab 8.")


@st.cache_data(show_spinner=False, max_entries=20)
def _dead_units(run_id: str, labels: tuple, batches: int, _history, _x):
    """A pass over the validation set per epoch (a second for 20 epochs of the ten-digit net), so
    kept: a run's weights change only with its batches, and its history's labels say which they are."""
    return dead_unit_history(_history, _x)

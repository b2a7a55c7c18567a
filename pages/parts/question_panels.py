"""The Experiments page's panels for two questions the chapter leaves open: is `preds > 0.0` the
same decision as `sigmoid(preds) > 0.5`, and where should the line be (7); why do units die (8)."""

import streamlit as st

from digitnet.app_support.views.figures import Panel, Series
from digitnet.lesson import findings as ex
from pages.parts.experiment_panels import NUMBER, chart, pressed, result


def threshold_panel(data, seed: int) -> None:
    first, second = data.class_digits
    st.markdown(
        f"The lesson's accuracy calls an image a {second} when `preds > 0.0`; its loss reads `sigmoid(preds)` as the "
        f"chance of a {second}, which suggests `sigmoid(preds) > 0.5`. Are these the same decision? And is the middle "
        "the best place for the line?"
    )
    inputs = pressed("exp7_run", (seed,), "Train the lesson's model and compare", ":material/rule:")
    if inputs is None:
        return
    with st.spinner("Training the lesson's model..."):
        r = result(ex.threshold_question, data, inputs, trains=True)
    if r is None:
        return
    if r.agree == r.total:
        st.success(f"The same decision: each of the {r.total:,} validation images gets the same answer both ways.")
    else:
        st.warning(f"{r.agree:,} of the {r.total:,} validation images get the same answer both ways; the others have "
                   "outputs within about 1e-7 of 0, whose sigmoid float32 rounds to exactly 0.5.")
    st.markdown(
        "Why: the sigmoid only ever rises, and sigmoid(0) = 0.5, so an output is above 0 exactly when its sigmoid is "
        f"above 0.5 (the output nearest 0 here is {r.nearest:.3g} away from it). Another threshold moves the line, "
        f"and trades one kind of mistake for the other: a higher one calls fewer images {second}s."
    )
    threshold = st.slider(f"Call an image a {second} when sigmoid(preds) is above", 0.01, 0.99, 0.5, 0.01,
                          key="exp7_threshold")
    p = r.at(threshold)
    accuracy, false_first, false_second = st.columns(3)
    accuracy.metric("Validation accuracy", f"{p.accuracy:.4f}")
    false_first.metric(f"False {first}s", p.false_first, help=f"{second}s the model calls {first}")
    false_second.metric(f"False {second}s", p.false_second, help=f"{first}s the model calls {second}")
    best = r.best
    st.caption(f"sigmoid(preds) > {threshold:.2f} is the same cut as preds > {p.output:.3f}. On these images the best "
               f"line is at {best.threshold:.2f} (accuracy {best.accuracy:.4f}); but a line chosen by looking at the "
               "validation images makes them part of training, and their score no longer tells how the model does on "
               "images it has never seen.")
    x = [point.threshold for point in r.curve]
    chart([Panel("accuracy", [Series("accuracy", x, [point.accuracy for point in r.curve]),
                              Series("this threshold", [threshold], [p.accuracy], points=True)]),
           Panel("mistakes", [Series(f"false {first}s", x, [point.false_first for point in r.curve]),
                              Series(f"false {second}s", x, [point.false_second for point in r.curve]),
                              Series("this threshold", [threshold] * 2, [p.false_first, p.false_second],
                                     points=True)])],
          "threshold on sigmoid(preds)", 220)
    s = r.settings
    st.caption(f"The lesson's linear model and mnist_loss, trained {s.epochs} shuffled epochs with plain SGD at lr "
               f"{s.lr:g}, batch size {s.bs}, seed {s.seed}; scored on the {r.total:,} validation images.")


def dead_units_panel(data, seed: int) -> None:
    st.markdown(
        "A ReLU unit is dead when its input is below 0 for every image: it outputs 0 and its gradient is 0, so the "
        "steps leave its weights alone. One big step can push many units there at once. Here the three-layer net "
        "trains from the same start with plain SGD at four learning rates; the count is of units that give 0 for "
        "every validation image."
    )
    inputs = pressed("exp8_run", (seed,), "Train with each learning rate", ":material/heart_broken:")
    if inputs is None:
        return
    with st.spinner("Training the three-layer net four times..."):
        r = result(ex.dead_units_by_rate, data, inputs, trains=True)
    if r is None:
        return
    sizes = r.runs[0].dead.sizes
    layer_names = [f"layer {k} (of {size})" for k, size in enumerate(sizes, 1)]
    st.dataframe([{"learning rate": f"{run.lr:g}", **dict(zip(layer_names, run.dead.counts[-1], strict=True)),
                   "accuracy": run.accuracy, "what happened": "diverged" if run.diverged else "trained"}
                  for run in r.runs],
                 hide_index=True, width="stretch", column_config={"accuracy": NUMBER(format="%.4f")})
    for run in r.runs:
        if run.diverged:
            st.markdown(f"lr {run.lr:g}: {run.diverged} Its dead units are counted at its last whole epoch.")
    chart([Panel(f"dead units, {name}", [Series(f"lr {run.lr:g}", list(range(len(run.dead.counts))),
                                                [found[k] for found in run.dead.counts]) for run in r.runs])
           for k, name in enumerate(layer_names)], "epoch", 220)
    s = r.settings
    st.caption(f"Dead units after each epoch (0: at the start). The three-layer net ({'-'.join(map(str, s.hidden))} "
               f"hidden units), {s.loss} loss, batch size {s.bs}, shuffled, seed {s.seed}. A net whose last hidden "
               "layer is all dead gives every image the same output: it can only answer one digit.")

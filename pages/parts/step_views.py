"""What each of the six steps produced, as the Step through page shows it: one function per
step, each writing its explanation into `text` and its figures into `figures`."""

import streamlit as st

from digitnet.app_support.views.figures import Panel, Series, curves, pixel_grid, pixel_map
from digitnet.app_support.views.in_words import STEP_MOVES, curves_in_words, grid_in_words, map_in_words
from digitnet.lesson.dataset import is_pair
from digitnet.lesson.inspection import layers
from digitnet.lesson.stepper import NAMES, Stepper
from pages.shared.session import kept, remembered

SHOWN_IMAGES = 8  # step 2 shows this many images of the batch
LOSS_IMAGES = 3  # step 3 adds up the loss of this many by hand
MOVED_WEIGHTS = 5  # step 5 lists the weights that moved most
LOSS_FORMULAS = {
    "mnist": "mnist_loss takes **1 − sigmoid** for an image whose target is 1 and **sigmoid** for a target of 0: "
             "how far the prediction is from the target. The batch's loss is the mean.",
    "bce": "Binary cross-entropy takes **−log(sigmoid)** for a target of 1 and **−log(1 − sigmoid)** for 0: "
           "a confident wrong answer costs a lot. The batch's loss is the mean.",
    "ten": "Cross-entropy takes **−log** of the probability the model gave the right digit. The batch's loss is "
           "the mean.",
}


def unit_picker(stepper: Stepper) -> int:
    """Which output of the first layer to draw, when it has more than one. The choice outlives
    the steps that show no weights (a widget not drawn in a run forgets its value)."""
    count = len(layers(stepper.run.weights())[0].weight)
    if count == 1:
        return 0
    if stepper.run.settings.model == "linear":
        digits = stepper.run.data.class_digits
        label, name = "Weights of digit", lambda i: str(digits[i])
    else:
        label, name = "Weights into hidden unit", lambda i: str(i + 1)
    return remembered(st.selectbox, label, "step_unit", load=lambda: min(kept("step_unit", 0), count - 1),
                      options=range(count), format_func=name)


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
    title = "The weight of every pixel"
    figures.plotly_chart(pixel_map(layer.weight[unit], title, height=320), width="stretch",
                         alt=map_in_words(layer.weight[unit], title))


def digit_title(output) -> str:
    if len(output.outputs) == 1:
        return f"{output.digit}: {output.outputs[0]:+.2f} → {output.probability:.2f}"
    return f"{output.digit}: says {output.answer} ({output.probability:.0%})"


def show_predict(stepper: Stepper, text, figures) -> None:
    counts = ", ".join(f"{count} of digit {digit}" for digit, count in stepper.batch_counts().items())
    shown = stepper.image_outputs(SHOWN_IMAGES)
    digits = stepper.run.data.class_digits
    if is_pair(digits):
        explain = (f"Over each image: its digit, the model's raw output (above 0 means {digits[1]}), then the "
                   f"output's sigmoid, the model's probability that the image is a {digits[1]}.")
    else:
        explain = "Over each image: its digit, then the digit the model says and the probability it gives it."
    text.markdown(f"The model predicts batch {stepper.batch}: **{len(stepper.xb):,} images** ({counts}), one "
                  f"output each. The first {len(shown)} are below. {explain}")
    images = stepper.xb[: len(shown)]
    titles = [digit_title(o) for o in shown]
    figures.plotly_chart(pixel_grid(images, titles, 4, diverging=False, cell=130), width="stretch",
                         alt=grid_in_words(images, titles, f"The first {len(shown)} images of batch {stepper.batch}",
                                           diverging=False))


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
    title = "The gradient of every pixel's weight"
    figures.plotly_chart(pixel_map(gradient, title, height=320), width="stretch",
                         alt=map_in_words(gradient, title, *STEP_MOVES))


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
        column.plotly_chart(figure, width="stretch", alt=map_in_words(values, f"{title}: the weight of every pixel"))
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
    panels = [Panel("validation loss", [Series("validation loss", steps, [p.valid_loss for p in stepper.trail])]),
              Panel("accuracy", [Series("validation accuracy", steps, [p.accuracy for p in stepper.trail])])]
    figures.plotly_chart(curves(panels, "steps taken", height=180), width="stretch",
                         alt=curves_in_words(panels, "steps taken"))


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

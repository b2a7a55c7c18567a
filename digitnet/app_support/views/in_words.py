"""Every chart and picture in words: the text a screen reader reads for it (its accessible name,
Streamlit's `alt`), with the numbers that matter. A learner who cannot see the curves, the weights
or the images gets what a glance at them gives.

These strings go into an attribute, never through Markdown, so text from a user (a run's name, a
file's name) is kept as typed here: `wording.plain`'s escapes would be read out.
"""

from collections import Counter

import numpy as np

from .wording import count, signed

ROWS, COLUMNS = ("top", "middle", "bottom"), ("left", "centre", "right")
MAX_EPOCHS = 8  # epochs named one by one; a longer run is told by its first and last ones and its best
MAX_MAPS = 12  # maps of a grid described one by one
MAX_RUNS = 5  # runs of the class board named one by one, the most accurate first
STEP_MOVES = ("the step lowers these", "the step raises these")  # what a gradient's red and blue mean


def place(weights28) -> str:
    """Where in a 28x28 picture most of `weights28` (values of 0 and more) lies, in thirds: "the
    top left", "the centre", "the bottom"."""
    thirds = np.array_split(np.arange(28), 3)
    sums = [[weights28[np.ix_(rows, columns)].sum() for columns in thirds] for rows in thirds]
    row, column = divmod(int(np.argmax(sums)), 3)
    if (row, column) == (1, 1):
        return "the centre"
    if column == 1:
        return f"the {ROWS[row]}"
    if row == 1:
        return f"the {COLUMNS[column]} side"
    return f"the {ROWS[row]} {COLUMNS[column]}"


def _finite(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return np.where(np.isfinite(values), values, 0.0)


def _range(values) -> str:
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    if not finite.size:
        return "no finite values"
    return f"from {signed(float(finite.min()))} to {signed(float(finite.max()))}"


def colours(values784, positive: str = "", negative: str = "") -> str:
    """Where a diverging 28x28 map's red and its blue are strongest; `positive` and `negative` say
    what each sign means ("towards 6")."""
    values = _finite(values784).reshape(28, 28)
    parts = []
    for sign, name, meaning in ((1, "red", positive), (-1, "blue", negative)):
        if (sign * values > 0).any():
            said = f" ({meaning})" if meaning else ""
            parts.append(f"{name}{said} strongest in {place(np.clip(sign * values, 0, None))}")
    return ", ".join(parts) or "all zero"


def map_in_words(values784, what: str, positive: str = "", negative: str = "") -> str:
    """"Weights of every pixel, from -0.41 to +0.52: red (towards 6) strongest in the bottom, ..."."""
    return f"{what}, 28 by 28 pixels, {_range(values784)}: {colours(values784, positive, negative)}."


def image_in_words(image28, what: str) -> str:
    """A greyscale picture (0 black to 1 white or 0 to 255): how much ink, and where."""
    image = _finite(image28).reshape(28, 28)
    ink = image >= 0.1 * max(float(image.max()), 1e-9)
    if not image.any():
        return f"{what}, 28 by 28 pixels: black, no ink."
    return f"{what}, 28 by 28 pixels: ink on {int(ink.sum())} of 784 pixels, most of it in {place(image)}."


def grid_in_words(rows, titles: list[str], what: str, diverging: bool = True) -> str:
    """Small 28x28 maps under their titles (pixel_grid): each by its title, and a diverging one by
    where its colours are."""
    rows = np.asarray(rows, dtype=float).reshape(-1, 28, 28)
    named = [f"{title}: {colours(row)}" if diverging else f"{title}: ink mostly in {place(np.clip(row, 0, None))}"
             for row, title in zip(rows[:MAX_MAPS], titles)]
    more = f"; and {len(rows) - MAX_MAPS} more" if len(rows) > MAX_MAPS else ""
    values = f", {_range(rows)}" if diverging else ""
    return f"{what}: {count(len(rows), 'picture')}{values}. {'; '.join(named)}{more}."


def matrix_in_words(values, what: str) -> str:
    values = np.asarray(values, dtype=float)
    typical = float(np.median(np.abs(_finite(values))))
    return (f"{what}: {values.shape[0]:,} rows by {values.shape[1]:,} columns, {_range(values)}; "
            f"half of them between {signed(-typical)} and {signed(typical)}.")


def confusion_in_words(matrix, class_digits) -> str:
    """Counts of validation images, actual digit by answer."""
    matrix = np.asarray(matrix)
    rows = []
    for a, digit in enumerate(class_digits):
        if len(class_digits) == 2:
            rows.append(f"actual {digit}: " + ", ".join(f"{int(matrix[a, p]):,} answered {answer}"
                                                        for p, answer in enumerate(class_digits)))
            continue
        wrong = [(int(matrix[a, p]), answer) for p, answer in enumerate(class_digits) if p != a]
        most, answer = max(wrong)
        often = f", most often mistaken for {answer} ({most:,})" if most else ""
        rows.append(f"actual {digit}: {int(matrix[a, a]):,} of {int(matrix[a].sum()):,} right{often}")
    right = int(np.trace(matrix))
    return (f"Answers on the validation set, a row per actual digit: {'; '.join(rows)}. "
            f"{right:,} of {int(matrix.sum()):,} right.")


def probabilities_in_words(probabilities: dict[int, float]) -> str:
    if not any(probabilities.values()):
        return "Probability of each digit: no answer yet."
    ranked = sorted(probabilities.items(), key=lambda item: -item[1])
    return "Probability of each digit: " + ", ".join(f"{digit} {p:.1%}" for digit, p in ranked) + "."


def _number(value: float) -> str:
    return f"{value:.4g}"


def _series_in_words(series) -> str:
    x, y = list(series.x), list(series.y)
    if not y:
        return f"{series.name}: no points"
    if len(y) == 1:
        return f"{series.name}: {_number(y[0])} at {_number(x[0])}"
    low, high = int(np.nanargmin(y)), int(np.nanargmax(y))
    return (f"{series.name}: {len(y):,} points, from {_number(y[0])} at {_number(x[0])} to {_number(y[-1])} at "
            f"{_number(x[-1])}, lowest {_number(y[low])} at {_number(x[low])}, highest {_number(y[high])} at "
            f"{_number(x[high])}")


def curves_in_words(panels, x_title: str) -> str:
    """figures.curves' plots in words: each series' ends, its lowest and highest points."""
    return " ".join(f"{panel.y_title.capitalize()} against {x_title}{' (log scale)' if panel.log else ''}: "
                    f"{'; '.join(_series_in_words(s) for s in panel.series)}." for panel in panels)


def _epochs(history, fields: dict[str, str]) -> str:
    """'0.9910 after epoch 1, 0.9935 after epoch 2'; with several fields, each named; a long
    history by its first and last epochs."""
    def one(e) -> str:
        values = [f"{label} {getattr(e, field):.4f}".strip() for label, field in fields.items()]
        return f"{' and '.join(values)} after epoch {e.epoch}"

    if len(history) <= MAX_EPOCHS:
        return ", ".join(one(e) for e in history)
    half = MAX_EPOCHS // 2
    return (f"{', '.join(one(e) for e in history[:half])}, ..., "
            f"{', '.join(one(e) for e in history[-half:])}")


def _one_run(history, fields: dict[str, str]) -> str:
    """A run's epochs and, for one metric, its best epoch (the highest accuracy, the lowest loss)."""
    if not history:
        return "no epoch finished yet"
    best = ""
    if len(fields) == 1 and len(history) > 1:
        field = next(iter(fields.values()))
        pick = max if field == "accuracy" else min
        top = pick(history, key=lambda e: getattr(e, field))
        best = f"; {'highest' if pick is max else 'lowest'} {getattr(top, field):.4f} after epoch {top.epoch}"
    return _epochs(history, fields) + best


def history_in_words(title: str, name: str, history, fields: dict[str, str]) -> str:
    """"Validation accuracy by epoch, run 1: 0.9910 after epoch 1, 0.9935 after epoch 2"."""
    return f"{title} by epoch, {name}: {_one_run(history, fields)}."


LOSSES = {"training": "train_loss", "validation": "valid_loss"}
ACCURACY = {"": "accuracy"}


def loss_in_words(name: str, history) -> str:
    return history_in_words("Training and validation loss", name, history, LOSSES)


def accuracy_in_words(name: str, history) -> str:
    return history_in_words("Validation accuracy", name, history, ACCURACY)


def overlay_in_words(named_histories, title: str, field: str) -> str:
    """The Train page's runs compared on one metric."""
    runs = ". ".join(f"{name}: {_one_run(history, {'': field})}" for name, history in named_histories)
    return f"{title.capitalize()} by epoch, {count(len(named_histories), 'run')}. {runs}."


def board_in_words(runs, mine: int | None) -> str:
    """The class board: final validation accuracy against learning rate, the most accurate runs named."""
    if not runs:
        return "Final validation accuracy against learning rate: no runs yet in this round."
    ranked = sorted(runs, key=lambda run: -run.accuracy)

    def one(run) -> str:
        whose = "yours" if run.learner == mine else run.name
        epochs = count(run.epochs, "epoch")
        return f"{run.accuracy:.4f} at learning rate {run.lr:g} ({whose}: {run.described}, {epochs})"

    yours = [run for run in ranked[MAX_RUNS:] if run.learner == mine]
    more = len(ranked) - MAX_RUNS - len(yours)
    return (f"Final validation accuracy against learning rate (log scale), {count(len(runs), 'run')}, the most "
            f"accurate first: {'; '.join(one(run) for run in ranked[:MAX_RUNS] + yours)}"
            f"{f'; and {more:,} more' if more > 0 else ''}.")


def samples_in_words(digits, per_digit: int) -> str:
    return (f"The first {per_digit} training images of each digit, one row per digit: "
            f"{', then '.join(f'{digit}s' for digit in digits)}.")


def own_digits_in_words(labels, aside: int) -> str:
    """The learner's digits (My digits): how many of each label, how many framed."""
    counts = Counter(int(label) for label in labels)
    each = ", ".join(f"{count(n, 'digit')} labelled {label}" for label, n in sorted(counts.items()))
    framed = f"; {aside} of them framed, kept aside when fine-tuning" if aside else ""
    return f"Your {count(len(labels), 'digit')}, ten to a row, each with its label under it: {each}{framed}."

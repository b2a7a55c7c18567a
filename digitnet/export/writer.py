"""A run written out as a standalone script or notebook in plain PyTorch, with no digitnet import,
that replays it: the same data, initial weights, mini-batches in the same order, steps and optimiser.

The code is put together from the templates in templates/, cells in the "percent" format (`# %%`
starts a code cell, `# %% [markdown]` a text cell; `script` or `notebook` after it keeps the cell
to that form), filled in from the run's settings. A name or path from outside (the run's, the file's,
the data folder's) goes into code only as a string literal and into text only on one line, so no
name can add code or cells. The engine's functions that stand on their own
(init_params, the loss, augment, the batch order, the divergence message) are copied from its
source, so they cannot drift from it; the rest is written as the lesson writes it, and
tests/export/ check that the code ends exactly where the engine's run does.
"""

import inspect
import json
import re
import shlex
import textwrap
from dataclasses import dataclass
from pathlib import Path
from string import Template

from ..arguments import train_command
from ..errors import ExportError
from ..files.destination import check_writable, write_file
from ..files.mnist import IDX_PATTERN, IdxFiles, PngFolder, asset_name, open_source
from ..lesson import augment, dataset, models
from ..lesson import run as runs
from ..lesson.dataset import describe_digits, with_article
from ..lesson.losses import loss_function
from ..lesson.optim import MOMENTUM
from ..lesson.settings import Settings

TEMPLATES = Path(__file__).resolve().parent / "templates"
FORMS = {".py": "script", ".ipynb": "notebook"}  # by the file name's suffix
# Where the notebook looks for MNIST when the run's folder is not known: the app's copy, in its repository.
DEFAULT_DATA = "assets/mnist"
MARKER = re.compile(r"^# %%( \[markdown\])?(?: (script|notebook))?$", re.MULTILINE)
COMMAND_WIDTH = 100  # characters per line of the command in the header, each continued with a backslash
COMMENT_WIDTH = 110  # characters per line of the script's comments, which hold the notebook's text
# Stands for a space the comments are not broken at: no text in them holds it (outside text goes through _text).
NO_BREAK = "\0"
LOSS_TEXTS = {  # by the name of the loss function
    "mnist_loss": "The loss is the lesson's `mnist_loss`.",
    "bce_loss": "The loss is binary cross-entropy, on the outputs before the sigmoid.",
    "cross_entropy_loss": "Ten digits: the loss is cross-entropy over the ten outputs.",
}
OPTIMISERS = {
    "momentum": (f"torch.optim.SGD(params, lr=LR, momentum={MOMENTUM!r})",
                 f"PyTorch's SGD with momentum (each step carries on {MOMENTUM:g} of the one before)"),
    "adam": ("torch.optim.Adam(params, lr=LR)", "PyTorch's Adam (each parameter's step scaled by its past gradients)"),
}


@dataclass(frozen=True)
class Cell:
    markdown: bool
    text: str


def form_of(file_name: str) -> str:
    """"script" or "notebook", from the name's suffix."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in FORMS:
        raise ExportError(f"{file_name}: the exported code is a script (.py) or a notebook (.ipynb)")
    return FORMS[suffix]


def check_destination(path, replace: bool = False) -> None:
    form_of(Path(path).name)
    check_writable(path, ExportError, "the code", replace)


def check_source(folder: str | None) -> None:
    """ExportError unless exported code can read the MNIST at `folder` (None: digitnet's default) as the
    engine does: the app's assets/mnist or MNIST's four IDX files. A folder of pngs lists the images
    in another order, so the same batches would hold other images."""
    if isinstance(open_source(folder), PngFolder):
        raise ExportError(f"{open_source(folder).folder}: exported code reads MNIST's IDX files or the app's "
                          "assets/mnist, not a folder of pngs, whose images come in another order")


def replay_settings(run) -> Settings:
    """The settings that replay `run` from its first weights, for as many epochs as it finished (or
    up to the one it diverged in); ExportError says why when no settings can."""
    if run.unreplayable:
        raise ExportError(f"{run.name} cannot be written out as code: {run.unreplayable}. Exported code replays "
                          "a run trained with one set of settings from the weights its seed draws.")
    if run.diverged:
        return run.settings.replace(epochs=len(run.history) + 1)
    if not run.history:
        raise ExportError(f"{run.name} has not finished an epoch yet: train it first, then export it")
    return run.settings.replace(epochs=len(run.history))


def export(run, file_name: str, data_folder: str | None = None) -> str:
    """The text of `run` written as code: a script for a name ending in .py, a notebook for .ipynb.
    `data_folder`, where the run's MNIST is when known, is the notebook's default and the script's example."""
    form = form_of(file_name)
    settings = replay_settings(run)
    found = _values(run, settings, form, Path(file_name).name, data_folder)
    cells = [cell for name in _templates(settings) for cell in _cells(name, form, found)]
    return _script(cells) if form == "script" else _notebook(cells)


def write(run, path, data_folder: str | None = None, replace: bool = False) -> Path:
    """Write `run` as code to `path` (.py or .ipynb), whole or not at all; ExportError when it cannot be
    written, or a file is already there and not to be replaced."""
    path = Path(path)
    return write_file(path, export(run, path.name, data_folder).encode("utf-8"), ExportError, "the code", replace)


def _templates(settings: Settings) -> list[str]:
    step = "step_sgd" if settings.opt == "sgd" else "step_torch"
    return ["header", "setup", "data", f"init_{settings.model}", "gradients", step, "repeat", "train"]


def _cells(name: str, form: str, values: dict[str, str]) -> list[Cell]:
    text = Template((TEMPLATES / f"{name}.tmpl").read_text()).substitute(values)
    markers = list(MARKER.finditer(text))
    found = []
    for marker, after in zip(markers, markers[1:] + [None]):
        if marker[2] in (None, form):
            body = text[marker.end() : after.start() if after else len(text)].strip("\n")
            found.append(Cell(bool(marker[1]), body))
    return found


def _script(cells: list[Cell]) -> str:
    """Text cells become comments right above the code they explain."""
    parts, before = [], None
    for cell in cells:
        if cell.markdown:
            parts.append({None: "", True: "#\n", False: "\n\n"}[before] + _comments(cell.text) + "\n")
        else:
            parts.append({None: "", True: "", False: "\n"}[before] + cell.text + "\n")
        before = cell.markdown
    return "".join(parts)


def _comments(markdown: str) -> str:
    """Markdown as comments: headings without their #, paragraphs filled to COMMENT_WIDTH, blocks of
    code (indented) as they are."""
    paragraphs = []
    for paragraph in markdown.split("\n\n"):
        if paragraph.startswith("    "):
            paragraphs.append(paragraph)
        else:
            text = re.sub(r"^#+ ", "", " ".join(paragraph.split("\n")))
            text = text.replace(" %", NO_BREAK + "%")  # a line starting "%%" would read "# %%", a cell marker
            text = textwrap.fill(text, COMMENT_WIDTH, break_long_words=False, break_on_hyphens=False)
            paragraphs.append(text.replace(NO_BREAK, " "))
    return "\n".join("# " + line if line else "#" for line in "\n\n".join(paragraphs).splitlines())


def _notebook(cells: list[Cell]) -> str:
    """nbformat 4.5: cells with ids, code cells not yet run."""
    found = []
    for number, cell in enumerate(cells, 1):
        entry = {"cell_type": "markdown" if cell.markdown else "code", "id": f"cell-{number}", "metadata": {},
                 "source": cell.text.splitlines(keepends=True)}
        if not cell.markdown:
            entry |= {"execution_count": None, "outputs": []}
        found.append(entry)
    notebook = {
        "cells": found, "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}},
    }
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def _text(value) -> str:
    """Outside text (a name, a path) for a comment or a text cell: as it is when every character of it
    prints, else quoted with Python's escapes. A newline would end the comment, and what follows it
    would be code or a cell marker."""
    value = str(value)
    return value if value.isprintable() else repr(value)


def _literal(text: str) -> str:
    """Any text as a Python string literal: in double quotes as the code is written, with repr's escapes
    when a character does not print (a newline; a lone surrogate, from a name that is not UTF-8)."""
    return json.dumps(text, ensure_ascii=False) if text.isprintable() else repr(text)


def _shell_word(value: str, placeholder: str) -> str:
    """`value` as one word of a shell command, quoted as the shell needs; `placeholder` for one that
    cannot be typed on a line."""
    return shlex.quote(value) if value.isprintable() else placeholder


def _source(function) -> str:
    return textwrap.dedent(inspect.getsource(function)).strip("\n")


def _epochs(n: int) -> str:
    return f"{n} epoch{'' if n == 1 else 's'}"


def _outcome(run, settings: Settings) -> str:
    if run.diverged:
        return f"It diverged: {run.diverged} This code diverges at the same batch."
    last = run.history[-1]
    if run.status == "stopped":
        return (f"It was stopped during epoch {last.epoch + 1}: this code trains the {_epochs(last.epoch)} it "
                f"finished, after which the run's validation accuracy was {last.accuracy:.4f}.")
    return f"Its validation accuracy after {_epochs(settings.epochs)}: {last.accuracy:.4f}."


def _command(settings: Settings) -> str:
    """The command line, in lines of at most COMMAND_WIDTH characters, indented as a block of code."""
    lines = [""]
    for word in train_command(settings):
        if lines[-1] and len(lines[-1]) + len(word) > COMMAND_WIDTH:
            lines.append("")
        lines[-1] += (" " if lines[-1] else "") + word
    return " \\\n".join("    " + line for line in lines)


def _settings_literal(settings: Settings) -> str:
    """The settings as digitnet records them, a Python dict with one entry a line."""
    entries = "".join(f"    {name!r}: {value!r},\n" for name, value in settings.to_dict().items())
    return "{\n" + entries.replace("'", '"') + "}"


def _imports(settings: Settings, form: str) -> str:
    standard = ["argparse"] * (form == "script") + ["gzip", "json"] + ["math"] * settings.augment + ["struct", "time"]
    functional = settings.augment or settings.loss == "bce" or not settings.pair
    return "\n".join(
        [f"import {name}" for name in standard] + ["from functools import cache", "from pathlib import Path", "",
                                                   "import torch"]
        + ["import torch.nn.functional as F"] * functional + ["from torch import nn"] * (settings.model == "mlp")
    )


def _values(run, settings: Settings, form: str, file_name: str, data_folder: str | None) -> dict[str, str]:
    """What fills the templates' $names."""
    s, pair = settings, settings.pair
    title = "A digitnet run as plain PyTorch: the lesson's six steps, written out"
    loss_fn = loss_function(s.loss, pair)
    scaled = s.init == "scaled"
    classes = ", then every ".join(map(str, s.digits))
    sizes = s.layer_sizes
    draws = ["the initial weights"] + ["the order of the images in each epoch"] * s.shuffle
    draws += ["the random shifts, turns and resizes of each batch"] * s.augment
    sources = [runs.epoch_order, runs.batch_at, runs.batch_indices] + [augment.augment] * s.augment
    return {
        # the header
        "TITLE": title, "TITLE_LITERAL": _literal(title), "RUN_NAME": _text(run.name), "DESCRIPTION": s.describe(),
        "EPOCHS_TEXT": _epochs(s.epochs), "SEED": str(s.seed), "INIT": s.init, "OUTCOME": _outcome(run, s),
        "COMMAND": _command(s), "FILE_NAME": _shell_word(file_name, "SCRIPT.py"),
        "DATA_EXAMPLE": _shell_word(data_folder, "DIR") if data_folder else "DIR",
        # the settings and the data
        "IMPORTS": _imports(s, form), "DATA_LITERAL": _literal(data_folder or DEFAULT_DATA),
        "DRAWS": ", ".join(draws),
        "DIGITS": repr(s.digits), "LR": repr(s.lr), "BS": str(s.bs), "EPOCHS": str(s.epochs),
        "SHUFFLE": repr(s.shuffle),
        "LABELS_TEXT": (f"label 0 is {with_article(s.digits[0])}, label 1 is {with_article(s.digits[1])}" if pair
                        else "label d is digit d"),
        "SHUFFLE_TEXT": "a fresh order every epoch" if s.shuffle else "the images in the order they are stored",
        "DIGITS_TEXT": f"{s.digits[0]} and {s.digits[1]}" if pair else "all ten digits",
        "STACKED_TEXT": f"every {classes}",
        "IDX_PATTERN": f'f"{IDX_PATTERN}"', "ASSET_NAME": f'f"{asset_name("{split}", "{digit}")}"',
        "IDX_PREFIX": json.dumps(IdxFiles.PREFIX),
        "TARGETS_SOURCE": "\n\n\n".join(_source(f) for f in (dataset.is_pair, dataset.targets)),
        # step 1
        "INIT_TEXT": ("The init is scaled: randn divided by the square root of the layer's inputs, so that the first "
                      "outputs sit near 0; the biases start at 0." if scaled else
                      "The init is the lesson's plain randn, spread 1: with 784 inputs the first outputs can be far "
                      "from 0."),
        "OUTPUTS_TEXT": "One weight per pixel and a bias" if pair else "Ten weights per pixel, ten biases",
        "N_OUTPUTS": str(sizes[-1]), "INIT_PARAMS": _source(models.init_params), "INIT_LITERAL": _literal(s.init),
        "INIT_STD": "\n\n\n".join(_source(f) for f in (models.init_std, models.bias_std)),
        "BIAS_COMMENT": "  # drawn, then made 0: the draws keep the generator in step" if scaled else "",
        "NET_TEXT": f"A net of {len(sizes) - 1} layers, {'-'.join(map(str, sizes))}, a ReLU after each but the last",
        "LAYERS": "\n".join(f"    nn.Linear({'28 * 28' if i == 0 else fan_in}, {fan_out})," + " nn.ReLU(),"
                            * (i < len(sizes) - 2) for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:]))),
        "INIT_NET": _source(models.init_net),
        # steps 2 to 5
        "LOSS_SOURCE": _source(loss_fn), "LOSS_NAME": loss_fn.__name__,
        "LOSS_TEXT": LOSS_TEXTS[loss_fn.__name__],
        "OPTIMISER": OPTIMISERS.get(s.opt, ("", ""))[0], "OPTIMISER_TEXT": OPTIMISERS.get(s.opt, ("", ""))[1],
        # step 6 and the training
        "ORDER_TEXT": ("in a fresh random order each epoch (`torch.randperm`, from the run's generator)" if s.shuffle
                       else f"in the order they are stored, every {classes}, as in the lesson"),
        "AUGMENT_TEXT": (" Each batch's images are shifted, turned and resized a little at random (`augment`), "
                         "with draws from the run's generator." if s.augment else ""),
        "BATCH_SOURCES": "\n\n\n".join(_source(f) for f in sources), "EXPLODED": repr(runs.EXPLODED),
        "DIVERGED_SOURCE": _source(runs.diverged_message),
        "BATCH_IMAGES": "augment(train_x[indices], generator)" if s.augment else "train_x[indices]",
        "CORRECT": "(preds > 0.0).float() == yb" if pair else "preds.argmax(dim=1) == yb",
        "SETTINGS_LITERAL": _settings_literal(s), "DIGITS_DESCRIBED": describe_digits(s.digits),
    }

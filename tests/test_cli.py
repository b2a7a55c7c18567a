import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitnet.arguments import build_parser, settings_from, train_command
from digitnet.cli import main
from digitnet.files.mnist import ENV_VAR
from digitnet.lesson.dataset import ALL_DIGITS, load_dataset
from digitnet.lesson.settings import Settings

REPO = Path(__file__).resolve().parent.parent
EPOCH_KEYS = {"epoch", "train_loss", "valid_loss", "accuracy", "seconds"}


def digitnet(*args):
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    return subprocess.run(
        [sys.executable, "-m", "digitnet", *map(str, args)], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=120,
    )


def json_lines(text):
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """`train --json --save` run once; its output and the model file it saved."""
    path = tmp_path_factory.mktemp("model") / "linear.safetensors"
    result = digitnet("train", "--model", "linear", "--epochs", 1, "--seed", 0, "--json", "--save", path)
    return result, path


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    data = load_dataset()
    six = data.valid_x[int((data.valid_y[:, 0] == 1).nonzero()[0])].reshape(28, 28).numpy()
    Image.fromarray((six * 255).astype(np.uint8)).resize((280, 280)).save(folder / "six.png")
    Image.new("RGB", (280, 280)).save(folder / "empty.png")
    (folder / "notes.png").write_text("not an image")
    return folder


def test_train_json(trained):
    result, path = trained
    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)
    assert len(lines) == 2
    epoch, summary = lines
    assert set(epoch) == EPOCH_KEYS
    assert epoch["epoch"] == 1 and epoch["accuracy"] >= 0.95
    assert summary["done"] is True
    assert (summary["n_train"], summary["n_valid"]) == (11_876, 1_990)
    assert summary["accuracy"] == epoch["accuracy"]
    assert summary["settings"]["model"] == "linear" and summary["settings"]["seed"] == 0
    assert summary["saved"] == str(path) and path.is_file()


def test_predict_json(trained, images):
    _, model = trained
    result = digitnet("predict", "--model", model, images / "six.png", images / "empty.png", "--json")
    assert result.returncode == 0, result.stderr
    six, empty = json_lines(result.stdout)
    assert set(six) == {"file", "digit", "probability", "sure"}
    assert six["file"] == str(images / "six.png")
    assert six["digit"] == 6 and six["probability"] > 0.5
    assert six["sure"] is True  # a learner's pair model has no "not sure" threshold: it never flags
    assert empty["digit"] is None and "no ink" in empty["reason"]


def test_predict_unreadable_image(trained, images, capsys):
    _, model = trained
    assert main(["predict", "--model", str(model), str(images / "notes.png"), str(images / "absent.png")]) == 2
    err = capsys.readouterr().err
    assert "notes.png: this is not an image file" in err
    assert "absent.png: cannot open the file (No such file or directory)" in err


def test_missing_model_file(tmp_path, images):
    result = digitnet("predict", "--model", tmp_path / "absent.safetensors", images / "six.png")
    assert result.returncode == 2
    assert result.stderr.startswith("digitnet: ")
    assert "absent.safetensors: cannot be read (No such file or directory)" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "--lr", "-1"], "learning rate must be above 0"),
        (["train", "--digits", "3", "3"], "two different digits"),
        (["train", "--digits", "3", "x"], "two digits such as"),
        (["train", "--model", "foo"], "invalid choice: 'foo'"),
        (["train", "--epochs", "0"], "epochs must be a whole number"),
        (["train", "--bs", "many"], "invalid int value"),
        (["train", "--hidden", "0"], "hidden sizes"),
        (["predict"], "the following arguments are required: IMAGE"),
        (["predict", "--digits", "all"], "the following arguments are required: IMAGE"),
        (["predict", "--model", "m.safetensors", "--digits", "all", "x.png"], "not allowed with argument --model"),
        (["predict", "--digits", "3", "3", "x.png"], "two different digits"),
        (["fly"], "invalid choice: 'fly'"),
    ],
)
def test_bad_arguments(args, message, capsys):
    with pytest.raises(SystemExit) as exit:
        main(args)
    assert exit.value.code == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("usage: python -m digitnet")
    assert message in captured.err
    assert captured.out == ""


def test_table(capsys):
    assert main(["train", "--model", "linear", "--epochs", "1", "--seed", "0"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("2 vs 6: 11,876 training and 1,990 validation images")
    assert out[1] == "linear, 2 vs 6, lr 0.003, bs 64, bce, adam, shuffled, seed 0"
    assert out[2].split() == ["epoch", "train_loss", "valid_loss", "accuracy", "time"]
    assert out[3].split()[0] == "1"
    assert out[4].startswith("done: validation accuracy 0.9")


def test_ten_digits_use_cross_entropy(capsys):
    args = ["train", "--model", "linear", "--digits", "all", "--loss", "mnist", "--epochs", "1", "--bs", "1000"]
    assert main([*args, "--seed", "0", "--json"]) == 0
    captured = capsys.readouterr()
    assert "ten digits are trained with cross-entropy" in captured.err
    summary = json_lines(captured.out)[-1]
    assert (summary["n_train"], summary["n_valid"]) == (60_000, 10_000)
    assert summary["settings"]["digits"] == list(range(10))
    assert summary["accuracy"] > 0.8


def test_divergence_is_reported(capsys):
    args = ["train", "--model", "mlp", "--opt", "sgd", "--lr", "100", "--epochs", "1", "--seed", "0", "--json"]
    assert main(args) == 1
    captured = capsys.readouterr()
    summary = json_lines(captured.out)[-1]
    assert summary["done"] is False and summary["accuracy"] is None
    assert "smaller learning rate" in summary["error"]
    assert "digitnet: Training diverged" in captured.err


def test_predict_with_the_largest_model_the_app_makes(tmp_path, images):
    from digitnet.files.modelfile import save_model
    from digitnet.lesson.models import build_model
    from digitnet.lesson.settings import Settings

    settings = Settings(hidden=(1024,), seed=0).checked()
    path = save_model(tmp_path / "big.safetensors", build_model("mlp", 1, settings.hidden), settings, {})
    result = digitnet("predict", "--model", path, images / "six.png", "--json")
    assert result.returncode == 0, result.stderr
    assert json_lines(result.stdout)[0]["digit"] in (2, 6)


@pytest.mark.parametrize("settings", [
    Settings(model="linear", lr=1.0, bs=256, loss="mnist", opt="sgd", shuffle=False, epochs=40, seed=0),
    Settings(digits="all", lr=0.0003, hidden=(64, 32, 16), augment=True, init="randn", seed=12345),
    Settings(digits=(7, 1), opt="momentum", lr=0.123456789, seed=None),
], ids=["lesson", "ten", "unseeded"])
def test_the_train_command_gives_back_the_settings(settings):
    words = " ".join(train_command(settings)).split()
    assert words[:4] == ["python", "-m", "digitnet", "train"]
    assert settings_from(build_parser().parse_args(words[3:])) == settings.checked()


@pytest.fixture(scope="module")
def drawings(tmp_path_factory):
    """Generated drawings saved as png files: a 6 and a 7, and a sun and an arrow, which are no digits."""
    from digitnet.drawing.generated import DIGITS, NONDIGITS, draw

    folder = tmp_path_factory.mktemp("drawings")
    templates = {"six": DIGITS[6], "seven": DIGITS[7], "sun": NONDIGITS["sun"], "arrow": NONDIGITS["arrow"]}
    for name, template in templates.items():
        Image.fromarray(draw(template, np.random.default_rng(1))).save(folder / f"{name}.png")
    return folder


def by_hand(path, digits):
    """The shipped default net's answer for an image: its outputs' softmax (or sigmoid), the largest,
    and whether that reaches the threshold stored in its file."""
    import torch

    from digitnet.drawing.defaults import shipped_path
    from digitnet.drawing.preprocess import open_image, preprocess
    from digitnet.files.modelfile import read_model_file

    saved = read_model_file(shipped_path("mlp", digits))
    with torch.no_grad():
        output = saved.model(torch.from_numpy(preprocess(open_image(path))).reshape(1, 784))[0]
    probs = output.softmax(0) if len(output) == 10 else torch.cat([1 - output.sigmoid(), output.sigmoid()])
    best = int(probs.argmax())
    return digits[best], round(float(probs[best]), 4), float(probs[best]) >= saved.metrics["sure_threshold"]


def test_predict_with_the_shipped_default_models(drawings, capsys):
    files = [str(drawings / f"{name}.png") for name in ("six", "seven", "sun", "arrow")]
    assert main(["predict", "--digits", "all", *files, "--json"]) == 0
    rows = json_lines(capsys.readouterr().out)
    assert [(r["digit"], r["probability"], r["sure"]) for r in rows] == [by_hand(f, ALL_DIGITS) for f in files]
    assert [r["sure"] for r in rows] == [True, True, False, False]
    assert [r["digit"] for r in rows[:2]] == [6, 7]
    assert main(["predict", files[0], files[2]]) == 0  # neither --model nor --digits: 2 vs 6
    six, sun = capsys.readouterr().out.splitlines()
    digit, probability, sure = by_hand(files[0], (2, 6))
    assert six == f"{files[0]}: 6 (probability {probability:.3f})" and digit == 6 and sure
    assert sun.startswith(f"{files[2]}: not sure it is a 2 or a 6; best guess ")


def test_a_pair_with_no_shipped_model_gets_one_trained(drawings, capsys):
    assert main(["predict", "--digits", "3", "8", str(drawings / "seven.png"), "--json"]) == 0
    captured = capsys.readouterr()
    assert "no default model ships for 3 vs 8; training one now" in captured.err
    assert json_lines(captured.out)[0]["digit"] in (3, 8)

"""Property tests: the command line given any arguments, bad numbers, and bad files to read or write.

Bad arguments end in argparse's usage message and exit status 2; a bad file ends in one line
"digitnet: ..." on stderr and a returned status. Nothing ends in a traceback.
"""

import contextlib
import io
import json
import os
import re
import resource
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from digitnet.cli import main
from digitnet.files.modelfile import model_bytes, read_model_file

MODEL = Path(__file__).resolve().parent.parent / "assets" / "models" / "default-linear-2v6.safetensors"
USAGE_ERROR = re.compile(r"^python -m digitnet( \w+)?: error: \S", re.MULTILINE)
FLAGS = ["--model", "--digits", "--epochs", "--lr", "--bs", "--loss", "--opt", "--seed", "--hidden", "--init", "--save",
         "--data", "--no-shuffle", "--augment", "--json"]

# Printable text without newlines (a path holding one would print on two lines, as any tool would print it).
printable = st.characters(blacklist_categories=["Cc", "Cs"])


def is_help(token: str) -> bool:
    """-h and --help (or an abbreviation such as --he) print the help and exit 0: not bad input."""
    option = token.split("=")[0]
    return token.startswith("-h") or (len(option) >= 4 and "--help".startswith(option))


def cli(argv: list[str]) -> tuple[str, int, str, str]:
    """("exit" or "return", the status, stdout, stderr) of cli.main in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            how, status = "return", main(argv)
        except SystemExit as exc:
            how, status = "exit", exc.code
    return how, status, out.getvalue(), err.getvalue()


def check_ending(how: str, status, err: str) -> None:
    assert "Traceback" not in err
    if how == "exit":
        assert status == 2 and USAGE_ERROR.search(err), err
    else:
        assert isinstance(status, int) and status in (0, 1, 2)
        assert all(line.startswith("digitnet: ") for line in err.splitlines()), err


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    six = np.zeros((280, 280), np.uint8)
    six[60:220, 120:160] = 255
    Image.fromarray(six).save(folder / "stroke.png")
    Image.new("L", (280, 280)).save(folder / "black.png")
    (folder / "garbage.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (folder / "truncated.png").write_bytes((folder / "stroke.png").read_bytes()[:200])
    (folder / "a folder").mkdir()
    (folder / "garbage.safetensors").write_bytes(b"\x10\0\0\0\0\0\0\0{not json at all")
    (folder / "truncated.safetensors").write_bytes(MODEL.read_bytes()[:500])
    (folder / "not mnist").mkdir()
    (folder / "not mnist" / "train-images-idx3-ubyte").write_bytes(b"junk")
    (folder / "empty pngs" / "training").mkdir(parents=True)
    (folder / "empty pngs" / "testing").mkdir()
    return folder


def bad_data(files) -> st.SearchStrategy:
    """--data paths that are not MNIST: training can never start."""
    names = ["missing", "a folder", "not mnist", "empty pngs", "garbage.png"]
    named = st.sampled_from(names).map(lambda name: str(files / name))
    return st.one_of(named, st.sampled_from(["~no_such_user_here", "~no_such_user_here/mnist", "/dev/null"]))


numbers = st.one_of(
    st.integers().map(str),
    st.floats().map(str),
    st.sampled_from(["nan", "inf", "-inf", "-1", "0", "1e3", "1e400", "0x10", "1_000", "9" * 5000, "", " ", "½"]),
)
values = st.one_of(numbers, st.text(printable, max_size=12).filter(lambda t: not is_help(t)),
                   st.sampled_from(["linear", "mlp", "all", "2", "6", "adam", "bce", "scaled", "--", "-"]))
tokens = st.one_of(
    st.tuples(st.sampled_from(FLAGS), values).map(list),  # a flag and a value, good or bad
    st.tuples(st.sampled_from(FLAGS).map(lambda f: f + "="), values).map(lambda fv: ["".join(fv)]),
    st.sampled_from(FLAGS).map(lambda f: [f]),  # a flag missing its value
    st.sampled_from(["--lrr", "--x", "-z", "--digit", "--e", "--no"]).map(lambda f: [f]),  # unknown or ambiguous
    values.map(lambda v: [v]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(tokens, max_size=6).map(lambda groups: sum(groups, [])), st.data())
def test_train_with_any_arguments(files, argv, data):
    how, status, out, err = cli(["train", *argv, "--data", data.draw(bad_data(files))])
    check_ending(how, status, err)
    if how == "return":  # the settings were fine: the data was not
        assert status == 2 and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--lr", "nan"), ("--lr", "inf"), ("--lr", "1e400"), ("--lr", "-1"), ("--lr", "0"), ("--lr", "1e9"),
     ("--lr", "-inf"), ("--bs", "0"), ("--bs", "-3"), ("--bs", "1.5"), ("--epochs", "0"), ("--epochs", "1001"),
     ("--epochs", str(10**30)), ("--epochs", "1e3"), ("--seed", "-1"), ("--seed", str(2**32)),
     ("--hidden", "0"), ("--hidden", "1025"), ("--digits", "2"), ("--digits", "22"), ("--digits", "all2"),
     ("--model", "cnn"), ("--opt", "lbfgs"), ("--loss", "")],
)
def test_settings_out_of_range_are_usage_errors(flag, value):
    """Refused before any data is read, naming the setting: the default data would otherwise be used."""
    how, status, out, err = cli(["train", "--model", "linear", "--epochs", "1", flag, value])
    check_ending(how, status, err)
    assert how == "exit" and out == ""
    setting = {"--lr": "learning rate", "--bs": "batch size", "--hidden": "hidden"}.get(flag, flag.strip("-"))
    assert setting in err.splitlines()[-1] or flag in err.splitlines()[-1]


@pytest.mark.parametrize("flag", ["--save", "--export"])
@pytest.mark.parametrize("where", ["no such folder/run", "a folder", "9" * 300])  # 300: no file system takes it
def test_a_file_that_cannot_be_written_is_refused_before_training(files, flag, where):
    name = f"{where}{'.safetensors' if flag == '--save' else '.py'}" if where != "a folder" else where
    how, status, out, err = cli(["train", "--model", "linear", "--epochs", "1", flag, str(files / name)])
    check_ending(how, status, err)
    assert (how, status) == ("return", 2) and "epoch" not in out
    assert len(err.splitlines()) == 1 and where in err


IMAGES = ["stroke.png", "black.png", "garbage.png", "truncated.png", "a folder", "missing.png"]
MODELS = ["garbage.safetensors", "truncated.safetensors", "a folder", "missing.safetensors"]


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(st.just(None), st.sampled_from(MODELS)),
    st.lists(st.one_of(st.sampled_from(IMAGES), st.text(printable, min_size=1, max_size=12)), min_size=1, max_size=4),
    st.booleans(),
)
def test_predict_with_any_files(files, model, images, as_json):
    """One line per image (or one error line when the model is bad); status 2 when any file was bad."""
    model_path = str(MODEL if model is None else files / model)
    paths = [str(files / name.replace("/", "_")) for name in images]
    how, status, out, err = cli(["predict", "--model", model_path, *paths] + (["--json"] if as_json else []))
    check_ending(how, status, err)
    assert how == "return"
    if model is not None:
        assert status == 2 and out == "" and err.startswith(f"digitnet: {model_path}: ") and err.count("\n") == 1
        return
    if as_json:
        rows = [json.loads(line) for line in out.splitlines()]
        assert [row["file"] for row in rows] == paths and err == ""
        assert status == (2 if any("error" in row for row in rows) else 0)
    else:
        assert len(out.splitlines()) + len(err.splitlines()) == len(paths)
        assert status == (2 if err else 0)


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(st.sampled_from(["train", "predict", "", "--json", "--model", "-x"]), st.text(printable, max_size=8)),
    st.lists(st.text(printable, max_size=10).filter(lambda t: not is_help(t)), max_size=5),
    st.data(),
)
def test_any_words(files, command, words, data):
    """A command and random words; a train that gets that far meets data it cannot read."""
    argv = [command, *words]
    if command == "train":
        argv += ["--data", data.draw(bad_data(files))]
    how, status, out, err = cli([word for word in argv if not is_help(word)])
    check_ending(how, status, err)



@pytest.mark.parametrize(
    ("model", "images", "says"),
    [("/dev/zero", ["x.png"], "it is a device, not a model file"),
     (str(MODEL), ["/dev/zero", "/dev/null"], "it is a device, not an image file")],
)
def test_predict_from_devices(model, images, says):
    """Files with no size and no end (or no content) are refused, without being read."""
    how, status, out, err = cli(["predict", "--model", model, *images])
    check_ending(how, status, err)
    assert (how, status, out) == ("return", 2, "")
    assert says in err.splitlines()[-1]


@pytest.mark.parametrize("lr", [10**400, -(10**400)], ids=["1e400", "-1e400"])
def test_predict_with_a_model_file_whose_learning_rate_no_float_holds(files, tmp_path, lr):
    saved = read_model_file(MODEL)
    path = tmp_path / "huge-lr.safetensors"
    path.write_bytes(model_bytes(saved.model, saved.settings.replace(lr=lr), saved.metrics))
    how, status, out, err = cli(["predict", "--model", str(path), str(files / "stroke.png")])
    check_ending(how, status, err)
    assert (how, status, out) == ("return", 2, "")
    assert err.startswith(f"digitnet: {path}: the model description in the file is damaged (learning rate must be")


REPO = Path(__file__).resolve().parent.parent
SAVE_OR_EXPORT = [("--save", "model.safetensors"), ("--export", "run.py")]
TRAIN = ["train", "--model", "linear", "--epochs", "1", "--seed", "0"]


def check_refused_before_training(how, status, out, err, says: str) -> None:
    check_ending(how, status, err)
    assert (how, status) == ("return", 2) and "epoch" not in out
    assert len(err.splitlines()) == 1 and says in err, err


def check_written(flag: str, path: Path) -> None:
    if flag == "--save":
        assert read_model_file(path).settings.model == "linear"
    else:
        compile(path.read_text(), str(path), "exec")


@pytest.mark.parametrize(("flag", "name"), SAVE_OR_EXPORT)
def test_an_existing_file_is_kept_unless_force_replaces_it(tmp_path, flag, name):
    path = tmp_path / name
    path.write_text("a learner's own work")
    check_refused_before_training(*cli([*TRAIN, flag, str(path)]), says="already exists")
    assert path.read_text() == "a learner's own work"
    how, status, out, err = cli([*TRAIN, flag, str(path), "--force"])
    assert (how, status) == ("return", 0), err
    check_written(flag, path)
    assert sorted(tmp_path.iterdir()) == [path]  # nothing left beside it


@pytest.mark.parametrize(("flag", "name"), SAVE_OR_EXPORT)
@pytest.mark.parametrize("target", ["a file", "nothing"])
@pytest.mark.parametrize("force", [False, True])
def test_a_link_is_never_written_through(tmp_path, flag, name, target, force):
    elsewhere = tmp_path / "elsewhere"
    if target == "a file":
        elsewhere.write_text("someone else's file")
    (tmp_path / name).symlink_to(elsewhere)
    check_refused_before_training(*cli([*TRAIN, flag, str(tmp_path / name), *["--force"] * force]), says="is a link")
    assert (elsewhere.read_text() == "someone else's file") if target == "a file" else not elsewhere.exists()


def fifo(folder: Path, name: str) -> Path:
    os.mkfifo(folder / name)
    return folder / name


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize(("flag", "where", "says"), [
    ("--save", lambda tmp: Path("/dev/full"), "is a device"),  # every write to it fails: the disk is full
    ("--save", lambda tmp: fifo(tmp, "model.safetensors"), "is a pipe"),
    ("--export", lambda tmp: fifo(tmp, "run.py"), "is a pipe"),
    ("--save", lambda tmp: Path("/sys/model.safetensors"), "cannot be written here"),  # no one creates files in /sys
    ("--export", lambda tmp: Path("/sys/run.py"), "cannot be written here"),
], ids=["full", "pipe-save", "pipe-export", "sys-save", "sys-export"])
def test_a_destination_that_cannot_take_the_file_is_refused_before_training(tmp_path, flag, where, says, force):
    path = where(tmp_path)
    check_refused_before_training(*cli([*TRAIN, flag, str(path), *["--force"] * force]), says=says)


def test_a_save_that_fails_half_way_leaves_no_half_file(tmp_path):
    """Files of at most 1,000 bytes (RLIMIT_FSIZE), as a disk fills up: the model's 3 KB fail part way."""
    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write then fails with "File too large"
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))

    path = tmp_path / "model.safetensors"
    result = subprocess.run([sys.executable, "-m", "digitnet", *TRAIN, "--save", str(path)], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, preexec_fn=small_files,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == f"digitnet: {path}: cannot be written (File too large)\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("which", ["--model", "IMAGE"])
def test_predict_refuses_a_pipe_without_waiting_on_it(files, tmp_path, which):
    pipe = fifo(tmp_path, "pipe")
    model, image = (pipe, files / "stroke.png") if which == "--model" else (MODEL, pipe)
    try:
        result = subprocess.run([sys.executable, "-m", "digitnet", "predict", "--model", str(model), str(image)],
                                cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
                                timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"predict waited on the pipe given as {which}")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"digitnet: {pipe}: {'cannot be read' if which == '--model' else 'cannot open the file'}" \
        f": it is a pipe, not {'a model' if which == '--model' else 'an image'} file\n"


@pytest.mark.parametrize("force", [False, True])
def test_save_and_export_to_the_same_file_is_refused_before_training(tmp_path, monkeypatch, force):
    """One would overwrite the other once the run is trained: the model, or with --force the code, lost."""
    monkeypatch.chdir(tmp_path)
    how, status, out, err = cli([*TRAIN, "--save", "run.py", "--export", f"{tmp_path}/./run.py", *["--force"] * force])
    check_ending(how, status, err)
    assert how == "exit" and "epoch" not in out and "--save and --export both name run.py" in err
    assert list(tmp_path.iterdir()) == []

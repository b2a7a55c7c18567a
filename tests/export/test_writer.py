"""Runs written out as code: each exported script or notebook, run on its own in a temporary folder
outside the repository with nothing of digitnet importable, ends exactly where the engine's run ends."""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from digitnet.cli import main
from digitnet.errors import ExportError
from digitnet.export.writer import check_destination, check_source, export, replay_settings
from digitnet.files.idx import format_idx
from digitnet.files.mnist import ASSETS, ENV_VAR, Assets
from digitnet.lesson.dataset import load_dataset
from digitnet.lesson.run import EpochResult, Run
from digitnet.lesson.settings import Settings
from digitnet.lesson.stepper import Stepper

REPO = Path(__file__).resolve().parents[2]
ALLOWED_IMPORTS = {"argparse", "gzip", "json", "math", "struct", "time", "functools", "pathlib", "torch",
                   "torch.nn", "torch.nn.functional"}
# Short runs that together cover both models, the three optimisers, shuffled and not, both losses and
# cross-entropy, both inits, augmentation, other digits and hidden sizes.
CASES = {
    "linear-sgd-in-order": dict(model="linear", lr=1.0, bs=256, loss="mnist", opt="sgd", shuffle=False, epochs=2),
    "linear-sgd-shuffled": dict(model="linear", lr=0.1, loss="bce", opt="sgd", init="randn", epochs=2),
    "linear-adam-in-order": dict(model="linear", loss="mnist", opt="adam", shuffle=False, epochs=2),
    "linear-adam-shuffled-ten": dict(model="linear", digits="all", bs=1000, opt="adam", epochs=1),
    "linear-momentum-shuffled": dict(model="linear", lr=0.1, loss="mnist", opt="momentum", epochs=2),
    "mlp-sgd-in-order": dict(model="mlp", lr=1.0, loss="mnist", opt="sgd", shuffle=False, hidden=(16,), epochs=2),
    "mlp-sgd-shuffled-augmented": dict(model="mlp", lr=0.1, opt="sgd", augment=True, epochs=1),
    "mlp-adam-in-order": dict(model="mlp", opt="adam", shuffle=False, init="randn", bs=128, epochs=2),
    "mlp-adam-shuffled": dict(model="mlp", opt="adam", digits=(3, 8), epochs=2),
}


def trained(**settings) -> Run:
    settings = Settings(seed=7, **settings).checked()
    run = Run(settings, load_dataset(settings.digits), name="run 1")
    for _ in run.fit():
        pass
    return run


def run_script(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """python run.py ARGS in `folder`, where nothing of digitnet can be imported."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", ENV_VAR)}
    return subprocess.run([sys.executable, "run.py", *args], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300)


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def imports(code: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add(node.module)
    return found


def assert_same_epochs(lines: list[dict], run: Run) -> None:
    """The script's epochs are the engine's: every loss to float precision, the accuracy to 1e-4."""
    assert [line["epoch"] for line in lines] == [e.epoch for e in run.history]
    for line, epoch in zip(lines, run.history, strict=True):
        assert line["accuracy"] == pytest.approx(epoch.accuracy, abs=1e-4)
        assert line["train_loss"] == pytest.approx(epoch.train_loss, rel=1e-6)
        assert line["valid_loss"] == pytest.approx(epoch.valid_loss, rel=1e-6)


def table_rows(text: str) -> list[list[str]]:
    """The lesson's table from printed text: each epoch's row without its time."""
    rows = [line.split() for line in text.splitlines()]
    return [row[:4] for row in rows if len(row) == 5 and row[0].isdigit() and row[4].endswith("s")]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_exported_script_replays_the_run(case, tmp_path):
    run = trained(**case)
    code = export(run, "run.py", str(ASSETS))
    (tmp_path / "run.py").write_text(code)
    result = run_script(tmp_path, "--data", str(ASSETS), "--json")
    assert result.returncode == 0, result.stderr
    *epochs, summary = json_lines(result.stdout)
    assert_same_epochs(epochs, run)
    assert summary["done"] is True and summary["stopped"] is False
    assert summary["accuracy"] == pytest.approx(run.metrics()["accuracy"], abs=1e-4)
    assert (summary["n_train"], summary["n_valid"]) == (len(run.data.train_x), len(run.data.valid_x))
    assert summary["settings"] == json.loads(json.dumps(run.settings.to_dict()))
    assert imports(code) <= ALLOWED_IMPORTS
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--select", "E,F,W,I",
                           "--line-length", "120", "run.py"], cwd=tmp_path, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


def test_a_diverging_run_diverges_at_the_same_batch_with_the_same_words(tmp_path):
    run = Run(Settings(model="mlp", opt="sgd", lr=100.0, epochs=3, seed=0), load_dataset((2, 6)), name="run 1")
    with pytest.raises(Exception, match="diverged"):
        for _ in run.fit():
            pass
    (tmp_path / "run.py").write_text(export(run, "run.py"))
    result = run_script(tmp_path, "--data", str(ASSETS), "--json")
    assert result.returncode == 1
    summary = json_lines(result.stdout)[-1]
    assert summary["done"] is False and summary["accuracy"] is None
    assert summary["error"] == run.diverged
    assert result.stderr.strip() == run.diverged


@pytest.fixture(scope="module")
def idx_folder(tmp_path_factory):
    """MNIST's four IDX files, as distributed (uncompressed), holding the 2s, 6s and 7s of the shipped
    copy interleaved: the script must pick each digit's images out in their order."""
    folder = tmp_path_factory.mktemp("idx")
    assets = Assets()
    for split, prefix in (("train", "train"), ("test", "t10k")):
        per_digit = {d: assets.images(split, d) for d in (2, 6, 7)}
        longest = max(len(images) for images in per_digit.values())
        images, labels = [], []
        for i in range(longest):
            for digit, found in per_digit.items():
                if i < len(found):
                    images.append(found[i])
                    labels.append(digit)
        (folder / f"{prefix}-images-idx3-ubyte").write_bytes(format_idx(np.stack(images)))
        (folder / f"{prefix}-labels-idx1-ubyte").write_bytes(format_idx(np.array(labels, dtype=np.uint8)))
    return folder


def test_the_command_line_exports_a_script_that_prints_its_table_from_the_four_idx_files(idx_folder, tmp_path, capsys):
    args = ["train", "--model", "mlp", "--opt", "sgd", "--lr", "0.1", "--epochs", "2", "--seed", "3",
            "--data", str(idx_folder), "--export", str(tmp_path / "run.py")]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert f"exported {tmp_path / 'run.py'}" in printed
    result = run_script(tmp_path, "--data", str(idx_folder))
    assert result.returncode == 0, result.stderr
    assert table_rows(result.stdout) == table_rows(printed) and len(table_rows(printed)) == 2
    assert result.stdout.splitlines()[-1] == next(line for line in printed.splitlines() if line.startswith("done:"))
    assert "python -m digitnet train --model mlp --digits 2 6 --epochs 2 --lr 0.1" in (tmp_path / "run.py").read_text()


def test_the_command_line_exports_json_lines_as_its_own(idx_folder, tmp_path, capsys):
    args = ["train", "--model", "linear", "--epochs", "1", "--seed", "5", "--data", str(idx_folder), "--json",
            "--export", str(tmp_path / "run.py")]
    assert main(args) == 0
    *epochs, summary = json_lines(capsys.readouterr().out)
    assert summary["exported"] == str(tmp_path / "run.py")
    result = run_script(tmp_path, "--data", str(idx_folder), "--json")
    *script_epochs, script_summary = json_lines(result.stdout)
    assert [{k: v for k, v in e.items() if k != "seconds"} for e in script_epochs] == \
           [{k: v for k, v in e.items() if k != "seconds"} for e in epochs]
    assert set(script_summary) == set(summary) - {"exported"}
    assert {k: script_summary[k] for k in ("done", "accuracy", "valid_loss", "epochs", "settings")} == \
           {k: summary[k] for k in ("done", "accuracy", "valid_loss", "epochs", "settings")}


def test_the_notebook_is_valid_and_runs_top_to_bottom_to_the_same_table(tmp_path):
    run = trained(model="mlp", opt="adam", epochs=2)
    notebook = nbformat.reads(export(run, "run.ipynb", str(ASSETS)), as_version=4)
    nbformat.validate(notebook)
    assert notebook.cells[0].cell_type == "markdown" and "seed 7" in notebook.cells[0].source
    NotebookClient(notebook, timeout=300, resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                      for output in cell.outputs)
    expected = [[str(e.epoch), f"{e.train_loss:.6f}", f"{e.valid_loss:.6f}", f"{e.accuracy:.4f}"] for e in run.history]
    assert table_rows(printed) == expected
    assert f"done: validation accuracy {run.history[-1].accuracy:.4f} after 2 epochs" in printed
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert imports(code) <= ALLOWED_IMPORTS


def test_both_forms_carry_a_header_with_the_settings_and_the_command():
    run = trained(model="linear", lr=1.0, bs=256, loss="mnist", opt="sgd", shuffle=False, epochs=1)
    script = export(run, "lesson.py")
    header = script.split("\nimport ")[0]
    assert "linear, 2 vs 6, lr 1, bs 256, mnist, sgd, unshuffled; 1 epoch, seed 7, init scaled" in " ".join(
        line.lstrip("# ") for line in header.splitlines())
    assert f"validation accuracy after 1 epoch: {run.history[-1].accuracy:.4f}" in header
    assert "python lesson.py --data DIR --json" in header
    assert "--opt sgd --no-shuffle --seed 7 --init scaled" in header
    notebook = json.loads(export(run, "lesson.ipynb"))
    first = "".join(notebook["cells"][0]["source"])
    assert "linear, 2 vs 6, lr 1, bs 256, mnist, sgd, unshuffled; 1 epoch, seed 7" in first
    assert any('DATA = Path("assets/mnist")' in "".join(c["source"]) for c in notebook["cells"])
    assert not any("argparse" in "".join(c["source"]) for c in notebook["cells"])


def test_the_code_is_written_as_the_lesson_writes_it():
    linear = export(trained(model="linear", lr=1.0, loss="mnist", opt="sgd", epochs=1), "run.py")
    for line in ("def init_params(", "def linear1(xb):", "def mnist_loss(", "loss.backward()",
                 "p.data -= p.grad * LR", "p.grad.zero_()", "torch.randperm(n, generator=generator)"):
        assert line in linear
    mlp = export(trained(model="mlp", opt="adam", epochs=1), "run.py")
    for line in ("simple_net = nn.Sequential(", "nn.Linear(28 * 28, 40), nn.ReLU(),", "nn.Linear(20, 1),",
                 "opt = torch.optim.Adam(params, lr=LR)", "F.binary_cross_entropy_with_logits"):
        assert line in mlp
    assert "def augment(" not in mlp and "momentum" not in mlp


def test_what_cannot_be_replayed_is_refused_with_the_reason(dataset):
    settings = Settings(model="linear", epochs=1, seed=0)
    fresh = Run(settings, dataset, name="run 1")
    with pytest.raises(ExportError, match="run 1 has not finished an epoch yet"):
        export(fresh, "run.py")
    loaded = Run(settings, dataset, model=fresh.model, name="mine.safetensors (uploaded)")
    with pytest.raises(ExportError, match="it was loaded from a file"):
        export(loaded, "run.py")
    stepped = Run(settings, dataset, name="run 2")
    Stepper(stepped).one_batch()
    with pytest.raises(ExportError, match="it was stepped through"):
        export(stepped, "run.py")
    changed = Run(settings, dataset, name="run 3")
    changed.change_settings(settings.replace(lr=0.1))
    with pytest.raises(ExportError, match="its settings changed while it trained"):
        replay_settings(changed)
    with pytest.raises(ExportError, match="a script \\(.py\\) or a notebook \\(.ipynb\\)"):
        export(fresh, "run.txt")


def test_a_stopped_run_is_replayed_for_the_epochs_it_finished(dataset):
    run = Run(Settings(model="linear", epochs=3, seed=0), dataset, name="run 4")
    for event in run.fit():
        if not isinstance(event, EpochResult) and event.epoch == 2 and event.batch == 5:
            break
    assert run.status == "stopped"
    assert replay_settings(run).epochs == 1
    header = export(run, "run.py").replace("\n# ", " ")
    assert "stopped during epoch 2: this code trains the 1 epoch it finished" in header


def test_an_unexportable_destination_or_source_is_refused_before_training(tmp_path):
    with pytest.raises(ExportError, match="no such folder"):
        check_destination(tmp_path / "absent" / "run.py")
    (tmp_path / "run.py").mkdir()
    with pytest.raises(ExportError, match="is a folder"):
        check_destination(tmp_path / "run.py")
    (tmp_path / "training").mkdir()
    (tmp_path / "testing").mkdir()
    with pytest.raises(ExportError, match="not a folder of pngs"):
        check_source(str(tmp_path))


def test_the_command_line_refuses_a_bad_export_name_before_training(capsys):
    assert main(["train", "--epochs", "1", "--export", "run.txt"]) == 2
    captured = capsys.readouterr()
    assert "run.txt: the exported code is a script (.py) or a notebook (.ipynb)" in captured.err
    assert "epoch" not in captured.out



# A name that closes its line, opens a code cell that prints, then a text cell: the shape of an injection.
HOSTILE = '\n# %%\nprint("INJECTED")\n# %% [markdown]\nx'
ANY_MARKER = re.compile(r"^\s*#\s*%%", re.MULTILINE)  # what Jupyter, jupytext and editors read as a cell marker


def exported_by_the_command_line(folder: Path, path: Path) -> str:
    args = ["train", "--model", "linear", "--epochs", "1", "--seed", "1", "--data", str(folder), "--export", str(path)]
    assert main(args) == 0
    return path.read_text()


def test_a_hostile_data_folder_and_file_name_stay_text_in_the_script(idx_folder, tmp_path, capsys):
    data = tmp_path / f"data{HOSTILE}"
    data.mkdir()
    for file in idx_folder.iterdir():
        (data / file.name).symlink_to(file)
    normal = exported_by_the_command_line(idx_folder, tmp_path / "run.py")
    hostile = exported_by_the_command_line(data, tmp_path / f"run{HOSTILE}.py")
    assert ast.dump(ast.parse(hostile)) == ast.dump(ast.parse(normal))  # the same code, statement for statement
    assert ANY_MARKER.findall(hostile) == ANY_MARKER.findall(normal) == []
    result = subprocess.run([sys.executable, f"run{HOSTILE}.py", "--data", str(data)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "INJECTED" not in result.stdout.splitlines() and len(table_rows(result.stdout)) == 1  # the folder's name
    # is printed, print("INJECTED") and all, but never run


def test_a_hostile_data_folder_and_file_name_stay_text_in_the_notebook(idx_folder, tmp_path, capsys):
    data = tmp_path / f"data{HOSTILE}"
    data.mkdir()
    for file in idx_folder.iterdir():
        (data / file.name).symlink_to(file)
    normal = nbformat.reads(exported_by_the_command_line(idx_folder, tmp_path / "run.ipynb"), as_version=4)
    hostile = nbformat.reads(exported_by_the_command_line(data, tmp_path / f"run{HOSTILE}.ipynb"), as_version=4)
    nbformat.validate(hostile)
    assert [cell.cell_type for cell in hostile.cells] == [cell.cell_type for cell in normal.cells]
    data_line = re.compile(r"^DATA = Path\((.*)\)", re.MULTILINE)
    code = [[data_line.sub("", cell.source) for cell in notebook.cells if cell.cell_type == "code"]
            for notebook in (hostile, normal)]
    assert code[0] == code[1]  # every code cell the same but for the folder's literal, which names the folder
    [literal] = [m[1] for cell in hostile.cells for m in data_line.finditer(cell.source)]
    assert ast.literal_eval(literal) == str(data)
    NotebookClient(hostile, timeout=300, resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(output.get("text", "") for cell in hostile.cells if cell.cell_type == "code"
                      for output in cell.outputs)
    assert "INJECTED" not in printed.splitlines() and len(table_rows(printed)) == 1



def test_a_name_that_is_not_utf8_is_exported_and_printed_not_a_crash_after_training(idx_folder, tmp_path):
    """A name the file system holds but UTF-8 cannot (\\xff) reaches Python as a lone surrogate. Printed
    where the output is strict UTF-8 (as under en_GB.UTF-8; PYTHONIOENCODING stands in for it), its bytes
    come back as they are."""
    data = tmp_path / os.fsdecode(b"data\xff")
    data.mkdir()
    for file in idx_folder.iterdir():
        (data / file.name).symlink_to(file)
    path = tmp_path / os.fsdecode(b"run\xff.py")
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR} | {"PYTHONPATH": str(REPO),
                                                                    "PYTHONIOENCODING": "utf-8:strict"}
    result = subprocess.run([sys.executable, "-m", "digitnet", "train", "--model", "linear", "--epochs", "1",
                             "--seed", "1", "--data", data, "--export", path], env=env, capture_output=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert b"exported " + os.fsencode(path) + b"\n" in result.stdout
    normal = exported_by_the_command_line(idx_folder, tmp_path / "run.py")
    assert ast.dump(ast.parse(path.read_text())) == ast.dump(ast.parse(normal))


def test_a_run_name_never_wraps_into_a_cell_marker():
    run = trained(model="linear", epochs=1)
    run.name = " ".join(["word"] * 40 + ["%% [markdown]", "\x1b[31m"] + ["%%"] * 40)
    script = export(run, "run.py")
    assert ANY_MARKER.findall(script) == [] and "\x1b" not in script
    assert "\\x1b[31m" in " ".join(line.removeprefix("# ") for line in script.splitlines())

"""The Train page through Streamlit's AppTest: settings, training, history, files, links."""

import json
import os
import subprocess
import sys

import pyarrow as pa
import pytest
import torch
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from digitnet.export.writer import export
from digitnet.files.mnist import ASSETS, ENV_VAR
from digitnet.files.modelfile import model_bytes
from digitnet.lesson.dataset import load_dataset
from digitnet.lesson.run import EpochResult
from harness.board_filler import unopenable_database
from tests.apptest import APP, open_page


def train_page(query: dict | None = None) -> AppTest:
    return open_page("train", query, timeout=120)


def texts(elements) -> str:
    return " | ".join(element.value for element in elements)


def test_training_fills_the_table_and_the_history():
    at = train_page({"model": "linear", "epochs": "2"})
    at.button(key="train_button").click().run()
    assert not at.exception
    run = at.session_state.lab.runs[-1]
    assert [e.epoch for e in run.history] == [1, 2]
    assert run.history[-1].accuracy > 0.95
    assert "run 1: validation accuracy" in texts(at.success)
    epoch_table, history_table = at.dataframe[0].value, at.dataframe[1].value
    assert list(epoch_table["epoch"]) == [1, 2]
    assert list(history_table["run"]) == ["run 1"]
    assert history_table["accuracy"][0] == pytest.approx(run.history[-1].accuracy)


def test_sliders_set_the_run_and_every_run_is_kept():
    at = train_page({"model": "linear"})
    at.slider(key="setting_epochs").set_value(1).run()
    at.select_slider(key="setting_lr").set_value(0.1).run()
    at.button(key="train_button").click().run()
    at.select_slider(key="setting_lr").set_value(1.0).run()
    at.button(key="train_button").click().run()
    assert not at.exception
    runs = at.session_state.lab.runs
    assert [r.settings.lr for r in runs] == [0.1, 1.0]
    assert all(len(r.history) == 1 for r in runs)
    assert at.multiselect(key="compare_runs").values == ["run 1", "run 2"]  # as shown


def test_settings_survive_switching_pages():
    at = train_page()
    at.select_slider(key="setting_lr").set_value(0.03).run()
    at.slider(key="setting_epochs").set_value(7).run()
    at.radio(key="setting_model").set_value("linear").run()
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/train.py").run()
    assert at.select_slider(key="setting_lr").value == 0.03
    assert at.slider(key="setting_epochs").value == 7
    assert at.radio(key="setting_model").value == "linear"


def test_a_link_opens_with_its_settings():
    at = train_page({"model": "linear", "lr": "0.3", "bs": "128", "epochs": "9", "digits": "3-8", "shuffle": "0"})
    settings = at.session_state.lab.settings
    assert (settings.model, settings.lr, settings.bs, settings.epochs) == ("linear", 0.3, 128, 9)
    assert settings.digits == (3, 8) and settings.shuffle is False
    assert at.select_slider(key="setting_lr").value == 0.3
    assert at.selectbox(key="task_a").value == 3 and at.selectbox(key="task_b").value == 8
    assert at.query_params["lr"] in ("0.3", ["0.3"])


def test_a_bad_link_parameter_is_reported_and_ignored():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"lr": "fast", "epochs": "4"})
    at.run()
    assert not at.exception
    assert "ignored lr='fast' from the link" in texts(at.warning)
    settings = at.session_state.lab.settings
    assert settings.lr == 0.003 and settings.epochs == 4


def test_the_same_digit_twice_is_refused_and_the_task_kept():
    at = train_page()
    at.selectbox(key="task_b").set_value(2).run()
    assert not at.exception
    assert at.session_state.lab.settings.digits == (2, 6)
    assert "choose two different digits" in texts(at.warning)


def test_a_diverging_run_says_so_and_suggests_a_smaller_rate():
    at = train_page({"lr": "10", "epochs": "1", "seed": "0"})  # Adam at lr 10 overshoots at once
    at.button(key="train_button").click().run()
    assert not at.exception
    assert "smaller learning rate" in texts(at.error)
    assert at.session_state.lab.runs[-1].status == "diverged"


def test_a_stopped_run_keeps_its_model_and_says_so():
    at = train_page({"model": "linear"})
    lab = at.session_state.lab
    run = lab.start_run(load_dataset((2, 6)))
    before = run.model.weights.detach().clone()
    for event in run.fit(3):  # what a click on the stop control does: leave the loop mid-epoch
        if not isinstance(event, EpochResult) and event.epoch == 2 and event.batch == 10:
            break
    at.run()
    assert run.status == "stopped" and len(run.history) == 1
    assert not run.model.weights.detach().equal(before)
    assert "was stopped after" in texts(at.info) and "keeps what it learned" in texts(at.info)
    assert at.get("download_button")


def test_loading_a_bad_file_is_refused_with_a_message():
    at = train_page()
    upload = ("notes.safetensors", b"not a model at all", "application/octet-stream")
    at.file_uploader(key="model_upload").set_value(upload)
    at.run()
    assert not at.exception
    assert "notes.safetensors" in texts(at.error)
    assert at.session_state.lab.runs == []


def test_loading_a_model_file_adds_it_to_the_session():
    data = load_dataset((2, 6))
    at = train_page({"model": "linear", "epochs": "1"})
    at.button(key="train_button").click().run()
    run = at.session_state.lab.runs[-1]
    saved = model_bytes(run.model, run.settings, run.metrics())
    fresh = train_page()
    fresh.file_uploader(key="model_upload").set_value(("mine.safetensors", saved, "application/octet-stream"))
    fresh.run()
    loaded = fresh.session_state.lab.runs[-1]
    assert loaded.status == "loaded" and loaded.name == "mine.safetensors (uploaded)"
    assert loaded.model(data.valid_x[:5]).detach().equal(run.model(data.valid_x[:5]).detach())
    assert "Loaded mine.safetensors" in texts(fresh.success)


def test_sliders_at_their_extremes_train_and_the_session_keeps_working():
    at = train_page({"model": "linear", "seed": "0"})
    at.select_slider(key="setting_lr").set_value(0.0001).run()
    at.select_slider(key="setting_bs").set_value(11_876).run()  # the whole set: one step per epoch
    at.slider(key="setting_epochs").set_value(100).run()
    at.button(key="train_button").click().run()
    assert not at.exception and "after 100 epochs" in texts(at.success)
    at.select_slider(key="setting_lr").set_value(10.0).run()
    at.select_slider(key="setting_bs").set_value(1).run()  # one image per step
    at.slider(key="setting_epochs").set_value(1).run()
    at.button(key="train_button").click().run()
    assert not at.exception
    second = at.session_state.lab.runs[-1]
    assert second.settings.bs == 1 and second.status in ("done", "diverged")
    assert "run 2" in texts(at.success) + texts(at.error)


def test_an_uploaded_model_of_other_digits_says_the_task_changed_and_joins_the_history():
    data = load_dataset((3, 8))
    from digitnet.lesson.run import Run
    from digitnet.lesson.settings import Settings

    run = Run(Settings(model="linear", digits=(3, 8), epochs=1, seed=0), data)
    list(run.fit())
    at = train_page()
    at.file_uploader(key="model_upload").set_value(
        ("three-eight.safetensors", model_bytes(run.model, run.settings, run.metrics()), "application/octet-stream"))
    at.run()
    assert not at.exception
    assert at.session_state.lab.settings.digits == (3, 8)
    assert "tells 3 vs 8, so every page now does too (it was 2 vs 6)" in texts(at.info)
    history = next(d.value for d in at.dataframe if "run" in d.value.columns)
    assert list(history["run"]) == ["three-eight.safetensors (uploaded)"]
    assert history["accuracy"][0] == pytest.approx(run.history[-1].accuracy)


def test_two_files_of_one_name_are_two_runs_and_each_starts_again_as_itself():
    from digitnet.lesson.run import Run
    from digitnet.lesson.settings import Settings

    data, at = load_dataset((2, 6)), train_page()
    for seed in (1, 2):
        run = Run(Settings(model="linear", epochs=1, seed=seed), data)
        list(run.fit())
        at.file_uploader(key="model_upload").set_value(
            ("digitnet-linear-2v6.safetensors", model_bytes(run.model, run.settings, run.metrics()), "x")).run()
    names = ["digitnet-linear-2v6.safetensors (uploaded)", "digitnet-linear-2v6.safetensors (uploaded, 2)"]
    history = next(d.value for d in at.dataframe if "run" in d.value.columns)
    assert list(history["run"]) == names
    assert at.selectbox(key="again_from").options == names
    at.selectbox(key="again_from").set_value(at.session_state.lab.runs[1].id).run()
    at.button(key="again_button").click().run()
    assert not at.exception
    again = at.session_state.lab.runs[-1]
    assert again.same_start_as == names[1] and again.settings.seed == 2  # the second file's, not the first's


def test_the_page_says_whether_the_work_is_saved(tmp_path, monkeypatch):
    assert "Saved as you go" in texts(train_page().caption)
    monkeypatch.setenv("DIGITNET_DATABASE_URL", unopenable_database(tmp_path).replace("sqlite:", "mysql:"))
    assert "lives in this browser tab only" in texts(train_page().caption)


def test_the_lessons_settings_with_a_huge_rate_say_the_model_learned_nothing():
    at = train_page({"model": "linear", "lr": "10.0", "bs": "256", "loss": "mnist", "opt": "sgd", "shuffle": "0",
                     "epochs": "3", "seed": "0"})
    at.button(key="train_button").click().run()
    assert not at.exception and not at.success
    assert "learned nothing: it answers 2 for almost every image" in texts(at.warning)


def test_a_huge_link_value_is_quoted_short():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"model": "x" * 100_000})
    at.run()
    [warning] = at.warning
    assert "ignored model=" in warning.value and len(warning.value) < 200


def overlay_series(at: AppTest) -> set[str]:
    """The names of the curves of the run history's overlay, as sent to the browser."""
    chart = at.get("vega_lite_chart")[-1]  # below the live run's curves
    return set(pa.ipc.open_stream(chart.proto.data.data).read_all().column("series").to_pylist())


def test_export_buttons_send_the_script_and_notebook_that_replay_the_run(monkeypatch, tmp_path):
    sent = {}  # file name -> bytes, as the page hands them to Streamlit's media files
    original = MediaFileManager.add

    def keep_what_is_sent(self, data, mimetype, coordinates, file_name=None, **kwargs):
        sent[file_name] = data
        return original(self, data, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", keep_what_is_sent)
    at = train_page({"model": "mlp", "opt": "sgd", "lr": "0.1", "epochs": "1", "seed": "4"})
    at.button(key="train_button").click().run()
    assert not at.exception
    labels = [button.proto.label for button in at.get("download_button")]
    assert "Export as a script (.py)" in labels and "Export as a notebook (.ipynb)" in labels
    run = at.session_state.lab.runs[-1]
    script = sent["digitnet-run-1.py"].decode()
    assert script == export(run, "digitnet-run-1.py")
    notebook = json.loads(sent["digitnet-run-1.ipynb"])
    assert notebook["nbformat"] == 4 and "seed 4" in "".join(notebook["cells"][0]["source"])
    (tmp_path / "digitnet-run-1.py").write_text(script)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", ENV_VAR)}
    result = subprocess.run([sys.executable, "digitnet-run-1.py", "--data", str(ASSETS), "--json"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["accuracy"] == pytest.approx(run.history[-1].accuracy, abs=1e-4)


def test_a_run_that_cannot_be_replayed_says_why_instead_of_offering_code():
    at = train_page({"model": "linear"})
    lab = at.session_state.lab
    run = lab.start_run(load_dataset((2, 6)))
    for event in run.fit(1):  # stopped before its first epoch ends
        if event.batch == 3:
            break
    at.run()
    assert not [b for b in at.get("download_button") if b.proto.label.startswith("Export")]
    assert "run 1 has not finished an epoch yet" in texts(at.caption)


def test_train_again_from_the_same_start_compares_only_what_changed():
    at = train_page({"model": "linear", "lr": "1.0", "bs": "256", "loss": "mnist", "opt": "sgd", "epochs": "2",
                     "seed": "3"})
    at.button(key="train_button").click().run()
    at.select_slider(key="setting_lr").set_value(0.1).run()
    at.radio(key="setting_model").set_value("mlp").run()  # the new run takes run 1's model all the same
    at.number_input(key="setting_seed").set_value(11).run()
    assert at.selectbox(key="again_from").options[at.selectbox(key="again_from").index] == "run 1"
    at.button(key="again_button").click().run()
    assert not at.exception
    first, again = at.session_state.lab.runs
    assert (again.settings.model, again.settings.seed, again.settings.lr) == ("linear", 3, 0.1)
    assert [len(run.history) for run in (first, again)] == [2, 2]
    assert all(torch.equal(again.snapshots[0][name], value) for name, value in first.snapshots[0].items())
    history = next(d.value for d in at.dataframe if "run" in d.value.columns)
    assert list(history["run"]) == ["run 1", "run 2 (same start as run 1)"]
    assert overlay_series(at) == {"run 1: lr 1.0", "run 2 (same start as run 1): lr 0.1"}
    assert "begins from exactly its first weights" in texts(at.caption)

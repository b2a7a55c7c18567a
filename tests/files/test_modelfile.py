import json
import math
import os
import struct
import tomllib
from pathlib import Path

import pytest
import torch
from safetensors.torch import save as save_tensors

from digitnet.errors import ModelFileError, SettingsError
from digitnet.files.modelfile import MAX_BYTES, load_model, model_bytes, read_model_file, save_model
from digitnet.lesson.dataset import load_dataset
from digitnet.lesson.models import build_model
from digitnet.lesson.run import Run
from digitnet.lesson.settings import MAX_PARAMETERS, Settings, parameter_count


@pytest.fixture(scope="module")
def run():
    run = Run(Settings(model="linear", epochs=1, seed=0), load_dataset())
    for _ in run.fit():
        pass
    return run


@pytest.fixture(scope="module")
def metrics(run):
    valid_loss, accuracy = run.evaluate()
    return {"accuracy": accuracy, "valid_loss": valid_loss, "epochs": len(run.history)}


@pytest.fixture(scope="module")
def good(run, metrics):
    return model_bytes(run.model, run.settings, metrics)


def split_file(data):
    """(header as a dict, the tensor bytes after it)."""
    (length,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8 : 8 + length]), data[8 + length :]


def join_file(header, body):
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + body


def with_description(data, change):
    header, body = split_file(data)
    description = json.loads(header["__metadata__"]["digitnet"])
    change(description)
    header["__metadata__"]["digitnet"] = json.dumps(description)
    return join_file(header, body)


def test_round_trip(run, metrics, tmp_path):
    path = save_model(tmp_path / "model.safetensors", run.model, run.settings, metrics)
    saved = read_model_file(path)
    assert saved.settings == run.settings
    assert saved.metrics == metrics
    x = load_dataset().valid_x[:100]
    assert torch.equal(saved.model(x), run.model(x))
    assert f"validation accuracy {metrics['accuracy']:.4f}" in saved.describe()


@pytest.mark.parametrize("settings", [Settings(hidden=(7, 5), init="randn", seed=1),
                                      Settings(model="linear", digits="all", seed=2)])
def test_round_trip_of_other_models(settings):
    settings = settings.checked()
    n_outputs = 1 if len(settings.digits) == 2 else 10
    model = build_model(settings.model, n_outputs, settings.hidden, settings.init)
    saved = load_model(model_bytes(model, settings, {}))
    assert saved.settings == settings
    for (name, p), (saved_name, q) in zip(model.named_parameters(), saved.model.named_parameters()):
        assert name == saved_name and torch.equal(p, q)


def test_random_bytes():
    with pytest.raises(ModelFileError, match="not a safetensors model file"):
        load_model(os.urandom(4096))


@pytest.mark.parametrize("keep", [5, 40, -10])
def test_truncated(good, keep):
    with pytest.raises(ModelFileError, match="too short|bad header length|damaged"):
        load_model(good[:keep])


def test_unreadable_header():
    with pytest.raises(ModelFileError, match="unreadable header"):
        load_model(struct.pack("<Q", 4) + b"\xff\xfe{[")
    with pytest.raises(ModelFileError, match="header is not an object"):
        load_model(struct.pack("<Q", 2) + b"[]")


def test_safetensors_from_elsewhere(run):
    data = save_tensors({"weights": run.model.weights.detach(), "bias": run.model.bias.detach()})
    with pytest.raises(ModelFileError, match="not a digitnet model file"):
        load_model(data)
    data = save_tensors({"w": torch.zeros(3)}, metadata={"format": "pt"})
    with pytest.raises(ModelFileError, match="not a digitnet model file"):
        load_model(data)


def test_other_version(good):
    header, body = split_file(good)
    header["__metadata__"]["version"] = "2"
    with pytest.raises(ModelFileError, match="version '2' is not supported"):
        load_model(join_file(header, body))


def test_tensors_that_do_not_fit_the_description(run, metrics):
    # a valid digitnet file, but the header says mlp while the tensors are a linear model's
    data = model_bytes(run.model, run.settings.replace(model="mlp"), metrics)
    with pytest.raises(ModelFileError, match="tensor 'bias' .* does not belong to a mlp 40-20"):
        load_model(data)


def test_tensor_shape_edited(good):
    header, body = split_file(good)
    header["weights"]["shape"] = [392, 2]
    with pytest.raises(ModelFileError, match=r"tensor 'weights' \(392, 2\) does not belong"):
        load_model(join_file(header, body))


def test_tensor_dtype_edited(run, metrics):
    tensors = {name: p.detach().double() for name, p in run.model.named_parameters()}
    metadata = {"format": "digitnet-model", "version": "1",
                "digitnet": json.dumps({"settings": run.settings.to_dict(), "metrics": metrics})}
    with pytest.raises(ModelFileError, match="does not belong"):
        load_model(save_tensors(tensors, metadata=metadata))


@pytest.mark.parametrize("shape", [5, None, "784"])
def test_tensor_shape_not_a_list(good, shape):
    header, body = split_file(good)
    header["weights"]["shape"] = shape
    with pytest.raises(ModelFileError, match="tensor 'weights' .*does not belong"):
        load_model(join_file(header, body))


def test_missing_tensor(run, metrics):
    tensors = {"weights": run.model.weights.detach()}
    metadata = {"format": "digitnet-model", "version": "1",
                "digitnet": json.dumps({"settings": run.settings.to_dict(), "metrics": metrics})}
    with pytest.raises(ModelFileError, match=r"lacks tensors \['bias'\]"):
        load_model(save_tensors(tensors, metadata=metadata))


def test_tensor_offsets_edited(good):
    header, body = split_file(good)
    header["weights"]["data_offsets"] = [4, 3000]
    with pytest.raises(ModelFileError, match="tensors in the file are damaged"):
        load_model(join_file(header, body))


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.pop("settings"),
        lambda d: d["settings"].update(lr=-1),
        lambda d: d["settings"].update(digits=[3, 3]),
        lambda d: d.update(settings=[]),
        lambda d: d.update(settings="mlp"),
        lambda d: d.update(metrics=7),
    ],
)
def test_damaged_description(good, change):
    with pytest.raises(ModelFileError, match="model description in the file is damaged"):
        load_model(with_description(good, change))


def test_description_not_json(good):
    header, body = split_file(good)
    header["__metadata__"]["digitnet"] = "{settings"
    with pytest.raises(ModelFileError, match="model description in the file is damaged"):
        load_model(join_file(header, body))


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_nan_weights(run, metrics, value):
    model = build_model("linear")
    with torch.no_grad():
        model.weights[10, 0] = value
    with pytest.raises(ModelFileError, match="tensor 'weights' holds NaN or infinite values"):
        load_model(model_bytes(model, run.settings, metrics))


def test_oversized(tmp_path):
    with pytest.raises(ModelFileError, match="too large"):
        load_model(bytes(MAX_BYTES + 1))
    path = tmp_path / "huge.safetensors"
    with open(path, "wb") as file:
        file.truncate(MAX_BYTES + 1)
    with pytest.raises(ModelFileError, match="huge.safetensors: .* too large"):
        read_model_file(path)


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match=r"absent.safetensors: cannot be read \(No such file"):
        read_model_file(tmp_path / "absent.safetensors")


def test_file_errors_name_the_file(tmp_path):
    path = tmp_path / "notes.safetensors"
    path.write_text("not a model")
    with pytest.raises(ModelFileError, match="notes.safetensors: "):
        read_model_file(path)


# The largest nets the settings allow: a first layer of 1024, or four layers of 512 for ten digits.
LARGEST = [Settings(hidden=(1024,), seed=0), Settings(digits="all", hidden=(512,) * 4, seed=0)]


@pytest.mark.parametrize("settings", LARGEST, ids=["1024", "512x4-ten"])
def test_the_largest_allowed_models_load_back_within_the_upload_limit(settings, tmp_path):
    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())
    settings = settings.checked()
    assert parameter_count(settings.layer_sizes) <= MAX_PARAMETERS
    model = build_model(settings.model, settings.n_outputs, settings.hidden)
    data = model_bytes(model, settings, {"accuracy": 0.5})
    assert len(data) <= MAX_BYTES <= config["server"]["maxUploadSize"] * 1024 * 1024
    loaded = load_model(data)
    assert all(torch.equal(p, dict(loaded.model.named_parameters())[name]) for name, p in model.named_parameters())
    path = save_model(tmp_path / "big.safetensors", model, settings, {})
    assert read_model_file(path).settings == settings


def test_a_net_too_large_to_load_back_is_refused_before_it_is_made():
    with pytest.raises(SettingsError, match="at most 1,200,000"):
        Settings(hidden=(1024,) * 4).checked()

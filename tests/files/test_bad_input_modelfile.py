"""Property tests: model files that are damaged, truncated, forged or not model files at all."""

import json
import math
import struct
from dataclasses import fields
from pathlib import Path

import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from safetensors.torch import save as save_tensors

from digitnet.errors import ModelFileError
from digitnet.files.modelfile import (
    MAX_BYTES,
    MAX_HEADER,
    SavedModel,
    check_destination,
    load_model,
    read_model_file,
    save_model,
)
from digitnet.lesson.settings import Settings
from tests.bad_input import outcome, pipe_with_an_end

MODELS = Path(__file__).resolve().parents[2] / "assets" / "models"
LINEAR = (MODELS / "default-linear-2v6.safetensors").read_bytes()
MLP = (MODELS / "default-mlp-2v6.safetensors").read_bytes()
FILES = {"linear": LINEAR, "mlp": MLP}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def split_file(data: bytes) -> tuple[dict, bytes]:
    (length,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8 : 8 + length]), data[8 + length :]


def join_file(header, body: bytes) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + body


def check_load(data: bytes):
    """load_model(data) is a working model, or a ModelFileError with a readable message."""
    result = outcome(load_model, data)
    if isinstance(result, Exception):
        assert isinstance(result, ModelFileError), type(result)
        return result
    assert isinstance(result, SavedModel)
    assert result.settings == result.settings.checked()
    assert result.describe()  # the pages show it
    n_outputs = 1 if len(result.settings.digits) == 2 else 10
    with torch.no_grad():
        assert result.model(torch.zeros(2, 784)).shape == (2, n_outputs)
    return result


def test_the_real_files_load():
    for data in FILES.values():
        assert isinstance(check_load(data), SavedModel)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200))
@example(b"")
@example(b"\0" * 8)
@example(struct.pack("<Q", 2) + b"{}")
def test_random_bytes(data):
    assert isinstance(check_load(data), ModelFileError)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(FILES)), st.data())
def test_every_truncation_is_refused(kind, data):
    whole = FILES[kind]
    length = data.draw(st.one_of(st.integers(0, 300), st.integers(0, len(whole) - 1)))
    assert isinstance(check_load(whole[:length]), ModelFileError)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_bit_flips(data):
    """A flip in the tensors may leave a working model; a flip anywhere else must be caught."""
    damaged = bytearray(LINEAR)
    header_end = 8 + struct.unpack("<Q", LINEAR[:8])[0]
    where = data.draw(st.sampled_from([(0, 8), (8, header_end), (header_end, len(LINEAR))]))
    for position in data.draw(st.lists(st.integers(*where).filter(lambda p: p < len(LINEAR)), min_size=1, max_size=6)):
        damaged[position] ^= 1 << data.draw(st.integers(0, 7))
    check_load(bytes(damaged))


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.integers(0, 2**64 - 1), st.sampled_from([0, 1, len(LINEAR) - 7, MAX_HEADER + 1, 2**64 - 1])))
def test_any_header_length(length):
    """The length prefix is the first thing read: huge, zero or past the end of the file."""
    data = struct.pack("<Q", length) + LINEAR[8:]
    result = check_load(data)
    assert isinstance(result, ModelFileError) or length == struct.unpack("<Q", LINEAR[:8])[0]


@settings(max_examples=150, deadline=None)
@given(json_values)
@example([[[[]]]])
def test_a_header_of_any_json(header):
    assert isinstance(check_load(join_file(header, b"")), ModelFileError)


@pytest.mark.parametrize("text", [b"[" * 60_000, b'{"a":' * 10_000 + b"1" + b"}" * 10_000, b"\xff\xfe{}", b'"\xc3"'])
def test_headers_that_json_cannot_read(text):
    """Nesting deep enough to exhaust Python's recursion, and text that is not UTF-8."""
    assert isinstance(check_load(struct.pack("<Q", len(text)) + text + LINEAR[-100:]), ModelFileError)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["weights", "bias"]), st.sampled_from(["shape", "dtype", "data_offsets", None]), json_values)
def test_a_tensor_entry_of_any_type(name, key, value):
    header, body = split_file(LINEAR)
    original = header[name] if key is None else header[name][key]
    if key is None:
        header[name] = value
    else:
        header[name][key] = value
    assert isinstance(check_load(join_file(header, body)), ModelFileError) or value == original


def tensors_of(data: bytes) -> tuple[dict, dict]:
    """The tensors of a model file and its metadata, to write a well-formed safetensors file from."""
    saved = load_model(data)
    header, _ = split_file(data)
    return {name: p.detach().clone() for name, p in saved.model.named_parameters()}, header["__metadata__"]


DTYPES = [torch.float64, torch.float16, torch.bfloat16, torch.int32, torch.int64, torch.uint8, torch.bool]


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(sorted(FILES)), st.data())
def test_a_valid_safetensors_file_of_the_wrong_tensors(kind, data):
    tensors, metadata = tensors_of(FILES[kind])
    name = data.draw(st.sampled_from(sorted(tensors)))
    change = data.draw(st.sampled_from(["drop", "extra", "reshape", "dtype", "empty"]))
    if change == "drop":
        del tensors[name]
    elif change == "extra":
        tensors[data.draw(st.text(min_size=1, max_size=10).filter(lambda n: n not in tensors))] = torch.zeros(3)
    elif change == "reshape":
        shape = data.draw(st.lists(st.integers(0, 50), max_size=3).filter(lambda s: tuple(s) != tensors[name].shape))
        tensors[name] = torch.zeros(shape)
    elif change == "dtype":
        tensors[name] = tensors[name].to(data.draw(st.sampled_from(DTYPES)))
    else:
        tensors = {}
    assert isinstance(check_load(save_tensors(tensors, metadata=metadata)), ModelFileError)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["weights", "bias"]), st.sampled_from([math.nan, math.inf, -math.inf]))
def test_non_finite_weights(name, value):
    tensors, metadata = tensors_of(LINEAR)
    tensors[name][0] = value
    assert "NaN or infinite" in str(check_load(save_tensors(tensors, metadata=metadata)))


def with_description(change) -> bytes:
    header, body = split_file(LINEAR)
    description = json.loads(header["__metadata__"]["digitnet"])
    change(description)
    header["__metadata__"]["digitnet"] = json.dumps(description)
    return join_file(header, body)


odd_values = st.one_of(
    json_values,
    st.sampled_from([math.inf, -math.inf, math.nan, 10**30, -1, 0, [math.inf], [math.nan, 6], [10**30], "all",
                     [2, 2], [1024] * 5, [0], "2 6", True, []]),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([f.name for f in fields(Settings)]), odd_values)
@example("hidden", [math.inf])
@example("digits", [math.inf, 6])
@example("seed", math.inf)
@example("lr", "\n")  # a text learning rate was quoted without repr: a message of two lines
@example("lr", 10**400)  # past the largest float: math.isfinite raised OverflowError
@example("lr", -(10**400))
def test_settings_of_any_value(field, value):
    """Each setting in the file's description, given any value: a model that matches it, or a clear refusal."""
    result = check_load(with_description(lambda d: d["settings"].update({field: value})))
    if isinstance(result, SavedModel):
        assert result.settings == Settings.from_dict({**split_description()["settings"], field: value})


def split_description() -> dict:
    return json.loads(split_file(LINEAR)[0]["__metadata__"]["digitnet"])


def test_a_description_nested_too_deep():
    header, body = split_file(LINEAR)
    header["__metadata__"]["digitnet"] = "[" * 50_000
    assert "description in the file is damaged" in str(check_load(join_file(header, body)))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["settings", "metrics", None]), odd_values)
def test_a_description_of_any_shape(part, value):
    def change(description):
        if part is None:
            description.clear()
            description["anything"] = value
        else:
            description[part] = value

    check_load(with_description(change))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["format", "version", "digitnet"]), st.one_of(json_values, st.text()))
def test_metadata_of_any_value(key, value):
    header, body = split_file(LINEAR)
    header["__metadata__"][key] = value
    result = check_load(join_file(header, body))
    assert isinstance(result, ModelFileError) or value == split_file(LINEAR)[0]["__metadata__"][key]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model_files")
    (folder / "a folder.safetensors").mkdir()
    with open(folder / "huge.safetensors", "wb") as file:
        file.truncate(MAX_BYTES + 1)  # sparse: costs no disk
    (folder / "good.safetensors").write_bytes(LINEAR)
    return folder


@pytest.mark.parametrize(
    ("name", "says"),
    [("missing.safetensors", "cannot be read"), ("a folder.safetensors", "cannot be read"),
     ("huge.safetensors", "too large"), ("no such folder/x.safetensors", "cannot be read"), ("", "cannot be read"),
     ("x" * 300, "cannot be read"), ("nul\0byte", "cannot be read")],
)
def test_paths_that_are_not_model_files(folder, name, says):
    error = outcome(read_model_file, str(folder / name) if name else str(folder))
    assert isinstance(error, ModelFileError) and says in str(error)


def test_a_pipe_that_never_ends(folder):
    """A pipe, like /dev/zero, has no size to check first, and waits for a writer: it is refused unopened."""
    pipe = folder / "endless.safetensors"
    with pipe_with_an_end(pipe, 4 * MAX_BYTES) as written:
        error = outcome(read_model_file, pipe)
    assert isinstance(error, ModelFileError) and "cannot be read: it is a pipe, not a model file" in str(error)
    assert sum(written) < 2 * MAX_BYTES


@pytest.mark.parametrize("name", ["a folder.safetensors", "no such folder/model.safetensors", "/dev/full"])
def test_a_model_that_cannot_be_written(folder, name):
    """check_destination refuses before training what it can; save_model says why a write failed."""
    path = folder / name
    saved = load_model(LINEAR)
    error = outcome(save_model, path, saved.model, saved.settings, saved.metrics)
    assert isinstance(error, ModelFileError) and str(path) in str(error)
    if name != "/dev/full":  # a full disk shows only when written to
        assert isinstance(outcome(check_destination, path), ModelFileError)


def test_a_good_destination_is_left_untouched(folder):
    assert check_destination(folder / "new.safetensors") is None
    assert not (folder / "new.safetensors").exists()


def test_a_good_path(folder):
    assert isinstance(read_model_file(folder / "good.safetensors"), SavedModel)


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_any_file_name(folder, name):
    """A name may hold slashes, dots or NUL: it is either the one good file or a clear refusal."""
    path = str(folder) + "/" + name
    result = outcome(read_model_file, path)
    assert isinstance(result, ModelFileError) or Path(path).resolve() == folder / "good.safetensors"

"""Model files: safetensors holding the parameters, with a description in its header.

safetensors stores raw tensors and a JSON header, so loading a file runs no code: a file
from a stranger is only ever data. Everything in it is checked against the model the
header describes before it is used.
"""

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from ..errors import DigitnetError, ModelFileError
from ..lesson.models import build_model
from ..lesson.settings import MAX_PARAMETERS, Settings
from .destination import check_writable, write_file
from .kinds import not_a_file

FORMAT = "digitnet-model"
VERSION = "1"
MAX_HEADER = 64 * 1024
MAX_BYTES = 8 + MAX_HEADER + 4 * MAX_PARAMETERS  # the largest model the settings allow, and its header
SUFFIX = ".safetensors"


@dataclass
class SavedModel:
    model: object
    settings: Settings  # how it was trained: model kind, digits, sizes, ...
    metrics: dict  # how it did: accuracy, epochs, ...

    def describe(self) -> str:
        accuracy = self.metrics.get("accuracy")
        scored = f", validation accuracy {accuracy:.4f}" if isinstance(accuracy, float) else ""
        return f"{self.settings.describe()}{scored}"


def model_bytes(model, settings: Settings, metrics: dict) -> bytes:
    """The model as the bytes of a model file."""
    description = json.dumps({"settings": settings.to_dict(), "metrics": metrics})
    tensors = {name: p.detach().contiguous() for name, p in model.named_parameters()}
    return save_tensors(tensors, metadata={"format": FORMAT, "version": VERSION, "digitnet": description})


def check_destination(path, replace: bool = False) -> None:
    check_writable(path, ModelFileError, "the model", replace)


def save_model(path, model, settings: Settings, metrics: dict, replace: bool = False) -> Path:
    """The model written to `path`, whole or not at all; a file already there is kept unless `replace`."""
    return write_file(path, model_bytes(model, settings, metrics), ModelFileError, "the model", replace)


def read_model_file(path) -> SavedModel:
    path = Path(path)
    try:
        if kind := not_a_file(path):
            raise ModelFileError(f"{path}: cannot be read: it is {kind}, not a model file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ModelFileError(f"{path}: {size:,} bytes is too large for a digitnet model file")
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)  # a device such as /dev/zero reports size 0 and never ends
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot be read ({exc.strerror})") from None
    except ValueError:  # a NUL in the name
        raise ModelFileError(f"{path}: cannot be read (not a valid file name)") from None
    try:
        return load_model(data)
    except ModelFileError as exc:
        raise ModelFileError(f"{path}: {exc}") from None


def load_model(data: bytes) -> SavedModel:
    """The model in a file's bytes; ModelFileError says why when they are not one."""
    if len(data) > MAX_BYTES:
        raise ModelFileError(f"{len(data):,} bytes is too large for a digitnet model file")
    header = _header(data)
    metadata = header.get("__metadata__")
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ModelFileError("this is not a digitnet model file (a safetensors file from somewhere else?)")
    if metadata.get("version") != VERSION:
        raise ModelFileError(f"model file version {metadata.get('version')!r} is not supported")
    try:
        description = json.loads(metadata["digitnet"])
        settings = Settings.from_dict(description["settings"])
        metrics = dict(description["metrics"])
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError, DigitnetError) as exc:
        raise ModelFileError(f"the model description in the file is damaged ({exc})") from None
    model = build_model(settings.model, settings.n_outputs, settings.hidden)
    expected = dict(model.named_parameters())
    found = {name: spec for name, spec in header.items() if name != "__metadata__"}
    for name, spec in found.items():
        shape = tuple(spec["shape"]) if isinstance(spec, dict) and isinstance(spec.get("shape"), list) else None
        if name not in expected or shape != tuple(expected[name].shape) or spec.get("dtype") != "F32":
            raise ModelFileError(f"tensor {name!r} {shape} does not belong to a {settings.describe()} model")
    if missing := expected.keys() - found.keys():
        raise ModelFileError(f"the file lacks tensors {sorted(missing)}")
    try:
        tensors = load_tensors(data)
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"the tensors in the file are damaged ({exc})") from None
    with torch.no_grad():
        for name, p in expected.items():
            if not torch.isfinite(tensors[name]).all():
                raise ModelFileError(f"tensor {name!r} holds NaN or infinite values")
            p.copy_(tensors[name])
    return SavedModel(model, settings, metrics)


def _header(data: bytes) -> dict:
    if len(data) < 8:
        raise ModelFileError("the file is too short to be a model file")
    (length,) = struct.unpack("<Q", data[:8])
    if length > MAX_HEADER or 8 + length > len(data):
        raise ModelFileError("this is not a safetensors model file (bad header length)")
    try:
        header = json.loads(data[8 : 8 + length])
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # RecursionError: nested too deep
        raise ModelFileError("this is not a safetensors model file (unreadable header)") from None
    if not isinstance(header, dict):
        raise ModelFileError("this is not a safetensors model file (header is not an object)")
    return header


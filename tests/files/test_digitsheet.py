"""A learner's digits as one PNG sheet: written, read back exactly, looked at as a picture, and
anything that is not such a sheet refused with a sentence that says why."""

import io
import json
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from digitnet.errors import DigitsFileError
from digitnet.files.digitsheet import KEY, MAX_DIGITS, read_sheet, sheet_bytes


@pytest.fixture(scope="module")
def digits():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (13, 28, 28), dtype=np.uint8), [int(d) for d in rng.integers(0, 10, 13)]


def png(picture: Image.Image, text: dict | None = None) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def labels_text(labels, **changes) -> dict:
    return {KEY: json.dumps({"format": "digitnet-digits", "version": 1, "columns": 10, "labels": labels, **changes})}


def test_round_trip(digits):
    images, labels = digits
    data = sheet_bytes(images, labels)
    again, read_labels = read_sheet(data)
    assert np.array_equal(again, images) and read_labels == labels
    picture = Image.open(io.BytesIO(data))  # a picture anyone can open: the digits in rows of ten
    assert picture.size == (280, 56) and picture.mode == "L"
    assert np.array_equal(np.asarray(picture)[28:56, 0:28], images[10])
    assert not np.asarray(picture)[28:, 3 * 28 :].any()  # the rest of the last row is blank


def test_the_writer_takes_only_digits(digits):
    images, labels = digits
    with pytest.raises(ValueError):
        sheet_bytes(images, labels[:-1])
    with pytest.raises(ValueError):
        sheet_bytes(images.astype(np.float32), labels)
    with pytest.raises(ValueError):
        sheet_bytes(images, [*labels[:-1], 10])


def truncated_png() -> bytes:
    data = sheet_bytes(np.zeros((3, 28, 28), np.uint8), [1, 2, 3])
    return data[: len(data) // 2]


def huge_declared_png() -> bytes:
    """A PNG whose header promises 100,000 x 100,000 pixels, in a few bytes."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(b"\0" * 100))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")


REFUSED = [
    (b"", "not a PNG file"),
    (b"\xff\xd8\xff\xe0 a jpeg", "not a PNG file"),
    (b"my digits: 1 2 3", "not a PNG file"),
    (png(Image.new("L", (280, 28))), "holds no digitnet labels"),
    (png(Image.new("L", (280, 28)), {KEY: "{not json"}), "labels in the file are damaged"),
    (png(Image.new("L", (280, 28)), {KEY: "[1, 2]"}), "labels in the file are damaged"),
    (png(Image.new("L", (280, 28)), labels_text([1, 2], format="something-else")), "does not describe"),
    (png(Image.new("L", (280, 28)), labels_text([1, 2], version=2)), "version 2 is not supported"),
    (png(Image.new("L", (280, 28)), labels_text([1, 12])), "a label must be a digit from 0 to 9; the file holds '12'"),
    (png(Image.new("L", (280, 28)), labels_text([1, True])), "a label must be a digit"),
    (png(Image.new("L", (280, 28)), labels_text([1, "7"])), "a label must be a digit"),
    (png(Image.new("L", (280, 28)), labels_text([])), "holds 1 to 1,000 labelled digits"),
    (png(Image.new("L", (280, 28)), labels_text([1], columns=0)), "rows hold 0 digits"),
    (png(Image.new("L", (280, 56)), labels_text([1, 2])), "take 280x28"),
    (png(Image.new("RGB", (280, 28)), labels_text([1, 2])), "is RGB, not 8-bit grey"),
    (truncated_png(), "damaged"),
    (huge_declared_png(), "larger than any sheet of digits"),
    (png(Image.new("L", (560, 28)), labels_text([1])), "larger than any sheet of digits"),
    (b"\x89PNG\r\n\x1a\n" + bytes(5_000_000), "too large"),
]


@pytest.mark.parametrize("data, reason", REFUSED, ids=range(len(REFUSED)))
def test_anything_else_is_refused_with_a_reason(data, reason):
    with pytest.raises(DigitsFileError, match=reason.replace("(", r"\(")):
        read_sheet(data)


def test_a_full_sheet_loads(digits):
    images = np.repeat(digits[0][:1], MAX_DIGITS, axis=0)
    again, labels = read_sheet(sheet_bytes(images, [7] * MAX_DIGITS))
    assert again.shape == (MAX_DIGITS, 28, 28) and labels == [7] * MAX_DIGITS

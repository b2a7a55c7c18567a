"""A learner's own digits as one file: a PNG sheet you can open and look at, the 28x28 digits in
rows of ten, white on black as MNIST's, and their labels in a text chunk of the same PNG.

No pickle and no code: a PNG holds pixels and text. A file from anyone is checked before it is
used: that it is a PNG of 8-bit grey pixels, that its text says it is a digitnet sheet of this
version, that its size fits the number of labels, and that every label is a digit.
"""

import io
import json
import math

import numpy as np
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from ..errors import DigitsFileError

SIDE = 28
COLUMNS = 10
FORMAT = "digitnet-digits"
VERSION = 1
KEY = "digitnet"  # the PNG text chunk that holds the labels
MAX_DIGITS = 1000  # a sheet of 280 x 2,800 pixels
MAX_BYTES = 4 * 1024 * 1024  # far above a full sheet (under 1 MB), under the app's 5 MB uploads
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def sheet_bytes(images: np.ndarray, labels) -> bytes:
    """The PNG sheet of (n, 28, 28) uint8 images and their n labels."""
    images = np.asarray(images)
    labels = [int(label) for label in labels]
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (SIDE, SIDE):
        raise ValueError(f"images must be (n, {SIDE}, {SIDE}) uint8; got {images.shape} {images.dtype}")
    if not 1 <= len(images) == len(labels) <= MAX_DIGITS or not all(0 <= label <= 9 for label in labels):
        raise ValueError(f"1 to {MAX_DIGITS} images, each with a label from 0 to 9")
    rows = math.ceil(len(images) / COLUMNS)
    sheet = np.zeros((rows * SIDE, COLUMNS * SIDE), np.uint8)
    for i, image in enumerate(images):
        row, column = divmod(i, COLUMNS)
        sheet[row * SIDE : (row + 1) * SIDE, column * SIDE : (column + 1) * SIDE] = image
    text = PngImagePlugin.PngInfo()
    text.add_text(KEY, json.dumps({"format": FORMAT, "version": VERSION, "columns": COLUMNS, "labels": labels}))
    buffer = io.BytesIO()
    Image.fromarray(sheet, mode="L").save(buffer, format="PNG", pnginfo=text)
    return buffer.getvalue()


def read_sheet(data: bytes) -> tuple[np.ndarray, list[int]]:
    """The (n, 28, 28) uint8 images and n labels of a sheet's bytes; DigitsFileError says why not."""
    if len(data) > MAX_BYTES:
        raise DigitsFileError(f"{len(data):,} bytes is too large for a file of digits (at most {MAX_BYTES:,})")
    if not data.startswith(PNG_SIGNATURE):
        raise DigitsFileError("this is not a PNG file; a file of your digits is the PNG downloaded from My digits")
    try:
        sheet = Image.open(io.BytesIO(data), formats=["PNG"])  # reads the header and the chunks before the pixels
    except Image.DecompressionBombError:
        raise DigitsFileError("the image is far larger than any sheet of digits") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DigitsFileError(f"the PNG file is damaged ({exc})") from None
    width, height = sheet.size
    if width > COLUMNS * SIDE or height > math.ceil(MAX_DIGITS / COLUMNS) * SIDE:  # before decoding any pixel
        raise DigitsFileError(f"the image is {width}x{height} pixels: larger than any sheet of digits")
    labels, columns = _labels(sheet.info.get(KEY))  # written before the pixels, as sheet_bytes does
    rows = math.ceil(len(labels) / columns)
    if sheet.size != (columns * SIDE, rows * SIDE):
        raise DigitsFileError(
            f"the sheet is {sheet.size[0]}x{sheet.size[1]} pixels, but {len(labels)} digits in rows of {columns} "
            f"take {columns * SIDE}x{rows * SIDE}"
        )
    if sheet.mode != "L":
        raise DigitsFileError(f"the sheet is {sheet.mode}, not 8-bit grey: did another program save it again?")
    try:
        pixels = np.asarray(sheet)
    except (OSError, SyntaxError, ValueError) as exc:
        raise DigitsFileError(f"the PNG file is damaged or truncated ({exc})") from None
    cells = pixels.reshape(rows, SIDE, columns, SIDE).transpose(0, 2, 1, 3).reshape(-1, SIDE, SIDE)
    return cells[: len(labels)].copy(), labels


def _labels(description) -> tuple[list[int], int]:
    if description is None:
        raise DigitsFileError("the PNG holds no digitnet labels: it is a picture, not a file of your digits "
                              "(or another program saved it again without them)")
    try:
        told = json.loads(description)
        if told.get("format") != FORMAT:
            raise DigitsFileError("the PNG's text does not describe a file of digitnet digits")
        if told.get("version") != VERSION:
            raise DigitsFileError(f"file of digits version {told.get('version')!r} is not supported")
        labels, columns = told["labels"], told["columns"]
    except (json.JSONDecodeError, AttributeError, KeyError, TypeError, RecursionError):
        raise DigitsFileError("the labels in the file are damaged") from None
    if not isinstance(columns, int) or isinstance(columns, bool) or not 1 <= columns <= COLUMNS:
        raise DigitsFileError(f"the file says its rows hold {columns!r} digits; 1 to {COLUMNS}")
    if not isinstance(labels, list) or not 1 <= len(labels) <= MAX_DIGITS:
        raise DigitsFileError(f"a file of digits holds 1 to {MAX_DIGITS:,} labelled digits")
    for label in labels:
        if not isinstance(label, int) or isinstance(label, bool) or not 0 <= label <= 9:
            raise DigitsFileError(f"a label must be a digit from 0 to 9; the file holds {str(label)[:20]!r}")
    return labels, columns

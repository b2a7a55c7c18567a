"""The IDX format MNIST is distributed in: a big-endian header, then raw bytes."""

import gzip
import io
import math
import struct
import zlib
from pathlib import Path

import numpy as np

from ..errors import DataError
from .kinds import not_a_file

UBYTE = 0x08
GZIP_MAGIC = b"\x1f\x8b"
MAX_BYTES = 256 * 1024 * 1024  # far above MNIST's 47 MB; refuses a gzip bomb


def parse_idx(data: bytes, name: str) -> np.ndarray:
    """The uint8 array stored in IDX bytes; `name` is used in error messages."""
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] != UBYTE or not 1 <= data[3] <= 3:
        raise DataError(f"{name}: not an IDX file of unsigned bytes (wrong magic number)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{name}: IDX header is truncated")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    if len(data) - header != math.prod(shape):  # exact: np.prod wraps around past 2**63
        raise DataError(
            f"{name}: IDX header promises shape {shape} but the file holds "
            f"{len(data) - header} bytes of data"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def format_idx(array: np.ndarray) -> bytes:
    """IDX bytes for a uint8 array of 1 to 3 dimensions."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, UBYTE, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def read_bytes(path: Path) -> bytes:
    """A file's bytes, gunzipped when it is gzip (by content, not by name); a pipe, a device or a file
    larger than any MNIST is refused before it is read."""
    try:
        if kind := not_a_file(path):
            raise DataError(f"{path}: is {kind}, not a file of MNIST")
        if (size := path.stat().st_size) > MAX_BYTES:
            raise DataError(f"{path}: {size:,} bytes is more than any MNIST file")
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: file is missing") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror})") from None
    return unpack(data, str(path))


def unpack(data: bytes, name: str) -> bytes:
    """The bytes gunzipped when they are gzip (by content, not by name); `name` is for messages."""
    if data[:2] != GZIP_MAGIC:
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            out = stream.read(MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error):
        raise DataError(f"{name}: damaged gzip data") from None
    if len(out) > MAX_BYTES:
        raise DataError(f"{name}: unpacks to more than {MAX_BYTES} bytes; not MNIST")
    return out

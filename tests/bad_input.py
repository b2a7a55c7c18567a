"""What every bad-input property checks (the test_bad_input_*.py files, each beside the tests of its module).

An entry point given outside data either answers or raises a DigitnetError whose message is a
sentence a learner can read. Any other exception escapes `outcome` and fails the test with its
traceback, which is exactly the crash the property is looking for.
"""

import contextlib
import os
import struct
import threading
import zlib
from pathlib import Path

from digitnet.errors import DigitnetError

# Signs that a message is Python's repr of something rather than a sentence.
REPR_NOISE = ("<class", " object at 0x", "Traceback", "dtype(", "array(", "np.int", "np.float", "tensor(")


def check_message(message: str, echoes=()) -> None:
    """A readable one-line sentence; `echoes` are the caller's own inputs, which it may quote back."""
    assert message.strip(), "the message is empty"
    for echo in echoes:
        for text in (repr(echo), str(echo)):
            if len(text) >= 4:  # a shorter echo would cut letters out of the words checked below
                message = message.replace(text, "")
    assert "\n" not in message, f"the message spans several lines: {message!r}"
    for noise in REPR_NOISE:
        assert noise not in message, f"the message shows Python internals ({noise!r}): {message!r}"


def outcome(call, *args, echoes=()):
    """call(*args), or the DigitnetError it raised once its message is checked."""
    try:
        return call(*args)
    except DigitnetError as exc:
        check_message(str(exc), echoes=(*args, *echoes))
        return exc


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width: int, height: int) -> bytes:
    """A well-formed png that declares a size and holds no pixels: how a decompression bomb starts."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IEND", b"")


def black_png(width: int, height: int) -> bytes:
    """A whole png of 8-bit grey, every pixel black: a bomb once large, since zeros compress a thousandfold."""
    packer, rows = zlib.compressobj(9), []
    row = bytes(1 + width)  # each row: its filter type (none), then its pixels
    for _ in range(height):
        rows.append(packer.compress(row))
    pixels = b"".join(rows) + packer.flush()
    return png_declaring(width, height)[:-12] + png_chunk(b"IDAT", pixels) + png_chunk(b"IEND", b"")


def icon_holding(png: bytes) -> bytes:
    """An ICO of one image, a png: its directory says 256x256 (0 stands for 256), whatever the png holds."""
    directory = struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHII", 0, 0, 0, 0, 1, 32, len(png), 6 + 16)
    return directory + png


@contextlib.contextmanager
def pipe_with_an_end(path: Path, size: int):
    """A pipe at `path` whose writer ends it after about `size` bytes, should anything read it, so that a
    reader that should have refused it fails rather than waits for ever; yields the counts written."""
    os.mkfifo(path)
    written = []

    def write():
        with open(path, "wb", buffering=0) as end:
            try:
                for _ in range(max(1, size >> 20)):
                    written.append(end.write(bytes(1 << 20)))
            except BrokenPipeError:
                pass

    writer = threading.Thread(target=write)
    writer.start()
    try:
        yield written
    finally:
        if writer.is_alive():  # the pipe was never opened for reading: let the writer go
            path.open("rb").close()
        writer.join()

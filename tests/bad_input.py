"""What every bad-input property checks (the test_bad_input_*.py files, each beside the tests of its module).

An entry point given outside data either answers or raises a DigitnetError whose message is a
sentence a learner can read. Any other exception escapes `outcome` and fails the test with its
traceback, which is exactly the crash the property is looking for.
"""

import struct
import zlib

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


def png_declaring(width: int, height: int) -> bytes:
    """A well-formed png that declares a size and holds no pixels: how a decompression bomb starts."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")

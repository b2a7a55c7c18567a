"""Property tests: preprocess and open_image on any array, any PIL image and any bytes."""

import io
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from digitnet.drawing.preprocess import MAX_PIXELS, open_image, preprocess
from digitnet.errors import EmptyImage, ImageError
from tests.bad_input import black_png, check_message, icon_holding, outcome, png_declaring

REPO = Path(__file__).resolve().parents[2]
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NUMERIC = [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.uint16, np.uint64,
           np.float16, np.float32, np.float64]
DTYPES = [*NUMERIC, np.complex64, np.complex128, np.dtype("U3"), np.dtype("S2"), np.dtype(object)]
OBJECTS = st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=3), st.lists(st.integers(), max_size=2))
MODES = ["1", "L", "P", "RGB", "RGBA", "LA", "PA", "I", "I;16", "I;16B", "F", "CMYK", "YCbCr", "LAB", "HSV",
         "RGBX", "RGBa", "La"]
BRIEF_MODES = ["1", "L", "P", "RGB", "RGBA", "LA", "I", "I;16", "F", "CMYK"]  # every mode a learner's file may have


def check_digit(result) -> None:
    """A successful preprocess: what the model saw in training."""
    assert isinstance(result, np.ndarray)
    assert result.shape == (28, 28) and result.dtype == np.float32
    assert np.isfinite(result).all()
    assert result.min() >= 0 and 0 < result.max() <= 1


def check_preprocess(image):
    """preprocess(image) is a digit, or an ImageError with a readable message."""
    result = outcome(preprocess, image)
    if isinstance(result, Exception):
        assert isinstance(result, ImageError), type(result)
    else:
        check_digit(result)
    return result


image_shapes = st.tuples(st.integers(0, 48), st.integers(0, 48)).flatmap(
    lambda hw: st.sampled_from([hw, (*hw, 1), (*hw, 3), (*hw, 4)])
)
any_shapes = st.one_of(image_shapes, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6))


@st.composite
def arrays(draw, dtypes=DTYPES):
    """Any array: image-like or not, any dtype, NaN, infinities, huge and negative values included."""
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    shape = draw(any_shapes)
    # Mostly one background value with other values scattered on it, as hypothesis fills arrays.
    return draw(hnp.arrays(dtype, shape, elements=OBJECTS if dtype.kind == "O" else hnp.from_dtype(dtype)))


@FAST
@given(arrays())
@example(np.zeros((0, 0), np.uint8))
@example(np.zeros((28, 28, 2), np.uint8))
@example(np.full((28, 28), np.nan, np.float32))
@example(np.array([[0, 1e308], [-1e308, np.inf]]))
@example(np.array([[0, 2**64 - 1]], dtype=np.uint64))
def test_any_array_gives_a_digit_or_an_image_error(array):
    check_preprocess(array)


@FAST
@given(st.sampled_from(NUMERIC), image_shapes.filter(lambda s: s[0] * s[1] > 0), st.data())
def test_a_uniform_array_has_no_ink(dtype, shape, data):
    """All black, all white, any grey, any transparency: nothing to classify."""
    value = data.draw(hnp.from_dtype(np.dtype(dtype), allow_nan=False, allow_infinity=False))
    assert isinstance(outcome(preprocess, np.full(shape, value, dtype=dtype)), EmptyImage)


@pytest.mark.parametrize("thing", [None, "a digit", 7, [[1, 2], [3]], {"pixels": 1}, [[None, "x"]], b"\x89PNG"])
def test_things_that_are_not_images(thing):
    assert isinstance(outcome(preprocess, thing), ImageError)


def random_image(mode: str, size: tuple[int, int], seed: int, uniform: bool) -> Image.Image:
    """An image of `mode` whose pixels are random bytes (so "F" holds NaN, "I" huge values), or one pixel repeated."""
    n_bytes = len(Image.new(mode, size).tobytes())
    rng = np.random.default_rng(seed)
    if not uniform:
        return Image.frombytes(mode, size, rng.integers(0, 256, n_bytes, dtype=np.uint8).tobytes())
    if mode == "1":  # eight pixels to a byte: only 0x00 and 0xff are one colour
        return Image.frombytes(mode, size, bytes([255 * int(rng.integers(2))]) * n_bytes)
    pixel = rng.integers(0, 256, n_bytes // (size[0] * size[1]), dtype=np.uint8).tobytes()
    return Image.frombytes(mode, size, pixel * (size[0] * size[1]))


sizes = st.one_of(
    st.tuples(st.integers(1, 64), st.integers(1, 64)),
    st.sampled_from([(1, 1), (1, 3000), (3000, 1), (1500, 1100), (2000, 30)]),  # wider than the 1024 working size
)


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(MODES), sizes, st.integers(0, 2**32 - 1), st.booleans())
@example("La", (2000, 30), 0, False)
@example("F", (40, 40), 3, False)
def test_any_pil_image_gives_a_digit_or_an_image_error(mode, size, seed, uniform):
    check_preprocess(random_image(mode, size, seed, uniform))


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(BRIEF_MODES), sizes, st.integers(0, 2**32 - 1))
def test_a_uniform_pil_image_has_no_ink(mode, size, seed):
    assert isinstance(check_preprocess(random_image(mode, size, seed, uniform=True)), EmptyImage)


def test_a_huge_array_is_refused_before_it_is_read():
    # A view of one byte, so the test costs no memory: the size check must come before any copy.
    huge = np.broadcast_to(np.uint8(255), (8000, 8000))
    error = outcome(preprocess, huge)
    assert isinstance(error, ImageError) and "too large" in str(error)


def drawing() -> Image.Image:
    """A white stroke on black: what preprocess reads when the file is sound."""
    array = np.zeros((60, 50), np.uint8)
    array[10:50, 22:28] = 255
    return Image.fromarray(array)


def encoded(fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image = drawing().convert("RGB") if fmt in ("JPEG", "WEBP") else drawing()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg_turned_sideways() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: stored sideways, with a note to turn it
    return encoded("JPEG", exif=exif.tobytes())


FILES = {fmt: encoded(fmt) for fmt in ("PNG", "GIF", "BMP", "TIFF", "WEBP", "PPM", "ICO", "TGA")}
FILES["JPEG"] = jpeg_turned_sideways()
MAGIC = [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*", b"RIFF",
         b"P5\n", b"\x00\x00\x01\x00", b"icns", b"8BPS", b"DDS ", b"\x1f\x8b"]


def check_open_and_preprocess(data: bytes) -> None:
    """What the Draw page does with an upload: open it, then read the digit in it."""
    image = outcome(open_image, data, echoes=[b""])
    if isinstance(image, Exception):
        assert isinstance(image, ImageError), type(image)
    else:
        check_preprocess(image)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(MAGIC), st.binary(max_size=300))
def test_random_bytes(magic, rest):
    check_open_and_preprocess(magic + rest)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(FILES)), st.data())
def test_truncated_image_files(fmt, data):
    whole = FILES[fmt]
    check_open_and_preprocess(whole[: data.draw(st.integers(0, len(whole) - 1))])


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(FILES)), st.data())
def test_damaged_image_files(fmt, data):
    damaged = bytearray(FILES[fmt])
    for position in data.draw(st.lists(st.integers(0, len(damaged) - 1), min_size=1, max_size=8)):
        damaged[position] ^= 1 << data.draw(st.integers(0, 7))
    check_open_and_preprocess(bytes(damaged))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 2**31 - 1), st.integers(1, 2**31 - 1))
@example(100_000, 100_000)
@example(2**31 - 1, 2**31 - 1)
def test_huge_declared_dimensions_are_refused(width, height):
    error = outcome(open_image, png_declaring(width, height))
    assert isinstance(error, ImageError)
    if width * height > MAX_PIXELS:
        assert "pixels" in str(error)


# Opens a file the way the Draw page (bytes) or `predict` (a path) does, in a process of its own, and prints
# what it said, the seconds it took and how far the process's peak memory rose: VmHWM, the peak of this program
# alone (getrusage's ru_maxrss would count the peak of the test process it was forked from).
MEASURE = """
import json, re, sys, time
from pathlib import Path
from digitnet.drawing.preprocess import open_image
from digitnet.errors import ImageError

def peak():
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text())[1]) * 1024

path = Path(sys.argv[1])
source = path.read_bytes() if sys.argv[2] == "bytes" else path
before, started = peak(), time.perf_counter()
try:
    said = f"opened at {open_image(source).size}"
except ImageError as exc:
    said = str(exc)
print(json.dumps({"said": said, "seconds": time.perf_counter() - started, "bytes": peak() - before}))
"""


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    """A 13000x13000 png (169 million pixels in 160 KB) inside an ICO whose list of images says 256x256,
    and inside an icns whose says 512x512 (its type, ic09)."""
    folder, png = tmp_path_factory.mktemp("bomb"), black_png(13000, 13000)
    (folder / "digit.ico").write_bytes(icon_holding(png))
    entry = b"ic09" + struct.pack(">I", 8 + len(png)) + png
    (folder / "digit.icns").write_bytes(b"icns" + struct.pack(">I", 8 + len(entry)) + entry)
    return folder


@pytest.mark.parametrize("given", ["bytes", "path"])
@pytest.mark.parametrize(("name", "says"), [("digit.ico", "13000x13000 pixels, too large"),
                                            ("digit.icns", "not an image file that can be read")])
def test_an_icon_hiding_a_huge_png_is_refused_before_it_is_decoded(bombs, name, says, given):
    result = subprocess.run([sys.executable, "-c", MEASURE, str(bombs / name), given], cwd=REPO, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["bytes"] < 100_000_000 and found["seconds"] < 1.0  # decoded, it took 170 MB and a second or more
    check_message(found["said"])
    assert says in found["said"]

"""Property tests: MNIST sources that are damaged, incomplete or hold stray files, and any digits."""

import gzip
import io
import math
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from digitnet.errors import DataError
from digitnet.files.idx import MAX_BYTES, format_idx, parse_idx, read_bytes
from digitnet.files.mnist import ASSETS, CHECKSUMS, Assets, IdxFiles, PngFolder, asset_name, open_source
from digitnet.lesson import dataset as data
from digitnet.lesson.dataset import Dataset, load_dataset
from tests.bad_input import black_png, icon_holding, outcome, pipe_with_an_end, png_declaring


def check_idx(result, data: bytes):
    """parse_idx's answer: an array that accounts for every byte, or a DataError."""
    if isinstance(result, Exception):
        assert isinstance(result, DataError), type(result)
        return
    assert result.dtype == np.uint8 and 1 <= result.ndim <= 3
    assert 4 + 4 * result.ndim + result.size == len(data)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=64), st.binary(max_size=60).map(lambda b: b"\0\0\x08" + b[:1] + b[1:])))
@example(b"\0\0\x08\x03" + struct.pack(">3I", 2**22, 2**21, 2**21))  # 2**64 elements: wraps to 0 in int64
@example(b"\0\0\x08\x02" + struct.pack(">2I", 2**32 - 1, 2**32 - 1))
@example(b"\0\0\x08\x01" + struct.pack(">I", 0))
def test_any_bytes_as_idx(raw):
    check_idx(outcome(parse_idx, raw, "file.idx"), raw)


small_images = hnp.arrays(np.uint8, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5))


@settings(max_examples=200, deadline=None)
@given(small_images, st.data())
def test_damaged_idx(array, draw):
    """A real IDX file with a wrong magic number, wrong dimensions, or bytes cut or added."""
    raw = bytearray(format_idx(array))
    change = draw.draw(st.sampled_from(["magic", "dims", "cut", "add"]))
    if change == "magic":
        raw[draw.draw(st.integers(0, 3))] = draw.draw(st.integers(0, 255))
    elif change == "dims":
        offset = 4 + 4 * draw.draw(st.integers(0, array.ndim - 1))
        raw[offset : offset + 4] = struct.pack(">I", draw.draw(st.integers(0, 2**32 - 1)))
    elif change == "cut":
        del raw[draw.draw(st.integers(0, len(raw))) :]
    else:
        raw += draw.draw(st.binary(min_size=1, max_size=8))
    result = outcome(parse_idx, bytes(raw), "file.idx")
    check_idx(result, bytes(raw))
    if bytes(raw) == format_idx(array):
        assert np.array_equal(result, array)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("data")


GZIPPED = gzip.compress(format_idx(np.arange(60, dtype=np.uint8).reshape(3, 4, 5)))


@settings(max_examples=200, deadline=None)
@given(st.data())
@example(None)
def test_damaged_gzip(folder, draw):
    """read_bytes unpacks gzip by content: any damage to it is a DataError naming the file."""
    raw = bytearray(GZIPPED)
    if draw is not None:
        change = draw.draw(st.sampled_from(["flip", "cut", "add"]))
        if change == "flip":
            for position in draw.draw(st.lists(st.integers(2, len(raw) - 1), min_size=1, max_size=4)):
                raw[position] ^= 1 << draw.draw(st.integers(0, 7))
        elif change == "cut":
            del raw[draw.draw(st.integers(2, len(raw) - 1)) :]
        else:
            raw += draw.draw(st.binary(min_size=1, max_size=16))
    path = folder / "damaged.idx.gz"
    path.write_bytes(raw)
    result = outcome(read_bytes, path)
    if isinstance(result, Exception):
        assert isinstance(result, DataError) and str(path) in str(result)
    else:
        check_idx(outcome(parse_idx, result, str(path)), result)


@pytest.fixture(scope="module")
def assets(tmp_path_factory):
    """A copy of the shipped MNIST, to damage one file at a time."""
    copy = tmp_path_factory.mktemp("assets") / "mnist"
    shutil.copytree(ASSETS, copy)
    return copy


ASSET_FILES = [CHECKSUMS] + [asset_name(split, digit) for split in ("train", "test") for digit in range(10)]


def damage(raw: bytes, draw) -> bytes | None:
    """The bytes of a file after some damage; None: the file is gone."""
    change = draw.draw(st.sampled_from(["delete", "empty", "cut", "flip", "random", "add"]))
    if change == "delete":
        return None
    if change == "empty":
        return b""
    if change == "cut":
        return raw[: draw.draw(st.integers(0, len(raw) - 1))]
    if change == "random":
        return draw.draw(st.binary(max_size=64))
    if change == "add":
        return raw + draw.draw(st.binary(min_size=1, max_size=8))
    damaged = bytearray(raw)
    position = draw.draw(st.integers(0, len(raw) - 1))
    damaged[position] ^= 1 << draw.draw(st.integers(0, 7))
    return bytes(damaged)


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(ASSET_FILES), st.sampled_from(["train", "test"]), st.integers(0, 9), st.data())
@example(CHECKSUMS, "test", 2, None)
def test_damaged_assets(assets, name, split, digit, draw):
    """A damaged, missing or extra file in assets/mnist: a DataError naming the trouble, or the true images."""
    path = assets / name
    original = path.read_bytes()
    damaged = b"\xff\xfe not text \x00\n2 6\nabc def ghi\n" if draw is None else damage(original, draw)
    if damaged is None:
        path.unlink()
    else:
        path.write_bytes(damaged)
    (assets / "stray file.txt").write_bytes(b"notes")
    try:
        if name != CHECKSUMS:
            split, digit = name.split("-")[0], int(name.split("-")[1].split(".")[0])
        result = outcome(lambda: Assets(assets).images(split, digit))
    finally:
        path.write_bytes(original)
    if isinstance(result, Exception):
        assert isinstance(result, DataError)
        assert name in str(result)
    else:
        assert damaged == original or name == CHECKSUMS  # a damaged image file never gets through
        assert np.array_equal(result, Assets(ASSETS).images(split, digit))


def mnist_png(value: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((28, 28), value, np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def image_bytes(mode: str, size: tuple[int, int], fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, fmt)
    return buffer.getvalue()


STRAYS = {
    "random": None,
    "truncated": mnist_png(9)[:50],  # into the pixel data
    "wrong size": image_bytes("L", (28, 29)),
    "tiny": image_bytes("L", (1, 1)),
    "huge": png_declaring(100_000, 100_000),
    "rgb": image_bytes("RGB", (28, 28)),
    "16-bit": image_bytes("I;16", (28, 28)),
    "one bit": image_bytes("1", (28, 28)),
    "palette": image_bytes("P", (28, 28)),
    "jpeg": image_bytes("L", (28, 28), "JPEG"),
    "empty": b"",
}
READABLE = {"rgb", "16-bit", "one bit", "palette", "jpeg"}  # 28x28 images in another mode or format


@pytest.fixture(scope="module")
def pngs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mnist_png")
    for split in ("training", "testing"):
        (folder / split / "3").mkdir(parents=True)
        for i in range(3):
            (folder / split / "3" / f"{i}.png").write_bytes(mnist_png(40 * i))
    return folder


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(["train", "test"]),
    st.text(st.characters(blacklist_characters="/", blacklist_categories=["Cc", "Cs"]), min_size=1, max_size=12),
    st.sampled_from(["", ".png", ".PNG", ".txt", ".png.bak", ".DS_Store"]),
    st.sampled_from(sorted(STRAYS)),
    st.binary(max_size=40),
)
@example("train", "a", ".png", "huge", b"")
def test_a_stray_file_in_a_png_folder(pngs, split, stem, suffix, kind, noise):
    """Files that are not .png are skipped; a .png that is not a 28x28 image is a DataError naming it."""
    source = PngFolder(pngs)
    before = source.images(split, 3)
    stray = pngs / PngFolder.FOLDER[split] / "3" / (stem + suffix)
    assume(not stray.exists())
    stray.write_bytes(noise if STRAYS[kind] is None else STRAYS[kind])
    try:
        result = outcome(source.images, split, 3)
    finally:
        stray.unlink()
    if not stray.name.endswith(".png"):
        assert np.array_equal(result, before)
    elif kind in READABLE:
        assert isinstance(result, np.ndarray) and result.shape == (4, 28, 28)
    else:
        assert isinstance(result, DataError) and stray.name in str(result)


def test_a_folder_named_like_a_png(pngs):
    stray = pngs / "testing" / "3" / "folder.png"
    stray.mkdir()
    try:
        error = outcome(PngFolder(pngs).images, "test", 3)
    finally:
        stray.rmdir()
    assert isinstance(error, DataError) and "folder.png" in str(error)


def write_idx_files(folder: Path, n_images: int, n_labels: int, shape: tuple[int, ...], zipped: bool) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    images = format_idx(np.zeros((n_images, *shape), np.uint8))
    labels = format_idx(np.arange(n_labels, dtype=np.uint8) % 10)
    for prefix in ("train", "t10k"):
        for kind, raw, ndim in (("images", images, 3), ("labels", labels, 1)):
            name = f"{prefix}-{kind}-idx{ndim}-ubyte"
            (folder / (name + ".gz" if zipped else name)).write_bytes(gzip.compress(raw) if zipped else raw)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, 12), st.integers(0, 12),
    st.sampled_from([(28, 28), (28, 27), (27, 28), (784,), (1, 28, 28), ()]),
    st.booleans(),
)
@example(10, 9, (28, 28), True)
def test_idx_files_that_disagree(folder, n_images, n_labels, shape, zipped):
    write_idx_files(folder / "idx", n_images, n_labels, shape, zipped)
    result = outcome(IdxFiles(folder / "idx").images, "train", 1)
    if n_images == n_labels and shape == (28, 28):
        assert isinstance(result, np.ndarray) and result.shape == (len(range(1, n_images, 10)), 28, 28)
    else:
        assert isinstance(result, DataError) and "ubyte" in str(result)


digit_values = st.one_of(
    st.text(max_size=12),
    st.integers(),
    st.floats(),
    st.lists(st.one_of(st.integers(), st.text(max_size=3), st.floats(), st.none()), max_size=11),
    st.sampled_from(["2 6", "all", " ALL ", "2,6", "2 2", "10 3", "-1 5", "٢ ٦", "1e400 6", [math.inf, 6],
                     [math.nan, 2], [2.5, 6], "", [], [None, None], list(range(10))]),
)


@settings(max_examples=150, deadline=None)
@given(digit_values)
def test_load_dataset_with_any_digits(digits):
    result = outcome(load_dataset, digits)
    if isinstance(result, Exception):
        assert isinstance(result, DataError), type(result)
    else:
        assert isinstance(result, Dataset)
        assert result.digits == tuple(range(10)) or (len(result.digits) == 2 and len(set(result.digits)) == 2)
        assert len(result.train_x) == len(result.train_y) > 0


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(blacklist_characters="/", blacklist_categories=["Cs"]), min_size=1, max_size=20))
@example("~no_such_user_here")
@example("~no_such_user_here/mnist")
@example("nul\0byte")
@example("~\0")
def test_load_dataset_from_any_path(folder, name):
    """--data and $DIGITNET_DATA: a path that is not MNIST is a DataError naming it."""
    path = name if name.startswith("~") else str(folder / "paths" / name)
    try:
        result = outcome(load_dataset, (2, 6), path)
    finally:
        open_source.cache_clear()
        data._load.cache_clear()
    assert isinstance(result, DataError)


def idx_folder_with(folder: Path, images: Path) -> Path:
    """A folder of MNIST's four IDX files, the training images' replaced by `images` (a link to it)."""
    write_idx_files(folder, 10, 10, (28, 28), False)
    (folder / "train-images-idx3-ubyte").unlink()
    (folder / "train-images-idx3-ubyte").symlink_to(images)
    return folder


def test_a_pipe_among_the_idx_files_is_refused_unread(tmp_path):
    with pipe_with_an_end(tmp_path / "pipe", 4 * MAX_BYTES):
        error = outcome(IdxFiles(idx_folder_with(tmp_path / "idx", tmp_path / "pipe")).images, "train", 1)
    assert isinstance(error, DataError) and "train-images-idx3-ubyte: is a pipe, not a file of MNIST" in str(error)


def test_a_device_among_the_idx_files_is_refused_unread(tmp_path):
    """/dev/zero never ends: read, it would take all the memory there is."""
    error = outcome(IdxFiles(idx_folder_with(tmp_path / "idx", Path("/dev/zero"))).images, "train", 1)
    assert isinstance(error, DataError) and "train-images-idx3-ubyte: is a device, not a file of MNIST" in str(error)


def test_an_idx_file_larger_than_any_mnist_is_refused_unread(tmp_path):
    huge = tmp_path / "huge"
    with open(huge, "wb") as file:
        file.truncate(MAX_BYTES + 1)  # sparse: costs no disk
    error = outcome(IdxFiles(idx_folder_with(tmp_path / "idx", huge)).images, "train", 1)
    assert isinstance(error, DataError) and f"{MAX_BYTES + 1:,} bytes is more than any MNIST file" in str(error)


def test_a_pipe_named_like_a_png_is_refused_unread(pngs):
    stray = pngs / "training" / "3" / "pipe.png"
    try:
        with pipe_with_an_end(stray, 1 << 20):
            error = outcome(PngFolder(pngs).images, "train", 3)
    finally:
        stray.unlink()
    assert isinstance(error, DataError) and "pipe.png: is a pipe, not a png image" in str(error)


def test_an_icon_named_like_a_png_is_not_read_as_one(pngs):
    """Pillow decodes an icon's image while it opens it, whatever its size: a png folder is read as pngs (or a
    misnamed jpeg) only."""
    stray = pngs / "training" / "3" / "bomb.png"
    stray.write_bytes(icon_holding(black_png(28, 28)))
    try:
        error = outcome(PngFolder(pngs).images, "train", 3)
    finally:
        stray.unlink()
    assert isinstance(error, DataError) and "bomb.png: not a readable png image" in str(error)

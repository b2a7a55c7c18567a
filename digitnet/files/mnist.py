"""Where the MNIST images come from: the copy in assets/, four IDX files, or a folder of pngs.

Each source answers one question, `images(split, digit)`: every image of that digit in
the training ("train") or test ("test") split, as uint8 (n, 28, 28), in the source's order.
class_counts and sample_grid read them with numpy alone, so the first page can show the
data before torch is imported.
"""

import hashlib
import os
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..errors import DataError
from .idx import parse_idx, read_bytes, unpack
from .kinds import not_a_file

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "mnist"
CHECKSUMS = "SHA256SUMS"
SPLITS = ("train", "test")
ENV_VAR = "DIGITNET_DATA"
# The names of MNIST's four files, as distributed (train-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte, ...):
# prefix "train" or "t10k", kind "images" (ndim 3) or "labels" (ndim 1).
IDX_PATTERN = "{prefix}-{kind}[-.]idx{ndim}-ubyte*"


def asset_name(split: str, digit: int) -> str:
    return f"{split}-{digit}.idx.gz"


class Assets:
    """The copy shipped with the app: one gzipped IDX file per split and digit, checksummed."""

    def __init__(self, folder: Path = ASSETS):
        self.folder = folder
        self._images: dict[tuple[str, int], np.ndarray] = {}
        sums = folder / CHECKSUMS
        if not sums.is_file():
            raise DataError(f"{sums}: checksum list is missing; run scripts/build_assets.py")
        try:
            self.sha256 = dict(
                reversed(line.split()) for line in sums.read_text().splitlines() if line.strip()
            )
        except (OSError, ValueError):  # unreadable, not text, or a line that is not "<sha256>  <name>"
            raise DataError(f"{sums}: checksum list is damaged; restore assets/ from the repository") from None

    def __str__(self) -> str:
        return "MNIST shipped in assets/"

    def images(self, split: str, digit: int) -> np.ndarray:
        """Read and checked once, then kept: all of MNIST is 55 MB as bytes, and every task is made from it."""
        if (split, digit) not in self._images:
            self._images[split, digit] = self._read(asset_name(split, digit))
        return self._images[split, digit]

    def _read(self, name: str) -> np.ndarray:
        path = self.folder / name
        try:
            packed = path.read_bytes()
        except OSError:
            raise DataError(f"{path}: file is missing; restore assets/ from the repository") from None
        if hashlib.sha256(packed).hexdigest() != self.sha256.get(name):
            raise DataError(
                f"{path}: file is damaged (its SHA-256 does not match {CHECKSUMS}); "
                "restore assets/ from the repository"
            )
        return parse_idx(unpack(packed, str(path)), str(path))


class IdxFiles:
    """The four files of the MNIST distribution, gzipped or not, in one folder."""

    PREFIX = {"train": "train", "test": "t10k"}

    def __init__(self, folder: Path):
        self.folder = folder
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __str__(self) -> str:
        return f"MNIST IDX files in {self.folder}"

    def _find(self, split: str, kind: str, ndim: int) -> Path:
        pattern = IDX_PATTERN.format(prefix=self.PREFIX[split], kind=kind, ndim=ndim)
        found = sorted(self.folder.glob(pattern))
        if not found:
            raise DataError(f"{self.folder}: no file matching {pattern}")
        return found[0]

    def _split(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        if split not in self._arrays:
            images_path = self._find(split, "images", 3)
            labels_path = self._find(split, "labels", 1)
            images = parse_idx(read_bytes(images_path), str(images_path))
            labels = parse_idx(read_bytes(labels_path), str(labels_path))
            if images.ndim != 3 or images.shape[1:] != (28, 28):
                raise DataError(f"{images_path}: expected 28x28 images, found shape {images.shape}")
            if labels.ndim != 1 or len(labels) != len(images):
                raise DataError(f"{labels_path}: expected {len(images)} labels, found shape {labels.shape}")
            self._arrays[split] = images, labels
        return self._arrays[split]

    def images(self, split: str, digit: int) -> np.ndarray:
        images, labels = self._split(split)
        return images[labels == digit]


class PngFolder:
    """fastai's mnist_png layout: training/<digit>/*.png and testing/<digit>/*.png."""

    FOLDER = {"train": "training", "test": "testing"}

    def __init__(self, folder: Path):
        self.folder = folder

    def __str__(self) -> str:
        return f"MNIST pngs in {self.folder}"

    def images(self, split: str, digit: int) -> np.ndarray:
        digit_folder = self.folder / self.FOLDER[split] / str(digit)
        # Other files (.DS_Store, notes) are not digits; skipping them loses nothing.
        paths = sorted(digit_folder.glob("*.png"))
        if not paths:
            raise DataError(f"{digit_folder}: no .png images of digit {digit}")
        return np.stack([_read_png(path) for path in paths])


def _read_png(path: Path) -> np.ndarray:
    try:
        if kind := not_a_file(path):
            raise DataError(f"{path}: is {kind}, not a png image")
        # pngs, or a jpeg misnamed: not an icon, whose image Pillow decodes while opening it, unchecked
        with Image.open(path, formats=["PNG", "JPEG"]) as image:
            if image.size != (28, 28):
                raise DataError(f"{path}: is {image.size[0]}x{image.size[1]}, MNIST images are 28x28")
            return np.asarray(image.convert("L"))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise DataError(f"{path}: not a readable png image") from None


@cache
def open_source(path: str | None = None):
    """The source at `path`, else at $DIGITNET_DATA, else the shipped assets. One per process."""
    path = path or os.environ.get(ENV_VAR)
    if not path:
        return Assets()
    try:
        folder = Path(path).expanduser()
    except (RuntimeError, ValueError):  # "~someone" when there is no such user; a NUL byte in the name
        raise DataError(f"{path}: not a folder of MNIST data") from None
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder of MNIST data")
    if (folder / "training").is_dir() and (folder / "testing").is_dir():
        return PngFolder(folder)
    if any(folder.glob("*idx3-ubyte*")):
        return IdxFiles(folder)
    raise DataError(
        f"{folder}: holds neither the four MNIST IDX files nor training/ and testing/ png folders"
    )


def class_counts(digits, folder: str | None = None) -> dict[int, dict[str, int]]:
    """digit -> {"train": n, "test": n}."""
    source = open_source(folder)
    return {d: {split: len(source.images(split, d)) for split in ("train", "test")} for d in digits}


def sample_grid(digits, per_digit: int = 8, folder: str | None = None, gap: int = 2) -> np.ndarray:
    """A uint8 image: one row per digit of its first `per_digit` training images."""
    source = open_source(folder)
    cell = 28 + gap
    grid = np.zeros((cell * len(digits) - gap, cell * per_digit - gap), dtype=np.uint8)
    for row, digit in enumerate(digits):
        for col, image in enumerate(source.images("train", digit)[:per_digit]):
            grid[row * cell : row * cell + 28, col * cell : col * cell + 28] = image
    return grid

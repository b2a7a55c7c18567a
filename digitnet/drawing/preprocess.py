"""Turn a drawing or a photo into what the model saw in training.

An MNIST digit is white ink on black, scaled so that its longer side is 20 pixels, and
placed in a 28x28 image with its centre of mass at the centre. A drawing on a 280x280
canvas is none of that, and shrinking the whole canvas leaves a model at chance. So:
find the ink, crop to it, scale it to 20 pixels with smooth grey edges, centre it by mass.
A digit cut off by the edge of the square is read from what is left of it (the default models
learnt from drawings against the edge and past it); reaches_edge says when that may be so.
"""

import io
import struct

import numpy as np
from PIL import BmpImagePlugin, IcoImagePlugin, Image, ImageOps, PngImagePlugin, UnidentifiedImageError

from ..errors import EmptyImage, ImageError
from ..files.kinds import not_a_file

SIZE, BOX = 28, 20
WIDE = ("I",)  # PIL's 32-bit integers, which hold a 16-bit scan (floating-point "F" goes to "L" as before)
MAX_PIXELS = 40_000_000  # an upload larger than this is refused before it is decoded
# The formats read, each of which gives its size before any pixel is decoded (an icon once its images'
# own headers are read: _check_icon). Others are refused: Pillow decodes an icns's images at sizes it
# never checks, and opens EPS with Ghostscript. ICO before TGA, whose signature is loose enough to take one.
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP", "PPM", "ICO", "TGA")
ICON, PNG = b"\0\0\1\0", b"\x89PNG\r\n\x1a\n"  # how an ICO file and a png start
WORK_SIDE = 1024  # photos are shrunk to this first: 20 pixels of ink need no more
MIN_CONTRAST = 0.1  # ink must stand this far above the background (on a 0-1 scale)
NOISE = 0.25  # the faintest quarter between background and ink counts as background
# The crop box is set by ink at least half-way from background to the darkest ink (1/3 once the
# faintest quarter is gone): grain or a shadow on a photo's paper then cannot stretch it.
CORE = (0.5 - NOISE) / (1 - NOISE)
EDGE = 2  # pixels: ink this close to the border may go on past it


def open_image(source) -> Image.Image:
    """An image from a path or bytes, with a clear message for anything that is not one; its size
    is checked before any of its pixels is decoded."""
    try:
        if not isinstance(source, bytes | bytearray) and (kind := not_a_file(source)):  # a pipe would wait for ever
            raise ImageError(f"cannot open the file: it is {kind}, not an image file")
        with io.BytesIO(source) if isinstance(source, bytes | bytearray) else open(source, "rb") as stream:
            _check_icon(stream)
            image = Image.open(stream, formats=FORMATS)
            _check_size(*image.size)
            image.load()
            ImageOps.exif_transpose(image, in_place=True)  # a phone photo is stored sideways, with a note to turn it
    except Image.DecompressionBombError:
        raise ImageError(f"the image is too large: at most {MAX_PIXELS:,} pixels, please") from None
    except UnidentifiedImageError:
        raise ImageError("this is not an image file that can be read (try a png or jpg)") from None
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise ImageError(f"cannot open the file ({exc.strerror})") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"the image file is damaged or truncated ({exc})") from None
    return image


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ImageError(f"the image is {width}x{height} pixels, too large: at most {MAX_PIXELS:,} pixels, please")


def _check_icon(stream) -> None:
    """ImageError when the stream is an icon holding an image too large. Pillow decodes an icon's
    largest image as it opens it, and an icon's list of its images says at most 256x256 whatever
    they hold: each image's own header (a png's or a bitmap's) is read here first, as Pillow reads it.
    A header that cannot be read is left alone: Pillow fails on it in the same way, before decoding."""
    if stream.read(4) != ICON:
        stream.seek(0)
        return
    stream.seek(0)
    try:
        entries = IcoImagePlugin.IcoFile(stream).entry
    except (SyntaxError, IndexError, TypeError, struct.error):  # what Image.open takes for "not an ICO"
        entries = []
    for entry in entries:
        stream.seek(entry.offset)
        kind = PngImagePlugin.PngImageFile if stream.read(8) == PNG else BmpImagePlugin.DibImageFile
        stream.seek(entry.offset)
        try:
            size = kind(stream).size
        except (OSError, SyntaxError, ValueError, IndexError, TypeError, struct.error):
            continue
        _check_size(*size)
    stream.seek(0)


def preprocess(image) -> np.ndarray:
    """(28, 28) float32 in [0, 1], white digit on black, from an RGBA, RGB or grey array
    (uint8, or floats in [0, 1]) or a PIL image. Raises EmptyImage when there is no ink."""
    return model_input(ink_of(image))


def ink_of(image) -> np.ndarray:
    """(H, W) float32: the image's ink as white on black, the background exactly 0 (preprocess's
    first half). Raises EmptyImage when there is none."""
    return _ink(_to_grey(image))


def model_input(ink: np.ndarray) -> np.ndarray:
    """(28, 28) float32: the ink (from ink_of) as a model sees it (preprocess's second half)."""
    rows, cols = np.nonzero(ink >= CORE)
    ink = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    digit = _scale_longer_side(ink, BOX)
    return _centre_by_mass(digit, SIZE)


def reaches_edge(ink: np.ndarray) -> bool:
    """Whether the ink (from ink_of) comes within EDGE pixels of the image's border, so that part
    of the drawing may be off it."""
    core = ink >= CORE
    return bool(core[:EDGE].any() or core[-EDGE:].any() or core[:, :EDGE].any() or core[:, -EDGE:].any())


def _to_grey(image) -> np.ndarray:
    """(H, W) float32 in [0, 1], with any transparency flattened onto a background."""
    try:  # shrinking converts too, and a nested list of rows may be ragged
        if isinstance(image, Image.Image):
            image = _shrink(_wide_to_32_bits(image))
            if image.mode not in WIDE:  # 8-bit "L" would clip a 16-bit scan to white: keep its numbers
                image = image.convert("RGBA" if image.has_transparency_data else "L")
        array = np.asarray(image)
    except (OSError, ValueError) as exc:
        raise ImageError(f"the image cannot be decoded ({exc})") from None
    if array.ndim == 3 and array.shape[2] in (1, 3, 4):
        channels = array.shape[2]
    elif array.ndim == 2:
        array, channels = array[:, :, None], 1
    else:
        raise ImageError(f"expected an image of shape (H, W), (H, W, 3) or (H, W, 4); got {array.shape}")
    if array.size == 0:
        raise EmptyImage("the image has no pixels")
    _check_size(array.shape[1], array.shape[0])
    values = _unit_range(array)
    colour, alpha = (values[:, :, :3], values[:, :, 3]) if channels == 4 else (values, None)
    grey = colour.mean(axis=2) if colour.shape[2] == 3 else colour[:, :, 0]
    if alpha is None or alpha.min() == 1:
        return grey
    if alpha.max() == 0:
        raise EmptyImage("the image is fully transparent")
    # Light marks on transparency (a canvas) go onto black; dark marks (a scan) onto white.
    marks_are_light = (grey * alpha).sum() / alpha.sum() > 0.5
    return grey * alpha + (0.0 if marks_are_light else 1.0) * (1 - alpha)


def _shrink(image: Image.Image) -> Image.Image:
    scale = WORK_SIDE / max(image.size)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return (image if image.mode in WIDE else image.convert("RGBA")).resize(size, Image.Resampling.BOX)


def _wide_to_32_bits(image: Image.Image) -> Image.Image:
    """16-bit greyscale (common from scanners) as 32-bit integers, which PIL can resize."""
    return image.convert("I") if image.mode.startswith("I;16") else image


def viewable(image: Image.Image, side: int) -> Image.Image:
    """An uploaded picture as a browser can show it, at most `side` pixels a side: 8 bits a
    channel (a 16-bit scan scaled by its own range, as preprocess reads it)."""
    image = _wide_to_32_bits(image)
    if image.mode in WIDE:
        image = Image.fromarray((_unit_range(np.asarray(image)) * 255).astype(np.uint8))
    elif image.mode not in ("L", "RGB", "RGBA"):
        image = image.convert("L" if image.mode == "F" else "RGBA")
    image = image.copy()
    image.thumbnail((side, side))
    return image


def _unit_range(array: np.ndarray) -> np.ndarray:
    if array.dtype == bool:
        return array.astype(np.float32)
    if np.issubdtype(array.dtype, np.integer):
        # 0-255 whatever the integer type; a wider range (16-bit scans) by its own maximum
        array = np.clip(array, 0, None).astype(np.float32)
        return array / max(255.0, float(array.max()))
    if not np.issubdtype(array.dtype, np.floating):
        raise ImageError(f"pixel values of type {array.dtype} are not an image")
    if not np.isfinite(array).all():
        raise ImageError("the image holds NaN or infinite values")
    # Scale and clip before narrowing to float32, which would overflow huge float64 values
    return np.clip(array / 255 if array.max() > 1 else array, 0, 1).astype(np.float32)


def _ink(grey: np.ndarray) -> np.ndarray:
    """The ink as white on black, background exactly 0; EmptyImage when there is none."""
    background = float(np.median(grey))
    if background > 0.5:  # dark ink on light paper
        grey, background = 1 - grey, 1 - background
    top = float(grey.max())
    if top - background < MIN_CONTRAST:
        raise EmptyImage("there is no ink in the image: draw a digit first")
    floor = background + NOISE * (top - background)
    return np.clip((grey - floor) / (top - floor), 0, 1).astype(np.float32)


def _scale_longer_side(ink: np.ndarray, side: int) -> np.ndarray:
    height, width = ink.shape
    scale = side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    scaled = Image.fromarray(ink).resize(size, Image.Resampling.LANCZOS)
    return np.clip(np.asarray(scaled), 0, 1)


def _centre_by_mass(digit: np.ndarray, size: int) -> np.ndarray:
    height, width = digit.shape
    total = digit.sum()
    if total <= 0:
        raise EmptyImage("the ink is too faint to read")
    rows, cols = np.indices(digit.shape)
    top = round((size - 1) / 2 - (rows * digit).sum() / total)
    left = round((size - 1) / 2 - (cols * digit).sum() / total)
    out = np.zeros((size, size), dtype=np.float32)
    # A lopsided digit can have its mass far from its middle: clip what falls outside.
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + height, size), min(left + width, size)
    out[r0:r1, c0:c1] = digit[r0 - top : r1 - top, c0 - left : c1 - left]
    return out / out.max()

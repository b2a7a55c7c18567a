import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw

from digitnet.drawing.generated import DIGITS, draw
from digitnet.drawing.preprocess import ink_of, open_image, preprocess, reaches_edge
from digitnet.errors import EmptyImage, ImageError


def draw_seven(centre=(140, 140), size=200, ink=(255, 255, 255, 255), background=(0, 0, 0, 255), mode="RGBA"):
    """A 7 on a 280x280 canvas, the stroke as thick relative to the digit whatever its size."""
    image = Image.new(mode, (280, 280), background)
    x, y = centre
    points = [(x - 0.4 * size, y - 0.5 * size), (x + 0.4 * size, y - 0.5 * size), (x - 0.1 * size, y + 0.5 * size)]
    ImageDraw.Draw(image).line(points, fill=ink, width=round(size / 10), joint="curve")
    return image


@pytest.fixture(scope="module")
def centred():
    return preprocess(np.asarray(draw_seven()))


def png_bytes(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_output_is_mnist_like(centred):
    assert centred.shape == (28, 28) and centred.dtype == np.float32
    assert centred.min() == 0 and centred.max() == 1
    rows, cols = np.indices(centred.shape)
    total = centred.sum()
    assert abs((rows * centred).sum() / total - 13.5) <= 1
    assert abs((cols * centred).sum() / total - 13.5) <= 1
    ink_rows, ink_cols = np.nonzero(centred)
    height = ink_rows.max() - ink_rows.min() + 1
    width = ink_cols.max() - ink_cols.min() + 1
    assert abs(max(height, width) - 20) <= 1
    assert width < height  # the 7 keeps its shape


def test_small_off_centre_drawing(centred):
    small = preprocess(np.asarray(draw_seven(centre=(70, 80), size=60)))
    assert np.abs(small - centred).mean() < 0.05


def test_dark_ink_on_light_photo(centred):
    photo = draw_seven(ink=(0, 0, 0), background=(255, 255, 255), mode="RGB")
    assert np.abs(preprocess(np.asarray(photo)) - centred).mean() < 0.05


def test_grey_paper_and_pencil(centred):
    photo = draw_seven(ink=90, background=200, mode="L")
    assert np.abs(preprocess(np.asarray(photo)) - centred).mean() < 0.05


def test_grain_and_shade_on_paper_leave_the_digit_alone():
    # a generated drawing photographed: dark ink on paper that is grainy and darker towards one corner
    canvas = draw(DIGITS[2], np.random.default_rng(3)).astype(np.float32) / 255
    rows, cols = np.indices(canvas.shape)
    paper = 0.95 - 0.15 * (rows + cols) / 560 + np.random.default_rng(0).normal(0, 0.02, canvas.shape)
    photo = np.clip(paper * (1 - 0.7 * canvas), 0, 1)
    assert np.abs(preprocess(photo) - preprocess(canvas)).mean() < 0.03


def test_transparent_background(centred):
    canvas = draw_seven(background=(0, 0, 0, 0))
    assert np.abs(preprocess(np.asarray(canvas)) - centred).mean() < 0.05


def test_dark_marks_on_transparency(centred):
    scan = draw_seven(ink=(0, 0, 0, 255), background=(0, 0, 0, 0))
    assert np.abs(preprocess(np.asarray(scan)) - centred).mean() < 0.05


def test_pil_image(centred):
    assert np.abs(preprocess(draw_seven()) - centred).mean() < 0.05
    assert np.abs(preprocess(draw_seven(background=(0, 0, 0, 0))) - centred).mean() < 0.05


def test_large_photo_is_shrunk_first(centred):
    photo = draw_seven(ink=(0, 0, 0), background=(255, 255, 255), mode="RGB").resize((2800, 2800))
    assert np.abs(preprocess(photo) - centred).mean() < 0.05


def test_float_input(centred):
    grey = np.asarray(draw_seven(ink=255, background=0, mode="L")).astype(np.float64) / 255
    assert np.abs(preprocess(grey) - centred).mean() < 0.05


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((280, 280, 4), np.uint8),
        np.full((280, 280, 3), 255, np.uint8),
        np.full((50, 50), 0.5),
        np.zeros((0, 0)),
    ],
)
def test_empty_image(image):
    with pytest.raises(EmptyImage):
        preprocess(image)


def test_faint_marks_are_not_ink():
    image = np.zeros((280, 280), np.uint8)
    image[100:150, 100:110] = 20  # below the contrast needed to count as ink
    with pytest.raises(EmptyImage, match="no ink"):
        preprocess(image)


def test_ink_at_the_edge_is_told():
    assert not reaches_edge(ink_of(np.asarray(draw_seven())))  # 40 px from every side
    assert not reaches_edge(ink_of(np.asarray(draw_seven(centre=(255, 140), size=30))))  # near the edge, not on it
    right = draw_seven(centre=(240, 140))  # its bar runs past the right edge
    assert reaches_edge(ink_of(np.asarray(right))) and reaches_edge(ink_of(right))


@pytest.mark.parametrize("side", range(4))
def test_ink_against_any_side_is_told(side):
    canvas = np.zeros((280, 280), np.uint8)
    canvas[100:180, 120:130] = 255
    canvas[100:110, 0:130] = 255  # a stroke running into the left side
    turned = np.rot90(canvas, side).copy()
    assert reaches_edge(ink_of(turned)) and reaches_edge(ink_of(255 - turned))  # drawn, or dark ink on paper


def test_faint_marks_at_the_edge_are_not_ink():
    image = np.asarray(draw_seven())[..., 0].copy()
    image[:, :3] = 40  # a grey line along the border, under the quarter between background and ink
    assert not reaches_edge(ink_of(image))


def test_nan_is_refused():
    image = np.zeros((28, 28), np.float32)
    image[3, 3] = np.nan
    with pytest.raises(ImageError, match="NaN"):
        preprocess(image)


@pytest.mark.parametrize("shape", [(784,), (28, 28, 2), (28, 28, 5), (1, 28, 28, 1)])
def test_wrong_shapes(shape):
    with pytest.raises(ImageError, match="expected an image of shape"):
        preprocess(np.ones(shape, np.uint8))


def test_open_image_from_bytes_and_path(tmp_path):
    data = png_bytes(draw_seven())
    assert open_image(data).size == (280, 280)
    (tmp_path / "seven.png").write_bytes(data)
    assert np.array_equal(np.asarray(open_image(tmp_path / "seven.png")), np.asarray(open_image(data)))


def test_open_image_missing_file(tmp_path):
    with pytest.raises(ImageError, match=r"cannot open the file \(No such file or directory\)"):
        open_image(tmp_path / "absent.png")
    with pytest.raises(ImageError, match="cannot open the file"):
        open_image(tmp_path)


def test_open_image_refuses_non_images():
    with pytest.raises(ImageError, match="not an image file"):
        open_image(b"%PDF-1.4 not an image at all")


def test_open_image_refuses_truncated_png():
    data = png_bytes(Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8)))
    with pytest.raises(ImageError, match="damaged or truncated"):
        open_image(data[: len(data) // 2])


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_open_image_refuses_huge_images():
    # A png promising 7000x6000 pixels: refused before anything is decoded.
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 7000, 6000, 8, 0, 0, 0, 0))
    data = b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"IDAT", zlib.compress(b"")) + png_chunk(b"IEND", b"")
    with pytest.raises(ImageError, match="7000x6000 pixels"):
        open_image(data)

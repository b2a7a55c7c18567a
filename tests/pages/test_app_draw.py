"""The Draw page's logic in AppTest: a drawing is injected as the canvas component's value."""

import base64
import io
import struct
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFilter
from streamlit.testing.v1 import AppTest

from digitnet.app_support.views.wording import plain
from digitnet.drawing.defaults import default_model
from digitnet.drawing.explain import explain
from digitnet.drawing.generated import DIGITS, NONDIGITS, draw, rgba
from digitnet.drawing.predict import classify, threshold_of
from digitnet.drawing.preprocess import preprocess
from digitnet.lesson.dataset import ALL_DIGITS, load_dataset
from harness.drawings import png_data_url
from pages.parts.answer_views import percent
from tests.apptest import figures, open_page

HINT = "in the black square"


def draw_page() -> AppTest:
    return open_page("draw")


def png(image: Image.Image, format: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def put_on_canvas(at: AppTest, rgba: np.ndarray) -> AppTest:
    """What the canvas component sends after a stroke: its JSON and a PNG data URL."""
    at.session_state["draw_canvas"] = {"drawing": {"raw": {"objects": [{"type": "path"}]}, "data": png_data_url(rgba)},
                                       "backgroundFit": None}
    return at.run()


def a_drawing(digit: int, seed: int = 1) -> np.ndarray:
    """A generated drawing of `digit` as the canvas sends it (RGBA)."""
    return rgba(draw(DIGITS[digit], np.random.default_rng(seed)))


def predictions(at: AppTest) -> list[str]:
    return [h.value for h in at.subheader if h.value.startswith("Prediction")]


def hints(at: AppTest) -> list[str]:
    return [i.value for i in at.info if HINT in i.value]


def array(value) -> np.ndarray:
    """A plotly figure's numbers: a list, or numpy's bytes in base64 as plotly sends them."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return flat.reshape([int(n) for n in str(value.get("shape", flat.size)).split(",")])
    return np.array(value)


def answering(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Answering"))


def test_first_visit_hint_then_answers_with_the_default_model():
    at = draw_page()
    assert not at.exception
    assert hints(at) == ["Draw a 2 or a 6 in the black square: the model answers when you lift the mouse or finger."]
    assert predictions(at) == [] and not at.error and not at.warning
    [empty] = figures(at)  # the answer's chart, no answer in it yet
    assert list(array(empty["data"][0]["y"])) == [0, 0] and empty["data"][0]["text"] == ["", ""]
    assert answering(at).startswith("Answering: **default three-layer net**, ships with the app; validation accuracy")
    for digit in (6, 2):
        put_on_canvas(at, a_drawing(digit))
        assert not at.exception
        assert predictions(at) == [f"Prediction: {digit}"]
        assert hints(at) == []
        bars, seen, why = figures(at)
        assert bars["data"][0]["x"] == ["2", "6"]
        assert seen["data"][0]["type"] == why["data"][0]["type"] == "heatmap"
        image = array(seen["data"][0]["z"])
        assert image.shape == (28, 28) and np.allclose(image, preprocess(a_drawing(digit)), atol=1e-6)
        assert why["data"][0]["colorbar"]["ticktext"] == ["towards 2", "0", "towards 6"]
        pushes = array(why["data"][0]["z"])
        assert np.isnan(pushes[image < 0.1]).all() and not np.isnan(pushes[image >= 0.1]).any()
        assert any(m.value.startswith("with probability **") for m in at.markdown)


def test_a_black_canvas_is_no_drawing():
    at = put_on_canvas(draw_page(), np.tile(np.array([0, 0, 0, 255], np.uint8), (280, 280, 1)))
    assert not at.exception and not at.error
    assert predictions(at) == [] and len(hints(at)) == 1


def model_picker(at: AppTest):
    return next(box for box in at.selectbox if box.label == "Model that answers")


def off_the_square(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "off the square" in w.value]


def past_the_right_edge(drawing: np.ndarray, pixels: int) -> np.ndarray:
    """The drawing moved right until `pixels` of its ink are past the canvas's edge, cut off there."""
    right = np.nonzero(drawing[:, :, 0].max(axis=0) > 127)[0].max()
    moved = np.zeros_like(drawing)
    moved[..., 3] = 255
    shift = 279 - right + pixels
    moved[:, shift:] = drawing[:, : 280 - shift]
    return moved


def test_a_digit_running_off_the_square_is_read_and_told():
    at = put_on_canvas(draw_page(), a_drawing(6))
    assert predictions(at) == ["Prediction: 6"] and off_the_square(at) == []
    put_on_canvas(at, past_the_right_edge(a_drawing(6), 15))
    assert not at.exception
    assert predictions(at) == ["Prediction: 6"]
    assert off_the_square(at) == ["Part of your digit may be off the square: the model reads only what is inside "
                                  "it. If the answer is wrong, draw it smaller or nearer the middle."]


def test_latest_run_answers_and_every_model_can_be_chosen():
    at = draw_page()
    lab = at.session_state.lab
    lab.settings = lab.settings.replace(model="linear", epochs=1, seed=0)
    data = load_dataset((2, 6))
    for _ in lab.start_run(data).fit():
        pass
    lab.add_saved(default_model("mlp", (2, 6)), data, "mine.safetensors")
    put_on_canvas(at, a_drawing(6))
    assert "**mine.safetensors (uploaded)**, loaded from a file in this session" in answering(at)
    labels = model_picker(at).options
    assert labels == ["run 1", "mine.safetensors (uploaded)", "default three-layer net", "default linear model"]
    model_picker(at).set_value(labels.index("run 1")).run()
    assert "**run 1**, trained in this session" in answering(at) and "Trained with: linear, 2 vs 6" in answering(at)
    assert predictions(at) == ["Prediction: 6"]
    linear = next(c.value for c in at.caption if "weight times its brightness" in c.value)
    assert "(above 0 means 6)" in linear and "the bias" in linear
    model_picker(at).set_value(labels.index("default linear model")).run()
    assert "**default linear model**, ships" in answering(at) and "with: linear, 2 vs 6" in answering(at)
    assert predictions(at) == ["Prediction: 6"]


def test_ten_digits_answer_with_ten_bars():
    at = draw_page()
    at.toggle(key="task_ten").set_value(True).run()
    assert hints(at) == ["Draw any digit in the black square: the model answers when you lift the mouse or finger."]
    drawn = a_drawing(2)
    put_on_canvas(at, drawn)
    assert not at.exception
    expected = classify(default_model("mlp", ALL_DIGITS).model, preprocess(drawn), ALL_DIGITS)
    assert predictions(at) == [f"Prediction: {expected.digit}"]
    bars = figures(at)[0]["data"][0]
    assert bars["x"] == [str(d) for d in range(10)]
    assert array(bars["y"]).tolist() == pytest.approx([expected.probabilities[d] for d in range(10)])
    assert "all ten digits" in answering(at)


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    if at.radio(key="draw_input").value != "Upload a picture":
        at.radio(key="draw_input").set_value("Upload a picture").run()
    return at.file_uploader(key="draw_upload").set_value((name, data, "image/png")).run()


def paper_photo(digit: int, size=(1200, 900)) -> Image.Image:
    """A phone photo of a digit in pencil: grey ink, uneven light on off-white paper, grain."""
    ink = Image.fromarray(a_drawing(digit)[:, :, 0]).resize((size[1] // 2,) * 2)
    rng = np.random.default_rng(0)
    light = np.linspace(215, 245, size[0])[None, :] - np.linspace(0, 20, size[1])[:, None]
    paper = light + rng.normal(0, 4, (size[1], size[0]))
    mask = np.zeros((size[1], size[0]))
    mask[size[1] // 4 : size[1] // 4 + ink.height, size[0] // 3 : size[0] // 3 + ink.width] = np.asarray(ink) / 255
    photo = paper * (1 - 0.65 * mask)
    return Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8)).convert("RGB").filter(ImageFilter.BLUR)


@pytest.fixture(scope="module")
def huge_png() -> bytes:
    """A valid 20000x20000 black-and-white png, 200 KB: zlib squeezes its 50 MB of zero rows."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    side = 20_000
    rows = zlib.compress(bytes((1 + side // 8) * side), 1)  # each row: filter byte 0, then 2500 bytes of pixels
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_upload_a_photo_of_dark_ink_on_light_paper():
    at = draw_page()
    for digit, name, data in [(6, "six.jpg", png(paper_photo(6), "JPEG", quality=85)),
                              (2, "two.png", png(paper_photo(2)))]:
        upload(at, name, data)
        assert not at.exception and not at.error
        assert predictions(at) == [f"Prediction: {digit}"]
        assert len(at.get("image")) == 1  # the upload is shown, shrunk


def test_an_uploaded_pictures_name_is_its_caption_as_typed():
    """st.image's caption renders Markdown: a file name's link would be live there."""
    name = "**bold** [Session expired](http:127.0.0.1:9/login).png"
    at = upload(draw_page(), name, png(paper_photo(6)))
    [image] = at.get("image")
    assert [shown.caption for shown in image.proto.imgs] == [plain(name)]


def test_upload_of_a_sideways_phone_photo_is_turned_upright():
    upright = paper_photo(2, size=(900, 900))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # the camera's sensor held sideways
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: turn 90 degrees clockwise to view
    at = upload(draw_page(), "phone.jpg", png(stored, "JPEG", quality=95, exif=exif))
    seen = array(figures(at)[1]["data"][0]["z"])
    expected = preprocess(Image.open(io.BytesIO(png(upright, "JPEG", quality=95))))
    assert np.abs(seen - expected).mean() < 0.02
    assert np.abs(seen - preprocess(stored)).mean() > 0.1  # read sideways it would differ


def test_bad_uploads_get_a_clear_message(huge_png):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("digit.png", png(paper_photo(6)))
    whole = png(Image.fromarray(np.random.default_rng(0).integers(0, 256, (200, 200), dtype=np.uint8)))
    cases = [
        ("archive.png", archive.getvalue(), "not an image file"),
        ("notes.png", b"my digit is a six\n", "not an image file"),
        ("cut.png", whole[: len(whole) // 2], "damaged or truncated"),
        ("huge.png", huge_png, "too large"),
    ]
    at = draw_page()
    for name, data, reason in cases:
        upload(at, name, data)
        assert not at.exception
        assert len(at.error) == 1 and at.error[0].value.startswith(f"{name}: ")
        assert reason in at.error[0].value
        assert predictions(at) == []
    upload(at, "blank.png", png(Image.new("RGB", (400, 300), (240, 240, 235))))
    assert [w.value for w in at.warning] == ["blank.png: there is no ink in the image: draw a digit first."]
    upload(at, "six.png", png(paper_photo(6)))  # the session keeps working
    assert predictions(at) == ["Prediction: 6"] and not at.error


def test_another_pair_gets_a_default_model_trained_once():
    at = draw_page()
    at.selectbox(key="task_a").set_value(3).run()
    at.selectbox(key="task_b").set_value(8).run()
    assert not at.exception
    assert "**default three-layer net**, trained on this server the first time" in answering(at)
    assert "3 vs 8" in answering(at)
    assert hints(at) == ["Draw a 3 or an 8 in the black square: the model answers when you lift the mouse or finger."]
    put_on_canvas(at, a_drawing(6))
    assert predictions(at)[0] in ("Prediction: 3", "Prediction: 8")
    assert figures(at)[0]["data"][0]["x"] == ["3", "8"]


def test_not_sure_of_what_is_no_digit_and_still_the_probabilities():
    at = draw_page()
    sun = rgba(draw(NONDIGITS["sun"], np.random.default_rng(1)))
    for ten, known in ((True, "a digit I know"), (False, "a 2 or a 6")):
        at.toggle(key="task_ten").set_value(ten).run()
        put_on_canvas(at, sun)
        digits = ALL_DIGITS if ten else (2, 6)
        saved = default_model("mlp", digits)
        expected = classify(saved.model, preprocess(sun), digits, saved.metrics["sure_threshold"])
        assert not at.exception and not expected.sure
        assert predictions(at) == ["Prediction: not sure"]
        assert f"This doesn't look like {known}; my best guess is **{expected.digit}**" in answer_text(at)
        assert any(c.value.startswith("A classifier must answer with one of the digits it knows") for c in at.caption)
        bars = figures(at)[0]["data"][0]
        assert array(bars["y"]).tolist() == pytest.approx([expected.probabilities[d] for d in digits])
        assert f"Below {saved.metrics['sure_threshold']:.0%} it says it is not sure." in answering(at)


def said(at: AppTest) -> list[str]:
    """What the Draw page's polite status says (a screen reader's words for the answer)."""
    return [i.value for i in at.info if i.value.startswith(("The model", "No answer yet"))]


def test_the_answer_is_said_in_words_as_one_status():
    at = draw_page()
    assert said(at) == ["No answer yet: draw a digit, upload a picture or choose a test image."]
    shipped = default_model("mlp", (2, 6))
    put_on_canvas(at, a_drawing(6))
    expected = classify(shipped.model, preprocess(a_drawing(6)), (2, 6), threshold_of(shipped.metrics))
    shown = next(m.value for m in at.markdown if m.value.startswith("with probability **"))
    assert expected.sure and shown == f"with probability **{percent(expected.probability)}**"
    assert said(at) == [f"The model reads 6, {percent(expected.probability)} sure."]
    sun = rgba(draw(NONDIGITS["sun"], np.random.default_rng(1)))
    put_on_canvas(at, sun)
    guess = classify(shipped.model, preprocess(sun), (2, 6), threshold_of(shipped.metrics))
    assert predictions(at) == ["Prediction: not sure"]
    assert said(at) == [f"The model is not sure this is a 2 or a 6: its best guess is {guess.digit}, "
                        f"at {percent(guess.probability)}."]
    at.radio(key="draw_input").set_value("Upload a picture").run()
    assert said(at) == ["No answer yet: draw a digit, upload a picture or choose a test image."]
    at.radio(key="draw_input").set_value("Try a test image").run()
    assert len(said(at)) == 1 and said(at)[0].startswith("The model reads 2, ")  # validation image 1, a 2


def answer_text(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def test_a_test_image_gets_the_answer_the_picture_and_the_why_map_a_drawing_gets():
    """Without a pointer: an MNIST validation image chosen by number, then one of My digits."""
    data = load_dataset((2, 6))
    shipped = default_model("mlp", (2, 6))
    model, threshold = shipped.model, threshold_of(shipped.metrics)
    labels = data.valid_y[:, 0].long()
    wrong = next(i for i in range(len(labels))
                 if classify(model, data.valid_x[i].reshape(28, 28).numpy(), (2, 6)).digit != (2, 6)[labels[i]])
    at = draw_page()
    at.radio(key="draw_input").set_value("Try a test image").run()
    assert at.radio(key="test_source").options == ["MNIST validation images"]  # no digits of your own yet
    for index in (int((labels == 0).sum()), wrong):  # the first 6, and one the default net gets wrong
        at.number_input(key="test_number").set_value(index + 1).run()
        assert not at.exception and hints(at) == []
        image = data.valid_x[index].reshape(28, 28).numpy()
        expected = classify(model, image, (2, 6), threshold)
        assert predictions(at) == [f"Prediction: {expected.digit if expected.sure else 'not sure'}"]
        [shown] = at.get("image")
        digit = (2, 6)[labels[index]]
        assert shown.proto.imgs[0].caption == f"Validation image {index + 1:,} of 1,990: a {digit}"
        assert shown.proto.imgs[0].alt.startswith(f"Validation image {index + 1:,} of 1,990, a {digit}, 28 by 28")
        bars, seen, why = figures(at)
        assert array(bars["data"][0]["y"]).tolist() == pytest.approx([expected.probabilities[d] for d in (2, 6)])
        assert np.allclose(array(seen["data"][0]["z"]), image, atol=1e-6)
        pushes = array(why["data"][0]["z"])
        reference = explain(model, image, (2, 6)).contributions.reshape(28, 28)
        assert np.allclose(pushes[image >= 0.1], reference[image >= 0.1], atol=1e-5)
        assert not [b for b in at.button if b.key == "add_my_digit"]  # MNIST's images are not yours to add
    mine = data.valid_x[wrong].reshape(28, 28).numpy()
    at.session_state.lab.work.add_digit(mine, 6)
    at.run()
    at.radio(key="test_source").set_value("My digits").run()
    assert not at.exception
    assert at.get("image")[0].proto.imgs[0].caption == "Your digit 1 of 1: a 6"
    stored = np.round(mine * 255) / 255  # as My digits keeps it, in bytes
    again = classify(model, stored, (2, 6), threshold)
    assert predictions(at) == [f"Prediction: {again.digit if again.sure else 'not sure'}"]

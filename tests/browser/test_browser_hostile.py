"""Hostile and clumsy use in a real browser: quick clicks while the page steps, a link with
numbers past the sliders, Markdown in a link, a 16-bit scan. The page never shows a traceback."""

import io
import time

import numpy as np
import pytest
from PIL import Image, ImageDraw

from harness.browser import sidebar

pytestmark = pytest.mark.browser

EXCEPTION = '[data-testid="stException"]'
RUNNING = '[data-testid="stStatusWidget"]'


def settle(page, timeout: float = 60) -> None:
    """Until the page's script has finished (Streamlit's running indicator gone) for a moment."""
    deadline = time.monotonic() + timeout
    quiet_since = None
    while time.monotonic() < deadline:
        if page.locator(RUNNING).count():
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 1.0:
            return
        page.wait_for_timeout(100)
    raise AssertionError("the page kept running")


def button(page, key: str):
    return page.locator(f".st-key-{key} button").first


def no_traceback(page) -> None:
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).first.inner_text()


def test_quick_clicks_while_stepping_never_break_the_page(page, app_url):
    page.goto(f"{app_url}/step?bs=1")
    settle(page)
    button(page, "step_init").click()
    page.get_by_text("Validation accuracy").first.wait_for()
    button(page, "step_epoch").click()  # 11,876 steps of one image
    page.wait_for_timeout(150)
    button(page, "step_one").click()
    settle(page)
    no_traceback(page)
    page.get_by_text("another click came first").first.wait_for()  # the epoch stopped where it was, and says so
    for key in ["step_next", "step_one", "step_ten", "step_epoch"] * 3:
        button(page, key).click()
        page.wait_for_timeout(100)
    settle(page)
    no_traceback(page)
    label = button(page, "step_next").inner_text()
    button(page, "step_next").click()  # still stepping, one step at a time
    settle(page)
    no_traceback(page)
    assert button(page, "step_next").inner_text() != label


@pytest.mark.parametrize("path", ["train", "step"])
def test_a_link_past_the_epochs_slider_opens_the_page(page, app_url, path):
    page.goto(f"{app_url}/{path}?epochs=500&bs=1000000000")
    page.get_by_text("ignored bs=").first.wait_for()  # refused, with a note
    if path == "step":
        settle(page)
        button(page, "step_init").click()
    slider = page.get_by_role("slider", name="Epochs")
    slider.wait_for()
    settle(page)
    no_traceback(page)
    assert slider.get_attribute("aria-valuetext") == "500"
    assert "bs=1000000000" not in page.url  # and the link no longer carries it


@pytest.mark.parametrize("value", [
    "[Session expired, log in](https://evil.example/login)",
    "![x](https://evil.example/t.png)",
    "<img src=https://evil.example/h.png> **bold** `code` www.evil.example",
    ":red[red] :material/home: :smile: $x$",  # a colour, an icon, an emoji, maths
    "mailto:a@evil.example http:evil.example",
])
def test_markdown_in_a_link_is_shown_as_typed(page, app_url, value):
    """local_page fails the test on any request off this machine: an image would be one."""
    page.goto(f"{app_url}/train?model={value}")
    warning = page.get_by_text("from the link").first
    warning.wait_for()
    settle(page)
    assert value[:30] in warning.inner_text().replace("\u200b", "")  # as typed, to the eye
    assert page.locator('a[href*="evil"]').count() == 0
    assert page.locator('img[src*="evil"]').count() == 0
    no_traceback(page)


HOSTILE = "![x](http:127.0.0.1:9/t) [Session expired](http:127.0.0.1:9/login)"


def model_of_three_and_eight() -> bytes:
    from digitnet.files.modelfile import model_bytes
    from digitnet.lesson.models import build_model
    from digitnet.lesson.settings import Settings

    settings = Settings(model="linear", digits=(3, 8)).checked()
    return model_bytes(build_model("linear", settings.n_outputs, settings.hidden, settings.init), settings, {})


def no_link_or_image_from(page, requests: list[str]) -> None:
    """Nothing on the page links to or shows 127.0.0.1:9 (the names' address), and nothing asked for it:
    a browser reads http:127.0.0.1:9/t as a path of the app's own address."""
    main = page.get_by_test_id("stMain")
    assert main.locator("a[href*='127.0.0.1:9'], img[src*='127.0.0.1:9']").count() == 0
    assert main.locator("strong, em, code").filter(has_text="bold").count() == 0
    assert not [url for url in requests if "127.0.0.1:9" in url]


def test_file_names_show_as_typed_on_weights_and_draw(page, app_url):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{app_url}/train")
    model = {"name": f"{HOSTILE}.safetensors", "mimeType": "application/octet-stream",
             "buffer": model_of_three_and_eight()}
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(model)
    page.get_by_text("every page now does too").wait_for()
    page.get_by_text("All ten digits").click()  # the model's digits are other digits now
    settle(page)
    sidebar(page, "Weights")
    caption = page.get_by_text("learned other digits")
    caption.wait_for()
    assert f"{HOSTILE}.safetensors (uploaded) learned other digits" in caption.inner_text().replace("\u200b", "")
    no_link_or_image_from(page, requests)

    sidebar(page, "Draw")
    page.get_by_text("Upload a picture", exact=True).click()
    name = "**bold** [Session expired](http:127.0.0.1:9/login).png"
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        {"name": name, "mimeType": "image/png", "buffer": sixteen_bit_scan()})
    page.get_by_text("Prediction:").first.wait_for()
    settle(page)
    assert page.get_by_test_id("stImageCaption").inner_text().replace("\u200b", "") == name
    no_link_or_image_from(page, requests)
    no_traceback(page)


def sixteen_bit_scan() -> bytes:
    """A dark 6 on light paper, as a 16-bit greyscale png (what scanners often write)."""
    paper = Image.new("L", (240, 300), 235)
    pen = ImageDraw.Draw(paper)
    pen.arc((50, 120, 190, 270), 0, 360, fill=20, width=18)
    pen.line([(160, 30), (60, 190)], fill=20, width=18)
    deep = np.asarray(paper).astype(np.uint16) * 257
    out = io.BytesIO()
    Image.fromarray(deep).save(out, "PNG")
    return out.getvalue()


def test_a_16_bit_scan_is_read_and_shown(page, app_url):
    page.goto(f"{app_url}/draw")
    page.get_by_text("Upload a picture", exact=True).click()
    page.locator('input[type="file"]').set_input_files(
        {"name": "scan16.png", "mimeType": "image/png", "buffer": sixteen_bit_scan()})
    page.get_by_text("Prediction: 6").wait_for()
    settle(page)
    no_traceback(page)
    assert page.locator('[data-testid="stImage"] img').count() >= 1

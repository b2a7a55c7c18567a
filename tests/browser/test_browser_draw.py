"""Drawing in a real browser: mouse strokes, the toolbar's undo and clear, touch, the square's
top-right corner under the toolbar, a finger on a phone, refused uploads, and "Add to my digits". (Many drawings at a
person's pace: test_strokes_kept.py.)

The time from releasing the mouse to the answer on screen is printed (pytest -s), not asserted.
"""

import io
import time
import zipfile

import pytest

from digitnet.files.digitsheet import read_sheet
from harness.browser import local_page
from harness.drawings import CANVAS_PIXELS_JS, SIX, TWO, kept_share, pixels_of, touch_stroke

pytestmark = pytest.mark.browser

HINT = "in the black square"


def open_canvas(page, app_url):
    page.goto(f"{app_url}/draw")
    canvas = page.locator("canvas.upper-canvas")
    canvas.wait_for(state="visible")
    page.get_by_text(HINT).wait_for()
    canvas.scroll_into_view_if_needed()
    return canvas


def draw_with_mouse(page, canvas, points) -> float:
    """One stroke; the seconds from releasing the button to the answer on screen."""
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=5)
    page.mouse.up()
    released = time.perf_counter()
    page.get_by_text("Prediction:").wait_for()
    return time.perf_counter() - released


def shown_prediction(page) -> str:
    return page.get_by_text("Prediction:").inner_text().strip()


def test_draw_a_two_then_a_six_clear_and_undo(page, app_url):
    canvas = open_canvas(page, app_url)
    assert page.get_by_text("Prediction:").count() == 0
    two = draw_with_mouse(page, canvas, TWO)
    assert shown_prediction(page) == "Prediction: 2"
    page.get_by_text(HINT).wait_for(state="detached")
    page.get_by_role("button", name="Reset canvas & history").click()
    page.get_by_text(HINT).wait_for()
    page.get_by_text("Prediction:").wait_for(state="detached")
    six = draw_with_mouse(page, canvas, SIX)
    assert shown_prediction(page) == "Prediction: 6"
    print(f"\nmouse released -> prediction on screen: 2 in {two:.3f} s, 6 in {six:.3f} s")
    # a wider brush for the next stroke; the drawing and its answer stay
    width = page.get_by_role("slider", name="Stroke width")
    width.focus()
    width.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('input[aria-label=\"Stroke width\"]').value === '21'")
    page.wait_for_timeout(1500)
    assert shown_prediction(page) == "Prediction: 6"
    page.get_by_role("button", name="Undo").click()
    page.get_by_text(HINT).wait_for()
    page.get_by_text("Prediction:").wait_for(state="detached")


def test_draw_with_touch(browser, app_url):
    with local_page(browser, viewport={"width": 1024, "height": 768}, has_touch=True) as page:
        canvas = open_canvas(page, app_url)
        box = canvas.bounding_box()
        # a finger on the glass: touch events, from which the browser makes the canvas's pointer events
        touch_stroke(page.context.new_cdp_session(page).send, box, SIX)
        page.get_by_text("Prediction:").wait_for()
        assert shown_prediction(page) == "Prediction: 6"


def canvas_pixels(page):
    return pixels_of(page.evaluate(CANVAS_PIXELS_JS))


def test_a_stroke_from_the_squares_top_right_corner_is_drawn(page, app_url):
    """The toolbar floats above the square, never over it: a hand that comes to the top-right
    corner and presses at once draws there (the hidden bar used to lie over it and take the press)."""
    canvas = open_canvas(page, app_url)
    box = canvas.bounding_box()
    hint = page.get_by_text(HINT).bounding_box()
    page.mouse.move(hint["x"] + hint["width"] / 2, hint["y"] + hint["height"] / 2)
    page.mouse.move(box["x"] + 200, box["y"] + 15, steps=3)  # from the hint to the corner, quickly
    page.mouse.down()
    page.mouse.move(box["x"] + 200, box["y"] + 260, steps=15)
    page.mouse.up()
    page.get_by_text("Prediction:").wait_for()
    assert kept_share(canvas_pixels(page), [[(200, 15), (200, 260)]]) == [1.0]


MAIN_SCROLL = "() => document.querySelector('[data-testid=\"stMain\"]').scrollTop"
TOOLBAR = """() => {
  const root = document.querySelector('[data-testid="stBidiComponentIsolated"]').shadowRoot;
  const bar = root.querySelector('.dc-toolbar'), square = root.querySelector('canvas.upper-canvas');
  return {opacity: getComputedStyle(bar).opacity,
          overlap: bar.getBoundingClientRect().bottom - square.getBoundingClientRect().top};
}"""
ANSWER_ON_SCREEN = """() => [...document.querySelectorAll('p')].filter(e => /^(Answer|Not sure):/.test(e.innerText))
  .map(e => { const r = e.getBoundingClientRect();
              return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth
                     && parseFloat(getComputedStyle(e).fontSize) >= 16; })"""


def test_a_finger_on_a_phone(browser, app_url):
    """390x844, touch: the square fits the width, a finger draws without scrolling the page (even
    from the square's top-right corner, where the hidden toolbar lay), the answer is on screen as
    the finger lifts, at the page's own scale, and a tap where the hidden undo and bin lay takes
    nothing away: the toolbar shows above the square, where nothing hovers."""
    phone = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
    with local_page(browser, **phone) as page:
        canvas = open_canvas(page, app_url)
        canvas.evaluate("e => e.scrollIntoView({block: 'center'})")  # where a thumb reaches it
        page.wait_for_timeout(300)
        box = canvas.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= 390
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        cdp = page.context.new_cdp_session(page)
        four = [[(75, 22), (55, 165), (228, 165)], [(200, 14), (195, 262)]]  # its stem from the corner
        scrolled = page.evaluate(MAIN_SCROLL)
        for stroke in four:
            touch_stroke(cdp.send, box, stroke)
            page.wait_for_timeout(150)
        page.get_by_text("Prediction:").wait_for()
        assert page.evaluate(MAIN_SCROLL) == scrolled
        assert page.evaluate(ANSWER_ON_SCREEN) == [True]
        for x in (185, 266):  # a tap where the hidden undo, then the bin, lay
            touch_stroke(cdp.send, box, [(x, 10), (x + 1, 11)])
            page.wait_for_timeout(600)
        assert min(kept_share(canvas_pixels(page), four)) > 0.95
        toolbar = page.evaluate(TOOLBAR)
        assert toolbar["opacity"] == "1" and toolbar["overlap"] <= 0.5


def test_the_answer_line_is_only_for_narrow_screens(page, app_url):
    """At 1280 px the answer stands beside the square: the one-line answer under it takes no room."""
    canvas = open_canvas(page, app_url)
    slider = page.get_by_role("slider", name="Stroke width").bounding_box()
    draw_with_mouse(page, canvas, SIX)
    assert page.get_by_role("slider", name="Stroke width").bounding_box()["y"] == slider["y"]
    assert not any(page.evaluate(ANSWER_ON_SCREEN))


def test_the_uploader_refuses_a_zip_and_a_huge_file(page, app_url):
    open_canvas(page, app_url)
    choice = page.locator('[data-testid="stRadio"]')
    choice.get_by_text("Upload a picture").click()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("digit.txt", "six")
    refused = [
        ("digit.zip", "application/zip", archive.getvalue(), "application/zip files are not allowed"),
        ("huge.png", "image/png", b"\x89PNG" + bytes(6_000_000), "File must be 5.0MB or smaller"),  # the config's cap
    ]
    for name, kind, data, message in refused:
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            files=[{"name": name, "mimeType": kind, "buffer": data}]
        )
        page.get_by_text(message).wait_for()
    choice.get_by_text("Draw", exact=True).click()
    page.get_by_text(HINT).wait_for()
    canvas = page.locator("canvas.upper-canvas")
    canvas.wait_for(state="visible")
    canvas.scroll_into_view_if_needed()
    draw_with_mouse(page, canvas, TWO)
    assert shown_prediction(page) == "Prediction: 2"


def test_add_to_my_digits_then_take_them_home_and_back(page, app_url, tmp_path):
    """Draw a 2, add it with the page's answer as its label, see it on My digits, download the
    file, and load it back."""
    canvas = open_canvas(page, app_url)
    draw_with_mouse(page, canvas, TWO)
    page.locator(".st-key-add_my_digit button").click()
    page.get_by_text("Added a 2 to your digits (1 in all): see My digits.").wait_for()
    page.get_by_role("link", name="My digits").click()
    page.get_by_text("1 digit, labelled by you").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my digits (.png)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    images, labels = read_sheet(saved.read_bytes())
    assert saved.name == "my-digits.png" and labels == [2] and images.shape == (1, 28, 28) and images.max() == 255
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(saved))
    page.get_by_text("Loaded 1 digit from my-digits.png.").wait_for()
    page.get_by_text("2 digits, labelled by you").wait_for()

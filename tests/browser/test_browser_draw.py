"""Drawing in a real browser: mouse strokes, the toolbar's undo and clear, touch, and refused uploads.

The time from releasing the mouse to the answer on screen is printed (pytest -s), not asserted.
"""

import io
import time
import zipfile

import pytest

from harness.browser import local_page
from harness.drawings import SIX, TWO

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
        cdp = page.context.new_cdp_session(page)

        def touch(kind: str, points) -> None:
            touches = [{"x": box["x"] + x, "y": box["y"] + y} for x, y in points]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touches})

        touch("touchStart", SIX[:1])
        for point in SIX[1:]:
            touch("touchMove", [point])
        touch("touchEnd", [])
        page.get_by_text("Prediction:").wait_for()
        assert shown_prediction(page) == "Prediction: 6"


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

"""Draw's answer said politely, in a real browser: one status element (role status), out of sight
but in the accessibility tree, whose words change with each answer, for a test image and an
upload alike; an upload that fails is an alert (role alert), which screen readers say at once."""

import io

import numpy as np
import pytest
from PIL import Image

from digitnet.lesson.dataset import load_dataset

pytestmark = pytest.mark.browser

NO_ANSWER = "No answer yet: draw a digit, upload a picture or choose a test image."
SPOKEN = "[data-testid=stLayoutWrapper]:has(> .st-key-spoken)"
# The status element as the page first drew it, and every text it held since.
WATCH_JS = f"""() => {{
  const status = document.querySelector('{SPOKEN} [role=status]');
  window.spoken = status;
  window.spokenSeen = [status.innerText];
  new MutationObserver(() => {{ const text = status.innerText;
    if (text !== window.spokenSeen.at(-1)) window.spokenSeen.push(text); }})
    .observe(status, {{subtree: true, childList: true, characterData: true}});
}}"""


def validation_png(index: int) -> bytes:
    """Validation image `index` of 2 vs 6 as a photo would have it: dark ink on light paper, large."""
    image = load_dataset((2, 6)).valid_x[index].reshape(28, 28).numpy()
    paper = Image.fromarray(np.round(255 - image * 255).astype(np.uint8)).resize((280, 280))
    buffer = io.BytesIO()
    paper.save(buffer, format="PNG")
    return buffer.getvalue()


def said(page, text: str) -> None:
    page.wait_for_function("text => window.spoken.innerText.startsWith(text)", arg=text)


def upload(page, name: str, data: bytes) -> None:
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        {"name": name, "mimeType": "image/png", "buffer": data})


def test_each_answer_on_draw_is_said_by_one_polite_status(page, app_url):
    page.goto(f"{app_url}/draw")
    page.get_by_text("in the black square").wait_for()
    page.evaluate(WATCH_JS)
    assert page.get_by_role("status").filter(has_text=NO_ANSWER).count() == 1  # in the accessibility tree
    # and out of sight (the answer is on screen already), once the app's styles are in
    page.wait_for_function(f"() => {{ const box = document.querySelector('{SPOKEN}').getBoundingClientRect();"
                           " return box.width * box.height <= 16; }", timeout=5_000)

    page.get_by_role("radio", name="Try a test image").check(force=True)  # the input is drawn over
    said(page, "The model reads 2, ")  # validation image 1
    page.locator(".st-key-test_number input").fill("1500")
    page.keyboard.press("Enter")
    said(page, "The model reads 6, ")

    page.get_by_role("radio", name="Upload a picture").check(force=True)
    said(page, NO_ANSWER)
    upload(page, "notes.png", b"these are my notes, not a picture")
    alert = page.get_by_role("alert").filter(has_text="notes.png: ")
    alert.wait_for()
    assert alert.get_attribute("aria-live") in (None, "assertive")  # role alert is assertive unless told otherwise
    upload(page, "six.png", validation_png(1500))
    said(page, "The model reads 6, ")
    page.get_by_text("Prediction: 6").wait_for()

    seen = page.evaluate("() => window.spokenSeen")
    print(f"\nDraw's status said: {seen}")
    assert page.evaluate("() => window.spoken.isConnected"), "the status was drawn anew: its words may go unsaid"
    starts = [NO_ANSWER, "The model reads 2, ", "The model reads 6, ", NO_ANSWER, "The model reads 6, "]
    assert len(seen) == len(starts) and all(text.startswith(start) for text, start in zip(seen, starts)), seen

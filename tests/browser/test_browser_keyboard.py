"""The lesson by keyboard alone, in a real browser: Tab to Train and press Enter, to the Step
through page and its buttons (Space, then Enter), through the drawing canvas without being held
there, and to Draw's test images, where a number typed gets the answer. Every control reached
shows its focus. The Tabs each took are printed (pytest -s)."""

import pytest

pytestmark = pytest.mark.browser

MAX_TABS = 150
FOCUSED = """() => { let e = document.activeElement;
  while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;  // the canvas's
  return e && e !== document.body ? {text: (e.innerText || e.getAttribute('aria-label') || '').trim(),
    visible: e.matches(':focus-visible'), tag: e.tagName, key: (e.closest('[class*="st-key-"]') || {}).className}
  : null; }"""


def tab_to(page, wanted, reverse: bool = False) -> int:
    """Press Tab (Shift+Tab) until the focused element is the one `wanted(focused)` accepts; how
    many presses it took. Each element on the way must show its focus."""
    for presses in range(1, MAX_TABS + 1):
        page.keyboard.press("Shift+Tab" if reverse else "Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        assert focused["visible"], f"focus is not visible on {focused}"
        if wanted(focused):
            return presses
    raise AssertionError(f"not reached in {MAX_TABS} Tabs; focus ends on {page.evaluate(FOCUSED)}")


def key(name: str, tag: str = "BUTTON"):
    return lambda focused: f"st-key-{name}" in (focused["key"] or "") and focused["tag"] == tag


def link(text: str):
    return lambda focused: focused["tag"] == "A" and focused["text"].endswith(text)  # after its icon


def test_train_step_and_classify_a_test_image_with_the_keyboard_alone(page, app_url):
    tabs = {}
    page.goto(f"{app_url}/train?model=linear&epochs=2")
    page.get_by_text("Press Train").wait_for()
    tabs["Train"] = tab_to(page, key("train_button"))
    page.keyboard.press("Enter")
    page.get_by_text("run 1: validation accuracy").wait_for(timeout=60_000)

    tabs["Step through"] = tab_to(page, link("Step through"), reverse=True)  # the sidebar is before the page
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Step through the lesson").wait_for()
    tabs["Initialise"] = tab_to(page, key("step_init"))
    page.keyboard.press("Space")
    page.get_by_text("0 steps taken").wait_for()
    tabs["1 step"] = tab_to(page, key("step_one"))
    page.keyboard.press("Enter")
    page.get_by_text("1 step taken").wait_for()

    tabs["Draw"] = tab_to(page, link("Draw"), reverse=True)
    page.keyboard.press("Enter")
    page.locator("canvas.upper-canvas").wait_for(state="visible")
    tabs["the input's choice"] = tab_to(page, lambda focused: focused["tag"] == "INPUT" and focused["text"] == "")
    # through the canvas and its toolbar to the stroke width: the canvas keeps no one
    tabs["past the canvas"] = tab_to(page, lambda focused: "Stroke width" in focused["text"])
    tabs["back to the input's choice"] = tab_to(page, lambda focused: focused["tag"] == "INPUT", reverse=True)
    page.keyboard.press("ArrowRight")  # Upload a picture
    page.keyboard.press("ArrowRight")  # Try a test image
    page.get_by_text("Validation image 1 of 1,990: a 2").wait_for()
    tabs["the image's number"] = tab_to(page, key("test_number", "INPUT"))
    page.keyboard.press("Control+A")
    page.keyboard.type("1500")
    page.keyboard.press("Enter")
    page.get_by_text("Validation image 1,500 of 1,990: a 6").wait_for()
    # answered by the newest model, Step through's after one step: its digit depends on the run's seed
    [answer] = [text for text in page.locator("h3").all_inner_texts() if text.startswith("Prediction: ")]
    spoken = page.locator(".st-key-spoken [role=status]").inner_text()
    if answer == "Prediction: not sure":
        assert spoken.startswith("The model is not sure"), spoken
    else:
        assert spoken.startswith(f"The model reads {answer.split()[-1]}, "), (answer, spoken)
    print(f"\nTabs: {tabs}")

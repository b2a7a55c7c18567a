"""prefers-reduced-motion, in a real browser: with Chromium asked for reduced motion, no element of
the Train page while it trains (its running indicator, progress, placeholders, buttons) animates or
transitions for longer than 0.01 ms; without it they do, as Streamlit draws them. Plotly's charts
never transition."""

import pytest

from harness.browser import local_page

pytestmark = pytest.mark.browser

# The longest animation or transition (seconds) set on any element or its ::before and ::after.
LONGEST_MOTION_JS = """() => {
  let longest = 0, where = null;
  for (const element of document.querySelectorAll('*')) for (const pseudo of [null, '::before', '::after']) {
    const style = getComputedStyle(element, pseudo);
    const names = style.animationName.split(', ');
    const animations = style.animationDuration.split(', ')
      .map((d, i) => names[i % names.length] === 'none' ? 0 : parseFloat(d));
    const transitions = style.transitionDuration.split(', ').map(parseFloat);
    const seconds = Math.max(...animations, ...transitions);
    if (seconds > longest) [longest, where] = [seconds, (element.dataset.testid || element.tagName) + (pseudo || '')];
  }
  return [longest, where];
}"""
PLOTLY_TRANSITIONS_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
  .map(chart => chart._fullLayout.transition ? chart._fullLayout.transition.duration : 0)"""


def longest_motion_while_training(page, app_url) -> tuple[float, str]:
    page.goto(f"{app_url}/train?model=linear&bs=1&epochs=2")  # many seconds: measured while it trains
    page.get_by_text("Press Train").wait_for()
    page.locator(".st-key-train_button button").click()
    page.get_by_text("Training run 1").wait_for()
    page.get_by_test_id("stProgress").wait_for()
    longest = page.evaluate(LONGEST_MOTION_JS)
    page.locator(".st-key-stop_training button").click()
    page.get_by_text("was stopped after").wait_for()
    return longest


def test_reduced_motion_stills_every_animation_and_transition(browser, app_url):
    with local_page(browser, reduced_motion="no-preference") as page:
        moving = longest_motion_while_training(page, app_url)
    with local_page(browser, reduced_motion="reduce") as page:
        calm = longest_motion_while_training(page, app_url)
        page.goto(f"{app_url}/draw")
        page.get_by_role("radio", name="Try a test image").check(force=True)
        page.get_by_text("Prediction:").wait_for()
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 3")
        transitions = page.evaluate(PLOTLY_TRANSITIONS_JS)
    print(f"\nlongest motion: {moving} without the preference, {calm} with it; plotly transitions {transitions}")
    assert moving[0] >= 0.1, moving  # the measure sees Streamlit's own motion
    assert calm[0] <= 0.00001 + 1e-9, calm
    assert len(transitions) >= 3 and not any(transitions), transitions

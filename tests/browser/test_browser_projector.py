"""Every page on a 1024x768 projector: readable without scrolling sideways and with no text cut
short, with a trained model.

The screenshots are kept in pytest's temporary folder (their paths are printed with -s).
"""

import pytest

from harness.browser import PAGES, local_page, sidebar, train
from harness.drawings import IDLE_JS
from pages.shared.styles import SPOKEN

pytestmark = pytest.mark.browser

OVERFLOW_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const page = document.documentElement;
  return Math.max(page.scrollWidth - page.clientWidth, main ? main.scrollWidth - main.clientWidth : 0);
}"""

# Text cut short: an element that clips or ellipsises its text (a button label, a link in a
# narrow column). Pictures, tables and charts scroll or scale by design and are not counted, nor
# is the status that only screen readers meet (pages/shared/styles.py: hidden by clipping it).
CUT_TEXT_JS = """() => {
  const cut = [];
  for (const el of document.querySelectorAll('[data-testid="stMain"] *')) {
    if (el.closest('[data-testid="stLayoutWrapper"]:has(> .st-key-""" + SPOKEN + """)')) continue;
    const style = getComputedStyle(el);
    if (style.overflowX === 'visible' && style.textOverflow !== 'ellipsis') continue;
    if (el.scrollWidth > el.clientWidth + 1 && el.innerText && el.innerText.trim()
        && !el.querySelector('canvas, svg, img, table, [data-testid="stDataFrame"]'))
      cut.push(el.innerText.trim().slice(0, 40));
  }
  return cut;
}"""


def settled(page) -> None:
    """Wait until the script run is over: Streamlit shows its running widget until then."""
    page.wait_for_function(IDLE_JS, timeout=60_000)


def test_every_page_fits_a_projector(browser, app_url, tmp_path):
    with local_page(browser, viewport={"width": 1024, "height": 768}) as page:
        page.set_default_timeout(60_000)
        page.goto(f"{app_url}/train?model=linear&epochs=1")  # a trained model makes Weights and Draw full
        train(page)
        settled(page)
        for link, title in PAGES.items():  # through the sidebar, so the session and its model stay
            sidebar(page, link)
            page.get_by_role("heading", name=title, exact=True).wait_for()
            settled(page)
            if link == "Draw":  # the canvas component loads after the page
                page.locator("canvas.upper-canvas").wait_for(state="visible")
            shot = tmp_path / f"{link.replace(' ', '-').lower()}-1024x768.png"
            page.screenshot(path=shot)
            print(f"\n{shot}")
            overflow = page.evaluate(OVERFLOW_JS)
            assert overflow <= 0, f"{link} scrolls sideways by {overflow} px at 1024x768"
            assert page.evaluate(CUT_TEXT_JS) == [], f"{link} cuts text short at 1024x768"
            if link == "Draw":  # the session, and its model, came along
                assert page.get_by_text("Answering: run 1").count() == 1

"""axe-core (WCAG 2.0 and 2.1, levels A and AA) over the nine pages in their usual states, in one
browser session: after a training run, Draw with an answer, My digits with a digit, Step through
after Initialise, every Experiments tab, the Class page with the run. No critical or serious
violation may be left; the lesser ones are printed (pytest -s). In each state every chart and
picture has a name for assistive technology that holds its numbers."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from harness.browser import local_page, sidebar, train
from harness.drawings import TWO

pytestmark = pytest.mark.browser

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
           "resultTypes": ["violations"]}
BLOCKING = ("critical", "serious")
# Each chart or picture on the page, and the name a screen reader gets for it: the image's alt, or the
# aria-label of plotly's figure or of Vega's graphics document.
GRAPHICS_JS = """() => [...document.querySelectorAll(
    '[data-testid=stMain] :is([data-testid=stImage], [data-testid=stPlotlyChart], [data-testid=stVegaLiteChart])')]
  .filter(e => e.getClientRects().length)
  .map(e => { const named = [e, ...e.querySelectorAll('*')].find(x => x.matches(
                '[role=figure][aria-label], [role=graphics-document][aria-label], img[alt]'));
              return [e.dataset.testid, named ? (named.alt || named.getAttribute('aria-label')) : null]; })"""


def settled(page) -> None:
    """Streamlit has finished the page's run and its charts have drawn."""
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')"
                           " && ![...document.querySelectorAll('[data-testid=stSkeleton]')].length"
                           " && [...document.querySelectorAll('[data-testid=stPlotlyChart]')]"
                           "      .every(chart => chart.querySelector('.main-svg'))")
    page.wait_for_timeout(400)


def audit(page, state: str, found: dict, graphics: dict) -> None:
    settled(page)
    graphics[state] = page.evaluate(GRAPHICS_JS)
    result = Axe().run(page, options=WCAG_AA)
    found[state] = [(v["impact"], v["id"], len(v["nodes"]), v["nodes"][0]["target"], v["nodes"][0]["html"][:160])
                    for v in result.response["violations"]]


def draw(page, points) -> None:
    canvas = page.locator("canvas.upper-canvas")
    canvas.wait_for(state="visible")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=5)
    page.mouse.up()
    page.get_by_text("Prediction:").first.wait_for()


def test_every_page_in_its_usual_states_has_no_critical_or_serious_violation(browser, app_url):
    found, graphics = {}, {}
    with local_page(browser) as page:
        page.goto(f"{app_url}/train?model=linear&epochs=2")
        train(page)
        audit(page, "Train after a run", found, graphics)
        for name, last in (("Home", "MNIST by Yann LeCun"), ("Data", "The baseline's code"),
                           ("Weights", "the surest answers first")):
            sidebar(page, name)
            page.get_by_text(last).wait_for()
            audit(page, name, found, graphics)
        sidebar(page, "Draw")
        draw(page, TWO)
        audit(page, "Draw with an answer", found, graphics)
        page.locator(".st-key-add_my_digit button").click()
        page.get_by_text("Added a 2 to your digits").wait_for()
        sidebar(page, "My digits")
        page.get_by_text("1 digit, labelled by you").wait_for()
        audit(page, "My digits with a digit", found, graphics)
        sidebar(page, "Step through")
        page.get_by_role("heading", name="Step through the lesson").wait_for()
        settled(page)
        page.get_by_role("button", name="Initialise").click()
        page.get_by_text("0 steps taken").wait_for()
        audit(page, "Step through after Initialise", found, graphics)
        sidebar(page, "Experiments")
        page.get_by_role("heading", name="Experiments").wait_for()
        settled(page)
        for tab in page.get_by_role("tab").all():
            tab.click()
            audit(page, f"Experiments, tab {tab.inner_text()}", found, graphics)
        sidebar(page, "Class")
        page.get_by_text("Runs in this class: 1").wait_for()
        audit(page, "Class with a run", found, graphics)
    for state, violations in found.items():
        print(f"\n{state}: " + ("none" if not violations else ""))
        for violation in violations:
            print("   ", *violation)
    blocking = {state: [v for v in violations if v[0] in BLOCKING] for state, violations in found.items()}
    counts = {impact: (sum(v[0] == impact for vs in found.values() for v in vs),
                       sum(v[2] for vs in found.values() for v in vs if v[0] == impact)) for impact in BLOCKING}
    said = [f"{impact}: {rules} violations ({nodes} elements)" for impact, (rules, nodes) in counts.items()]
    print(f"\n{', '.join(said)}, over {len(found)} states")
    assert not any(blocking.values()), {state: vs for state, vs in blocking.items() if vs}
    for state, shown in graphics.items():
        print(f"\n{state}:", *(f"\n    {kind}: {name}" for kind, name in shown))
    wordless = {state: [(kind, name) for kind, name in shown if not re.search(r"\d", name or "")]
                for state, shown in graphics.items()}
    assert not any(wordless.values()), wordless
    # the experiments that train show their charts once their buttons are pressed
    assert all(shown for state, shown in graphics.items() if not state.startswith("Experiments")), graphics

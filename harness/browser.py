"""Debian's Chromium driven by Playwright, and pages that fail on any request off this machine.

Playwright drives /usr/bin/chromium (or $CHROMIUM); its own browser download does not
work offline. The app must work with no network, so `local_page` fails when the page
asked for anything outside 127.0.0.1. `train` and `sidebar` are steps the browser tests
take on a page: Train pressed until run 1 is done, a sidebar link followed.
"""

import os
from contextlib import contextmanager

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# The requests a page may make: the app on this machine, its websocket, and inline data.
LOCAL_URLS = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")
# The app's pages in the sidebar's order: the link, and the page's title.
PAGES = {
    "Home": "digitnet: how a neural net learns",
    "Data": "Data",
    "Train": "Train",
    "Weights": "Weights",
    "Draw": "Draw",
    "My digits": "My digits",
    "Step through": "Step through the lesson",
    "Experiments": "Experiments",
    "Class": "Class",
}


@contextmanager
def chromium():
    """A headless Chromium (Playwright's sync API), closed at the end."""
    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(f"browser tests need Chromium at {CHROMIUM}: apt-get install -y chromium, or set CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def local_page(browser, **options):
    """A page in a fresh browser context (its own Streamlit session); fails if the app made
    any request off this machine. `options` go to new_context (viewport, has_touch)."""
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})
    outside = []
    context.on("request", lambda request: None if request.url.startswith(LOCAL_URLS) else outside.append(request.url))
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()
    assert not outside, f"the app made requests off this machine: {outside[:5]}"


def train(page) -> None:
    """Press Train and wait for the session's first run to finish."""
    page.locator(".st-key-train_button button").click()
    page.get_by_text("run 1: validation accuracy").wait_for(timeout=60_000)


def sidebar(page, link: str) -> None:
    """Follow the sidebar's link to a page (the session, and its runs, come along)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=link, exact=True).click()

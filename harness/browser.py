"""Debian's Chromium driven by Playwright, and pages that fail on any request off this machine.

Playwright drives /usr/bin/chromium (or $CHROMIUM); its own browser download does not
work offline. The app must work with no network, so `local_page` fails when the page
asked for anything outside 127.0.0.1.
"""

import os
from contextlib import contextmanager

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


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
    local = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")
    context.on("request", lambda request: None if request.url.startswith(local) else outside.append(request.url))
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()
    assert not outside, f"the app made requests off this machine: {outside[:5]}"

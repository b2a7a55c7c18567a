"""Fixtures for real-browser tests: the app served on 127.0.0.1 and Debian's Chromium.

Playwright drives /usr/bin/chromium (or $CHROMIUM); its own browser download does not
work offline. Every page fixture also records requests that leave 127.0.0.1: the app
must work with no network, so any such request fails the test.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
import torch

# One thread, as the app runs (pages/common.py): with two, an epoch of the MLP was fifty
# times slower while the two cores were busy with other work.
torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(log_path: Path, env: dict | None = None, port: int | None = None):
    """Start `streamlit run app.py` on 127.0.0.1; returns (process, url) once it answers."""
    port = port or free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
        "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]
    log = open(log_path, "wb")  # noqa: SIM115 - kept open for the server's lifetime
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with code {process.returncode}: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as answer:
                if answer.read() == b"ok":
                    return process, url
        except OSError:
            time.sleep(0.2)
    stop_app(process)
    raise RuntimeError(f"the app did not answer within 60 s: {log_path.read_text()[-2000:]}")


def stop_app(process) -> None:
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="session")
def dataset():
    """2 vs 6, as shipped."""
    from digitnet.lesson.dataset import load_dataset

    return load_dataset((2, 6))


@pytest.fixture(scope="session")
def small(dataset):
    """300 training images of each class, stacked class by class like the full set: for tests
    about how training runs rather than how well."""
    from digitnet.lesson.dataset import Dataset

    n_twos = int((dataset.train_y[:, 0] == 0).sum())
    keep = torch.cat([torch.arange(300), n_twos + torch.arange(300)])
    return Dataset((2, 6), dataset.train_x[keep], dataset.train_y[keep], dataset.valid_x, dataset.valid_y, "subset")


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    process, url = start_app(tmp_path_factory.mktemp("app") / "streamlit.log")
    yield url
    stop_app(process)


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"browser tests need Chromium at {CHROMIUM}: apt-get install -y chromium, or set CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
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


@pytest.fixture
def page(browser, app_url):
    with local_page(browser) as page:
        yield page

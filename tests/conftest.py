"""Fixtures for every test folder: the 2-vs-6 dataset, the app served on 127.0.0.1 and
Debian's Chromium (started by the shared helpers in harness/).

Every page fixture records requests that leave 127.0.0.1: the app must work with no
network, so any such request fails the test.
"""

import pytest
import torch

from harness.browser import chromium, local_page
from harness.server import start_app, stop_app

# One thread, as the app runs (TORCH_THREADS in pages/server.py): with two, an epoch of the MLP was fifty
# times slower while the two cores were busy with other work.
torch.set_num_threads(1)


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
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser, app_url):
    with local_page(browser) as page:
        yield page

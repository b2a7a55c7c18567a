"""Fixtures for every test folder: the 2-vs-6 dataset, the app served on 127.0.0.1,
Debian's Chromium and PostgreSQL (started by the shared helpers in harness/), and the class
board's databases.

Every page fixture records requests that leave 127.0.0.1: the app must work with no
network, so any such request fails the test.
"""

import pytest
import torch

from harness.browser import chromium, local_page
from harness.postgres import throwaway_cluster
from harness.server import start_app, stop_app

# One thread, as the app runs (TORCH_THREADS in pages/shared/process.py): with two, an epoch of the MLP was fifty
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


@pytest.fixture(scope="session", autouse=True)
def class_database(tmp_path_factory):
    """Every app the tests start, in this process (AppTest) or as a server, keeps its class
    board in a database of this test session's, never in the repository's data/ folder."""
    url = f"sqlite:///{tmp_path_factory.mktemp('board') / 'class.sqlite3'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIGITNET_DATABASE_URL", url)
        yield url


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL cluster for the test session: Debian's package, on 127.0.0.1."""
    with throwaway_cluster() as cluster:
        yield cluster


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A new, empty database of each kind the class board runs on."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'class.sqlite3'}"
    return request.getfixturevalue("postgres").new_database()

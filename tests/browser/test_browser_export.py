"""Exporting a run in a real browser: the script Chromium downloads, run on its own, replays the run."""

import os
import re
import subprocess
import sys

import pytest

from digitnet.files.mnist import ASSETS, ENV_VAR
from harness.browser import train

pytestmark = pytest.mark.browser


def test_the_downloaded_script_ends_where_the_run_ended(page, app_url, tmp_path):
    page.goto(f"{app_url}/train?model=linear&epochs=2&seed=5")
    train(page)
    outcome = page.get_by_text("run 1: validation accuracy")
    accuracy = re.search(r"validation accuracy (\d\.\d{4})", outcome.inner_text())[1]
    with page.expect_download() as download:
        page.locator(".st-key-export_script button").click()
    script = tmp_path / download.value.suggested_filename
    download.value.save_as(script)
    assert script.name == "digitnet-run-1.py"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", ENV_VAR)}
    result = subprocess.run([sys.executable, script.name, "--data", str(ASSETS)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"done: validation accuracy {accuracy} after 2 epochs"

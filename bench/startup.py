"""Start-up: seconds from `streamlit run app.py` to the home page rendered in a browser.

    python -m bench.startup [--runs 3]

Each run starts a fresh server process (cold: nothing imported yet), opens the home page
in Debian's Chromium as soon as the server answers, and waits for the page's title and
its dataset figures. Also prints how long `import torch` takes alone, for scale.
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness.browser import chromium, local_page
from harness.server import start_app, stop_app


def import_seconds(module: str) -> float:
    command = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", command], capture_output=True, text=True, check=True).stdout)


def one_start(browser) -> tuple[float, float]:
    """(seconds until the server answers, seconds until the home page shows its content)."""
    started = time.monotonic()
    process, url = start_app(Path("/tmp/digitnet-startup.log"))
    answering = time.monotonic() - started
    try:
        with local_page(browser) as page:
            page.goto(url)
            page.get_by_text("5,958 training").wait_for(timeout=60_000)
            rendered = time.monotonic() - started
    finally:
        stop_app(process)
    return answering, rendered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"import torch alone: {import_seconds('torch'):.2f} s; import streamlit: {import_seconds('streamlit'):.2f} s")
    with chromium() as browser:
        results = [one_start(browser) for _ in range(args.runs)]
    answering, rendered = zip(*results, strict=True)
    print(f"server answering:     median {statistics.median(answering):.2f} s  runs {[round(a, 2) for a in answering]}")
    print(f"home page rendered:   median {statistics.median(rendered):.2f} s  runs {[round(r, 2) for r in rendered]}")


if __name__ == "__main__":
    main()

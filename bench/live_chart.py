"""Live training in a real browser: chart updates per second, blank samples, first point.

    python -m bench.live_chart [--runs 3]

Starts the app on 127.0.0.1, opens the Train page in Debian's Chromium, clicks Train and
samples the page every 50 ms until the run ends (harness/chart_sampling.py): is the loss chart
drawn, and what does the progress text say (it changes with every redraw). The browser
test asserts on the same samples; this script prints the figures, medians of --runs runs
of each case.
"""

import argparse
import statistics
from pathlib import Path

from harness.browser import chromium, local_page
from harness.chart_sampling import FAST_EPOCHS, sample_training
from harness.server import start_app, stop_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each case")
    args = parser.parse_args()
    cases = {
        "default run (mlp, adam, bs 64, 5 epochs)": "",
        "fast epochs (linear, bs 64, 100 epochs)": FAST_EPOCHS,
    }
    process, url = start_app(Path("/tmp/digitnet-live-chart.log"))
    try:
        with chromium() as browser:
            for name, query in cases.items():
                results = []
                for _ in range(args.runs):
                    with local_page(browser) as page:
                        results.append(sample_training(page, url, query))
                print(name)
                for key in ("samples", "blank", "updates", "updates_per_second", "first_point_seconds"):
                    values = [r[key] for r in results]
                    print(f"  {key:<20} median {statistics.median(values):7.2f}   runs {values}")
    finally:
        stop_app(process)


if __name__ == "__main__":
    main()

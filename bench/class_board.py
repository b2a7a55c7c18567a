"""The class board's figures: write and read times with 300 and 3,000 runs, on SQLite and on
PostgreSQL (a throwaway cluster of Debian's package), and in a real browser the seconds from a
run finishing to it showing on another learner's Class page, and what an idle Class page costs.

    python -m bench.class_board [--runs 3000] [--repeats 5] [--no-browser] [--in-class]
    python -m bench.class_board --class-page 30000


Writes are the app's: one run a transaction, as each app process's outbox records them. Reads
are the Class page's: the snapshot of the round a page draws (runs, rounds, version in one
transaction) and the version its watch polls every second. The browser part starts the app on
each database, keeps one Chromium page on /class, trains `--repeats` runs one after another in
other sessions, and times each from the moment it finished (the time recorded with it) to the
page's count going up; then measures the server's CPU time with that page idle on /class, and
on /home for comparison.

--class-page RUNS: the Class page of a SQLite board holding RUNS runs in one round (made-up runs, of
as many learners as the board's limits need): a new session's page over its websocket, in Chromium
until its table shows (the app's code cached, as on a second visit), and the server's CPU for one
redraw of an open Class page, which every open Class tab does whenever a run lands anywhere
(medians of 5).
"""

import argparse
import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from digitnet.app_support.storage.board import Board
from digitnet.app_support.storage.classes import Classes
from harness.board_filler import (
    class_page_in_browser,
    class_page_redraw_cpu,
    class_page_seconds,
    fill,
    read_times,
    seen_after,
)
from harness.memory import cpu_seconds
from harness.postgres import throwaway_cluster
from harness.server import start_app, stop_app

IDLE_SECONDS = 10


def storage(kind: str, url: str, runs: int, in_class: bool) -> None:
    board = Board(url)
    board.version()  # the schema made: not part of a write
    classroom = Classes(board.database).start("bench")[0].id if in_class else None
    first = fill(board, 0, 300, classroom=classroom)
    at_300 = read_times(board, classroom=classroom)
    rest = fill(board, 300, runs - 300, classroom=classroom)
    at_all = read_times(board, classroom=classroom)
    kind += " (one class's board)" if in_class else ""
    writes = np.array(first + rest) * 1000
    print(f"{kind}: {runs:,} writes in {writes.sum() / 1000:.1f} s: median {np.median(writes):.2f} ms, "
          f"p95 {np.percentile(writes, 95):.2f} ms, max {writes.max():.1f} ms")
    for times in (at_300, at_all):
        print(f"{kind}: read with {times['runs']:,} runs: snapshot {times['snapshot'] * 1000:.1f} ms, "
              f"version poll {times['poll'] * 1000:.2f} ms (medians of 20)")
    board.database.close()


def server_cpu_idle(process, page, url: str, path: str) -> float:
    page.goto(f"{url}/{path}")
    time.sleep(3)  # drawn and settled
    before = cpu_seconds(process.pid)
    time.sleep(IDLE_SECONDS)
    return (cpu_seconds(process.pid) - before) / IDLE_SECONDS


def browser(kind: str, url_of_database: str, repeats: int) -> None:
    from harness.browser import chromium, local_page

    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DIGITNET_DATABASE_URL": url_of_database}
        process, url = start_app(Path(folder) / "streamlit.log", env=env)
        try:
            with chromium() as chrome, local_page(chrome) as watcher:
                watcher.goto(f"{url}/class")
                rates = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0]
                queries = [f"model=linear&epochs=1&lr={rates[i % len(rates)]}" for i in range(repeats)]
                seconds = seen_after(chrome, url, Board(url_of_database), queries, watcher)
                print(f"{kind}: run finished -> on another learner's Class page: median {np.median(seconds):.2f} s, "
                      f"max {max(seconds):.2f} s ({', '.join(f'{s:.2f}' for s in seconds)})")
                on_class = server_cpu_idle(process, watcher, url, "class")
                on_home = server_cpu_idle(process, watcher, url, "")
                print(f"{kind}: server CPU with one tab idle on Class {on_class * 1000:.0f} ms/s, "
                      f"on Home {on_home * 1000:.0f} ms/s")
        finally:
            stop_app(process)


def class_page(runs: int) -> None:
    from harness.browser import chromium, local_page

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'board.sqlite3'}"
        board = Board(url)
        fill(board, 0, runs)
        board.database.close()
        process, app = start_app(Path(folder) / "streamlit.log", env={**os.environ, "DIGITNET_DATABASE_URL": url})
        try:
            class_page_seconds(app, repeats=1)  # the first page of the process imports what the rest reuse
            page = class_page_seconds(app)
            redraw = class_page_redraw_cpu(app, process.pid)
            with chromium() as chrome, local_page(chrome) as tab:
                class_page_in_browser(tab, app)  # the app's code in the browser's cache, as for a learner
                shown = statistics.median(class_page_in_browser(tab, app) for _ in range(5))
        finally:
            stop_app(process)
    print(f"Class page with {runs:,} runs (SQLite): a new session's page {page:.2f} s over its websocket, "
          f"{shown:.2f} s in Chromium until its table shows; one redraw {redraw:.3f} s of the server's CPU")


@contextmanager
def databases():
    with tempfile.TemporaryDirectory() as folder, throwaway_cluster() as cluster:
        yield {"SQLite": lambda: f"sqlite:///{Path(folder) / f'board-{time.monotonic_ns()}.sqlite3'}",
               "PostgreSQL": cluster.new_database}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5, help="runs timed in the browser, per database")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--in-class", action="store_true", help="the runs on a class's board, not the open board")
    parser.add_argument("--class-page", type=int, metavar="RUNS", help="only the Class page with RUNS runs")
    args = parser.parse_args()
    print(f"{len(os.sched_getaffinity(0))} cores")
    if args.class_page:
        class_page(args.class_page)
        return
    with databases() as new:
        for kind, database in new.items():
            storage(kind, database(), args.runs, args.in_class)
        if not args.no_browser:
            for kind, database in new.items():
                browser(kind, database(), args.repeats)


if __name__ == "__main__":
    main()

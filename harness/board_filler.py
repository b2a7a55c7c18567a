"""The class board filled and timed, for tests and benchmarks: made-up finished runs, one app
process whose sessions all finish at the same moment (`python -m harness.board_filler class ...`,
run several at once for several replicas), the board's write and read times, and, in a real
browser, how soon a run finished in one session shows on another's Class page.
"""

import argparse
import json
import re
import statistics
import threading
import time
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

from digitnet.app_support.storage.board import PER_ROUND, RECORD_EVERY, Board, Member, RunRecord
from digitnet.app_support.storage.outbox import Outbox
from digitnet.lesson.settings import BATCH_SIZES, LEARNING_RATES, Settings

if TYPE_CHECKING:
    from harness.client import Reply


def made_up(run_id: str, i: int, finished: float | None = None, nickname: str = "") -> RunRecord:
    """Run i of a made-up class: the offered learning rates, batch sizes and both models in turn."""
    epochs = 1 + i % 5
    settings = Settings(model=("linear", "mlp")[i % 2], lr=LEARNING_RATES[i % len(LEARNING_RATES)],
                        bs=BATCH_SIZES[i // len(LEARNING_RATES) % len(BATCH_SIZES)], epochs=epochs, seed=i).checked()
    accuracies = tuple(0.99 - 0.4 / (epoch + 1) - 0.001 * (i % 37) for epoch in range(1, epochs + 1))
    return RunRecord(run_id, settings, accuracies[-1], accuracies, "done", nickname,
                     time.time() if finished is None else finished)


def unopenable_database(folder) -> str:
    """A SQLite URL that can never be opened: a file stands where its folder should be."""
    (folder / "a-file").write_text("a file where the database's folder should be")
    return f"sqlite:///{folder / 'a-file' / 'class.sqlite3'}"


def fill(board: Board, first: int, n: int, learners: int | None = None, classroom: int | None = None) -> list[float]:
    """Record runs first..first+n-1 one at a time, as app processes do, from `learners` new
    learners (some with nicknames; by default 30, or as many as the board's limit of runs per
    learner and round needs), each learner's runs more than RECORD_EVERY seconds apart, the last
    finishing now, on the board of `classroom` (None: the open board); the seconds each write took."""
    learners = learners or max(30, -(-n // PER_ROUND))
    people = [Member(nickname=f"nick {k}" if k % 3 == 0 else "") for k in range(learners)]
    step, now = (RECORD_EVERY + 0.1) / learners, time.time()
    seconds = []
    for i in range(first, first + n):
        person = people[i % learners]
        record = replace(made_up(f"made-up-{i}", i, finished=now - (first + n - 1 - i) * step,
                                 nickname=person.nickname), classroom=classroom)
        start = time.perf_counter()
        board.record(record, person)
        seconds.append(time.perf_counter() - start)
    return seconds


def read_times(board: Board, repeats: int = 20, classroom: int | None = None) -> dict:
    """Median seconds of the Class page's queries: a snapshot of the round (and its run count),
    and the version its watch polls every second."""
    snapshots, polls = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        runs = board.snapshot(classroom=classroom).total
        snapshots.append(time.perf_counter() - start)
        start = time.perf_counter()
        board.version(classroom)
        polls.append(time.perf_counter() - start)
    return {"runs": runs, "snapshot": statistics.median(snapshots), "poll": statistics.median(polls)}


COUNT = re.compile(r"Runs in this class: (\d+)")


def shown_count(page) -> int:
    """The count a Class page shows now (Playwright page)."""
    line = page.get_by_text(COUNT)
    line.wait_for()
    return int(COUNT.search(line.inner_text()).group(1))


def seen_after(browser, url: str, board: Board, queries: list[str], watcher, timeout: float = 120) -> list[float]:
    """Train each /train?query in a browser session of its own, one after the other, while
    `watcher` (a page on /class) looks on: for each run, the seconds from the moment it finished
    (the time the app recorded with it, on this machine's clock) to the watcher's count going up."""
    from harness.browser import local_page

    seconds = []
    for query in queries:
        before = shown_count(watcher)
        with local_page(browser) as learner:
            learner.goto(f"{url}/train?{query}")
            learner.locator(".st-key-train_button button").click()
            watcher.get_by_text(f"Runs in this class: {before + 1}", exact=True).wait_for(timeout=timeout * 1000)
            seen = time.time()
            seconds.append(seen - max(run.finished for run in board.snapshot().runs))
            learner.get_by_text("run 1: validation accuracy").wait_for(timeout=timeout * 1000)
    return seconds


async def open_class_page(app_url: str) -> tuple[int | None, "Reply"]:
    """A new session's Class page over its websocket (opened, drawn, closed): the run count it
    shows (None if it shows none) and its Reply."""
    from harness.client import Session

    session = Session(app_url, timeout=60)
    try:
        reply = await session.open("class")
    finally:
        await session.close()
    counts = [int(found.group(1)) for text in reply.markdown() if (found := COUNT.match(text))]
    return (counts[0] if counts else None), reply


def class_page_seconds(app_url: str, repeats: int = 5) -> float:
    """Median seconds for a new session to open the Class page over its websocket, until drawn."""
    import asyncio

    async def once() -> float:
        start = time.perf_counter()
        count, _ = await open_class_page(app_url)
        seconds = time.perf_counter() - start
        assert count is not None, "the Class page shows no count"
        return seconds

    return statistics.median(asyncio.run(once()) for _ in range(repeats))


def class_page_redraw_cpu(app_url: str, pid: int, repeats: int = 5) -> float:
    """Median server CPU seconds (process `pid`) for one redraw of an open Class page, as every open
    Class tab redraws whenever a run lands anywhere."""
    import asyncio

    from harness.memory import cpu_seconds

    async def redraws() -> list[float]:
        from harness.client import Session

        session, spent = Session(app_url, timeout=120), []
        try:
            await session.open("class")
            for _ in range(repeats):
                before = cpu_seconds(pid)
                await session.rerun()
                spent.append(cpu_seconds(pid) - before)
        finally:
            await session.close()
        return spent

    return statistics.median(asyncio.run(redraws()))


def class_page_in_browser(page, app_url: str) -> float:
    """Seconds for a Chromium page (Playwright's) to open the Class page until its table of runs shows."""
    start = time.perf_counter()
    page.goto(f"{app_url}/class")
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=120_000)
    page.get_by_text(COUNT).wait_for(timeout=120_000)
    return time.perf_counter() - start


def recorded_since(board: Board, seeds: list[int], since: float) -> tuple[list[int], list[int]]:
    """The seeds of the runs that trained (one per run) that are not on the board since `since`
    (time.time()), and the board's seeds since then that are one too many."""
    recorded = Counter(run.seed for run in board.snapshot().runs if run.finished >= since)
    expected = Counter(seeds)
    return sorted((expected - recorded).elements()), sorted((recorded - expected).elements())


def load_test_figures(database_url: str, app_url: str, seeds: list[int], since: float,
                      sizes=(300, 3000)) -> dict:
    """After a load test: its runs on the board since `since`, each once (the seeds of the runs
    that trained), then the board filled with made-up runs to each of `sizes`, timed: its query
    and the Class page. The seeds missing and twice, and lines to print."""
    board = Board(database_url)
    missing, twice = recorded_since(board, seeds, since)
    kind = database_url.split(":")[0]
    lines = [f"class board ({kind}): {len(seeds)} runs trained; not recorded: {missing}, recorded twice: {twice}"]
    for size in sizes:
        runs = board.snapshot().total
        fill(board, runs, size - runs)
        times = read_times(board)
        lines.append(f"class board with {times['runs']:,} runs: query {times['snapshot'] * 1000:.1f} ms, "
                     f"poll {times['poll'] * 1000:.2f} ms; Class page {class_page_seconds(app_url):.2f} s")
    board.database.close()
    return {"missing": missing, "twice": twice, "lines": lines}


def finish_at_once(url: str, prefix: str, sessions: int, at: float, sends: int = 2) -> dict:
    """One app process: `sessions` learners whose runs all finish at time `at` (time.time()),
    each record handed to the process's outbox `sends` times (a retry), as the Train page does."""
    board, outbox = Board(url), Outbox()
    learners = [Member() for _ in range(sessions)]

    def session(k: int) -> None:
        record = made_up(f"{prefix}-{k}", k, finished=at)
        time.sleep(max(0.0, at - time.time()))
        for _ in range(sends):
            outbox.send(board.recording(record, learners[k]))

    threads = [threading.Thread(target=session, args=(k,)) for k in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    emptied = outbox.wait_until_empty(120)
    return {"emptied": emptied, "written": outbox.written, "given_up": outbox.given_up}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["class"])
    parser.add_argument("url")
    parser.add_argument("--prefix", required=True, help="run ids are PREFIX-0, PREFIX-1, ...")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--at", type=float, required=True, help="when every run finishes, as time.time()")
    args = parser.parse_args()
    print(json.dumps(finish_at_once(args.url, args.prefix, args.sessions, args.at)))


if __name__ == "__main__":
    main()

"""A classroom on one small server: thirty sessions train at once, then each draws a digit.

    python -m bench.load_test [--sessions 30] [--epochs 3] [--no-queue] [--ramp]
                              [--env NAME=VALUE ...] [--timeout 900]

Starts `streamlit run app.py` on 127.0.0.1. A warm-up session loads MNIST and the default
model (as a teacher's check before class would), then one session trains alone: the
reference. Then `--sessions` sessions, each its own websocket as a browser tab
(harness/client.py), open /train?epochs=E&seed=S with a seed of their own, all press
Train within a few milliseconds, and each, once its run is done, goes to Draw and draws a 2
(harness/load.py: the same class that tests/browser/test_load.py runs with six sessions).
Prints p50/p95/max of the seconds from the click to the "run 1: validation accuracy" message,
how many sessions saw "Waiting for a free slot", failures (error alerts, tracebacks, timeouts),
leaks (a session whose history or answering model is not its own run), the server's CPU time
and memory: peak RSS while they ran, RSS with every session idle afterwards.

--no-queue repeats the class on a second server with DIGITNET_TRAINING_SLOTS set to the
number of sessions: every training computes at once. --ramp measures memory per extra
session on a third server, with 0, 10, 20 and 30 sessions open, idle after their runs.
--env passes a variable to the servers (STREAMLIT_RUNNER_POST_SCRIPT_GC=false, say). Each server
records its runs on a class board of its own (a new SQLite file, or --env DIGITNET_DATABASE_URL=...):
the class's runs must all be there, once each; then the board is filled with made-up runs to
300 and 3,000 and its query and the Class page are timed (harness/board.py).
Every server is stopped by its PID at the end, whatever happens; the whole run is bounded
by --timeout. The load generator runs on the same cores as the server: its CPU time is printed.
"""

import argparse
import asyncio
import os
import re
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from harness.board import load_test_figures
from harness.client import Session
from harness.load import SEED_BASE, Student, run_class
from harness.server import server_tracebacks, start_app, stop_app


def process_tree(pid: int) -> list[int]:
    """The server process and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo += children.get(tree[-1], [])
    return tree


def cpu_seconds(pid: int) -> float:
    """User and system CPU time used so far by the server's processes."""
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int, field_name: str = "VmRSS") -> float:
    """A /proc status memory figure (VmRSS now, VmHWM peak) summed over the server's processes."""
    total = 0
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        total += int(re.search(rf"^{field_name}:\s+(\d+) kB", status, re.MULTILINE).group(1))
    return total / 1024


class PeakMemory:
    """Samples the server's RSS every `every` seconds in a thread, keeping the highest."""

    def __init__(self, pid: int, every: float = 0.1):
        self.pid, self.every, self.peak = pid, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, memory_mb(self.pid))
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def board_url(name: str, extra_env: dict | None = None) -> str:
    """The class board the servers record on: a new SQLite file, unless one is named."""
    return ({**os.environ, **(extra_env or {})}.get("DIGITNET_DATABASE_URL")
            or f"sqlite:////tmp/digitnet-load-{name}-{os.getpid()}.sqlite3")


@contextmanager
def server(name: str, slots: int | None = None, extra_env: dict | None = None):
    """The app on a free port (DIGITNET_TRAINING_SLOTS=slots when given), stopped by its PID."""
    env = {"DIGITNET_DATABASE_URL": board_url(name), **os.environ, **(extra_env or {})}
    if slots is not None:
        env["DIGITNET_TRAINING_SLOTS"] = str(slots)
    log = Path(f"/tmp/digitnet-load-{name}.log")
    process, url = start_app(log, env=env)
    try:
        yield process, url, log
    finally:
        stop_app(process)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def summary(students: list[Student]) -> dict:
    times = [s.train_seconds for s in students if s.train_seconds is not None]
    starts = [s.start_seconds for s in students if s.start_seconds is not None]
    return {
        "sessions": len(students),
        "finished": sum(s.finished() for s in students),
        "train_p50": percentile(times, 50), "train_p95": percentile(times, 95),
        "train_max": max(times, default=float("nan")),
        "start_p50": percentile(starts, 50), "start_max": max(starts, default=float("nan")),
        "waited": sum(s.waited for s in students),
        "wrong_epochs": sum(s.epochs != students[0].epochs for s in students),
        "predictions": {p: sum(s.prediction == p for s in students) for p in {s.prediction for s in students}},
        "draw_p50": percentile([s.draw_seconds for s in students if s.draw_seconds is not None], 50),
        "problems": [p for s in students for p in s.problems],
        "stuck_at": sorted({s.progress for s in students if s.progress}),
        "leaks": [leak for s in students for leak in s.leaks()],
    }


def alone(url: str, epochs: int, timeout: float) -> Student:
    """One session on its own: trains, draws, closes."""
    return asyncio.run(asyncio.wait_for(run_class(url, 1, epochs, first_seed=1), timeout))[0]


def warm_up(url: str, timeout: float) -> None:
    """The first session after the start loads MNIST and the default model: a teacher's
    check before the class. Then a second one would find everything loaded."""
    if not alone(url, 1, timeout).finished():
        raise RuntimeError("the warm-up session failed: see the server log")


def classroom(name: str, n: int, epochs: int, slots: int | None, deadline: float, extra_env: dict) -> dict:
    with server(name, slots, extra_env) as (process, url, log):
        started = time.time()
        warm_up(url, deadline - time.monotonic())
        before = cpu_seconds(process.pid)
        reference = alone(url, epochs, deadline - time.monotonic())
        figures: dict = {"alone_cpu": cpu_seconds(process.pid) - before}
        idle_before = memory_mb(process.pid)
        open_sessions: list[Session] = []

        async def whole_class():
            try:
                return await run_class(url, n, epochs, keep_open=open_sessions)
            finally:
                await asyncio.sleep(1)  # let the server settle before measuring the idle sessions
                figures["idle_after"] = memory_mb(process.pid)
                await asyncio.gather(*(session.close() for session in open_sessions))

        cpu, server_cpu, wall = time.process_time(), cpu_seconds(process.pid), time.perf_counter()
        with PeakMemory(process.pid) as peak:
            students = asyncio.run(asyncio.wait_for(whole_class(), deadline - time.monotonic()))
        figures["server_cpu"] = cpu_seconds(process.pid) - server_cpu
        seeds = [1, 1] + [s.seed for s in students if s.train_seconds is not None]  # the warm-up, alone, the class
        figures["board"] = load_test_figures(board_url(name, extra_env), url, seeds, started)
        figures.update(summary(students))
        figures.update(
            alone_seconds=reference.train_seconds, alone_ok=reference.finished(), idle_before=idle_before,
            peak_rss=peak.peak, hwm=memory_mb(process.pid, "VmHWM"), wall=time.perf_counter() - wall,
            client_cpu=time.process_time() - cpu, tracebacks=server_tracebacks(log), log=str(log),
        )
    return figures


def ramp(epochs: int, deadline: float, extra_env: dict, step: int = 10, steps: int = 3) -> list[tuple[int, float]]:
    """(sessions open, server RSS in MB) with 0, step, 2 step ... sessions idle after their runs."""
    with server("ramp", extra_env=extra_env) as (process, url, _):
        warm_up(url, deadline - time.monotonic())
        points = [(0, memory_mb(process.pid))]
        held: list[Session] = []

        async def grow():
            try:
                for k in range(1, steps + 1):
                    await run_class(url, step, epochs, first_seed=SEED_BASE + 100 * k, keep_open=held)
                    await asyncio.sleep(1)
                    points.append((k * step, memory_mb(process.pid)))
            finally:
                await asyncio.gather(*(session.close() for session in held))

        asyncio.run(asyncio.wait_for(grow(), deadline - time.monotonic()))
    return points


def report(title: str, f: dict) -> None:
    print(f"\n== {title}")
    print(f"one session alone, same settings, after a warm-up: {f['alone_seconds']:.2f} s to finish training "
          f"({'ok' if f['alone_ok'] else 'FAILED'})")
    print(f"sessions finished: {f['finished']} of {f['sessions']} in {f['wall']:.1f} s; "
          f"saw 'Waiting for a free slot': {f['waited']} of {f['sessions']}")
    print(f"click -> training finished: p50 {f['train_p50']:.2f} s, p95 {f['train_p95']:.2f} s, "
          f"max {f['train_max']:.2f} s")
    print(f"click -> own training started: p50 {f['start_p50']:.2f} s, max {f['start_max']:.2f} s")
    if f["stuck_at"]:
        print(f"where the unfinished trainings had got to: {', '.join(f['stuck_at'][:5])}")
    print(f"drawing -> prediction: p50 {f['draw_p50']:.2f} s; predictions {f['predictions']}")
    print(f"problems: {len(f['problems'])} {f['problems'][:3]}; leaks: {len(f['leaks'])} {f['leaks'][:3]}; "
          f"wrong epoch counts: {f['wrong_epochs']}; server tracebacks: {f['tracebacks']} ({f['log']})")
    print(f"server RSS: {f['idle_before']:.0f} MB after the warm-up, peak {f['peak_rss']:.0f} MB sampled "
          f"(VmHWM {f['hwm']:.0f} MB), {f['idle_after']:.0f} MB with all {f['sessions']} sessions idle after; "
          f"{(f['idle_after'] - f['idle_before']) / f['sessions']:.2f} MB per session")
    print("\n".join(f["board"]["lines"]))
    print(f"server CPU: {f['server_cpu']:.1f} s for the class, {f['server_cpu'] / f['sessions']:.2f} s per session "
          f"(one session alone: {f['alone_cpu']:.2f} s); load generator (this process, same cores): "
          f"{f['client_cpu']:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--no-queue", action="store_true", help="also run the class with every training at once")
    parser.add_argument("--ramp", action="store_true", help="also measure memory with 0, 10, 20, 30 idle sessions")
    parser.add_argument("--timeout", type=float, default=900, help="seconds for the whole run")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment variable for the servers, e.g. STREAMLIT_RUNNER_POST_SCRIPT_GC=false")
    args = parser.parse_args()
    extra_env = dict(setting.split("=", 1) for setting in args.env)
    deadline = time.monotonic() + args.timeout
    print(f"{args.sessions} sessions, default model (mlp 40-20, Adam, bs 64) for {args.epochs} epochs, "
          f"{len(os.sched_getaffinity(0))} cores; server environment {extra_env or 'as is'}")
    results = {"queue": classroom("queue", args.sessions, args.epochs, None, deadline, extra_env)}
    report("with the training queue (DIGITNET_TRAINING_SLOTS unset: one slot per core)", results["queue"])
    if args.no_queue:
        results["no queue"] = classroom("no-queue", args.sessions, args.epochs, args.sessions, deadline, extra_env)
        report(f"no queue (DIGITNET_TRAINING_SLOTS={args.sessions}: every training at once)", results["no queue"])
    if args.ramp:
        points = ramp(args.epochs, deadline, extra_env)
        slope = np.polyfit(*zip(*points, strict=True), 1)[0]
        print("\n== memory per extra session (idle after its run)")
        print("sessions open -> server RSS: " + ", ".join(f"{n}: {mb:.0f} MB" for n, mb in points))
        print(f"least-squares slope: {slope:.2f} MB per session")
    failed = [name for name, f in results.items() if f["finished"] < f["sessions"] or f["leaks"] or f["problems"]
              or f["board"]["missing"] or f["board"]["twice"]]
    if failed:
        sys.exit(f"\nFAILED: {', '.join(failed)}")


if __name__ == "__main__":
    main()

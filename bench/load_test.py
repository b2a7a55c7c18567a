"""A classroom on one small server: thirty sessions train at once, then each draws a digit.

    python -m bench.load_test [--sessions 30] [--epochs 3] [--no-queue] [--ramp]
                              [--env NAME=VALUE ...] [--timeout 900] [--session-timeout 300]
    python -m bench.load_test --url http://127.0.0.1:8501 [--pid PID ...] [--sessions S] [--epochs E]

Starts `streamlit run app.py` on 127.0.0.1; with --url it starts nothing and runs the class
against a deployment already running there (`make class`, say), one warm-up session per
--pid first; --pid names the app processes whose CPU time and memory to measure (`make class`
prints them), each reported on its own. A warm-up session loads MNIST and the default
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
300 and 3,000 and its query and the Class page are timed (harness/board_filler.py).
Every server is stopped by its PID at the end, whatever happens; the whole run is bounded
by --timeout, each session's wait for one answer (its training, say) by --session-timeout.
"Cores used" is the app processes' CPU time over the class's wall time. The load generator runs
on the same cores as the server: its CPU time is printed, and so is how busy the whole machine
was (other work on a shared machine leaves the app less).
"""

import argparse
import asyncio
import os
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np

from harness.board_filler import load_test_figures
from harness.client import Session
from harness.load import SEED_BASE, Student, run_class
from harness.memory import PeakMemory, cpu_seconds, machine_busy_seconds, memory_mb
from harness.server import server_tracebacks, start_app, stop_app


def board_url(name: str, extra_env: dict | None = None) -> str:
    """The class board the servers record on: a new SQLite file, unless one is named."""
    return ({**os.environ, **(extra_env or {})}.get("DIGITNET_DATABASE_URL")
            or f"sqlite:////tmp/digitnet-load-{name}-{os.getpid()}.sqlite3")


@contextmanager
def server(name: str, database: str, slots: int | None = None, extra_env: dict | None = None):
    """The app on a free port recording on the class board at `database` (DIGITNET_TRAINING_SLOTS=slots
    when given), stopped by its PID."""
    env = {**os.environ, **(extra_env or {}), "DIGITNET_DATABASE_URL": database}
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
        "replicas": {name: sum(s.replica == name for s in students) for name in {s.replica for s in students}},
    }


def alone(url: str, epochs: int, timeout: float) -> Student:
    """One session on its own: trains, draws, closes."""
    return asyncio.run(asyncio.wait_for(run_class(url, 1, epochs, first_seed=1), timeout))[0]


def warm_up(url: str, timeout: float) -> None:
    """The first session after the start loads MNIST and the default model: a teacher's
    check before the class. Then a second one would find everything loaded."""
    if not alone(url, 1, timeout).finished():
        raise RuntimeError("the warm-up session failed: see the server log")


def measure_class(url: str, pids: list[int], n: int, epochs: int, deadline: float,
                  warm_ups: int = 1, session_timeout: float = 300) -> dict:
    """The class against `url`, after `warm_ups` warm-up sessions (one per replica behind a
    balancer: each new connection goes to the next) and one reference session alone; the CPU
    time and peak memory of each process in `pids` (and its children)."""
    for _ in range(warm_ups):
        warm_up(url, deadline - time.monotonic())
    before = sum(cpu_seconds(pid) for pid in pids)
    reference = alone(url, epochs, deadline - time.monotonic())
    figures: dict = {"alone_cpu": sum(cpu_seconds(pid) for pid in pids) - before}
    idle_before = sum(memory_mb(pid) for pid in pids)
    open_sessions: list[Session] = []

    async def whole_class():
        try:
            return await run_class(url, n, epochs, timeout=session_timeout, keep_open=open_sessions)
        finally:
            await asyncio.sleep(1)  # let the server settle before measuring the idle sessions
            figures["idle_after"] = sum(memory_mb(pid) for pid in pids)
            await asyncio.gather(*(session.close() for session in open_sessions))

    cpu, process_cpu, wall = time.process_time(), {pid: cpu_seconds(pid) for pid in pids}, time.perf_counter()
    machine = machine_busy_seconds()
    with ExitStack() as stack:
        peaks = {pid: stack.enter_context(PeakMemory(pid)) for pid in pids}
        students = asyncio.run(asyncio.wait_for(whole_class(), deadline - time.monotonic()))
    figures["wall"] = time.perf_counter() - wall
    figures["machine_cores"] = (machine_busy_seconds() - machine) / figures["wall"]
    figures["processes"] = [
        {"pid": pid, "name": replica_of(pid), "cpu": cpu_seconds(pid) - process_cpu[pid], "peak_rss": peaks[pid].peak,
         "hwm": memory_mb(pid, "VmHWM")} for pid in pids]
    figures["server_cpu"] = sum(process["cpu"] for process in figures["processes"])
    figures["peak_rss"] = sum(process["peak_rss"] for process in figures["processes"])
    figures["hwm"] = sum(process["hwm"] for process in figures["processes"])
    figures.update(summary(students))
    figures.update(alone_seconds=reference.train_seconds, alone_ok=reference.finished(), idle_before=idle_before,
                   client_cpu=time.process_time() - cpu, tracebacks=None, log="", board=None,
                   seeds=[s.seed for s in students if s.train_seconds is not None])
    return figures


def replica_of(pid: int) -> str:
    """The replica name a process runs as (DIGITNET_REPLICA), or its pid."""
    try:
        environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return str(pid)
    names = [item.split(b"=", 1)[1].decode() for item in environment if item.startswith(b"DIGITNET_REPLICA=")]
    return names[0] if names and names[0] else str(pid)


def classroom(name: str, n: int, epochs: int, slots: int | None, deadline: float, extra_env: dict,
              session_timeout: float = 300) -> dict:
    database = board_url(name, extra_env)
    with server(name, database, slots, extra_env) as (process, url, log):
        started = time.time()
        figures = measure_class(url, [process.pid], n, epochs, deadline, session_timeout=session_timeout)
        seeds = [1, 1] + figures.pop("seeds")  # the warm-up, the session alone, the class
        figures["board"] = load_test_figures(database, url, seeds, started)
        figures.update(tracebacks=server_tracebacks(log), log=str(log))
    return figures


def ramp(epochs: int, deadline: float, extra_env: dict, step: int = 10, steps: int = 3) -> list[tuple[int, float]]:
    """(sessions open, server RSS in MB) with 0, step, 2 step ... sessions idle after their runs."""
    with server("ramp", board_url("ramp", extra_env), extra_env=extra_env) as (process, url, _):
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
    print(f"one session alone, same settings, after a warm-up: {f['alone_seconds'] or float('nan'):.2f} s to finish "
          f"training ({'ok' if f['alone_ok'] else 'FAILED'})")
    print(f"sessions finished: {f['finished']} of {f['sessions']} in {f['wall']:.1f} s; "
          f"saw 'Waiting for a free slot': {f['waited']} of {f['sessions']}")
    print(f"click -> training finished: p50 {f['train_p50']:.2f} s, p95 {f['train_p95']:.2f} s, "
          f"max {f['train_max']:.2f} s")
    print(f"click -> own training started: p50 {f['start_p50']:.2f} s, max {f['start_max']:.2f} s")
    if f["stuck_at"]:
        print(f"where the unfinished trainings had got to: {', '.join(f['stuck_at'][:5])}")
    if any(f["replicas"]):
        print("sessions per replica: " + ", ".join(f"{name} {count}" for name, count in sorted(f["replicas"].items())))
    print(f"drawing -> prediction: p50 {f['draw_p50']:.2f} s; predictions {f['predictions']}")
    tracebacks = "not read (a deployment's own log)" if f["tracebacks"] is None else f"{f['tracebacks']} ({f['log']})"
    print(f"problems: {len(f['problems'])} {f['problems'][:3]}; leaks: {len(f['leaks'])} {f['leaks'][:3]}; "
          f"wrong epoch counts: {f['wrong_epochs']}; server tracebacks: {tracebacks}")
    if not f["processes"]:
        return
    print(f"server RSS: {f['idle_before']:.0f} MB after the warm-up, peak {f['peak_rss']:.0f} MB sampled "
          f"(VmHWM {f['hwm']:.0f} MB), {f['idle_after']:.0f} MB with all {f['sessions']} sessions idle after; "
          f"{(f['idle_after'] - f['idle_before']) / f['sessions']:.2f} MB per session")
    if f["board"]:  # a server of its own, with a board of its own: not a deployment's
        print("\n".join(f["board"]["lines"]))
    print(f"server CPU: {f['server_cpu']:.1f} s for the class, {f['server_cpu'] / f['sessions']:.2f} s per session "
          f"(one session alone: {f['alone_cpu']:.2f} s); cores used {f['server_cpu'] / f['wall']:.2f}; "
          f"load generator (this process, same cores): {f['client_cpu']:.1f} s")
    others = f["machine_cores"] - (f["server_cpu"] + f["client_cpu"]) / f["wall"]
    print(f"machine: {f['machine_cores']:.2f} of {len(os.sched_getaffinity(0))} cores busy during the class: the app "
          f"{f['server_cpu'] / f['wall']:.2f}, this load generator {f['client_cpu'] / f['wall']:.2f}, anything else "
          f"(the balancer, other work on the machine) {others:.2f}")
    if len(f["processes"]) > 1:
        for process in f["processes"]:
            print(f"  {process['name']} (pid {process['pid']}): CPU {process['cpu']:.1f} s, "
                  f"cores used {process['cpu'] / f['wall']:.2f}, peak RSS {process['peak_rss']:.0f} MB "
                  f"(VmHWM {process['hwm']:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--url", help="run the class against this running deployment; start no server")
    parser.add_argument("--pid", type=int, action="append", default=[],
                        help="with --url: an app process to measure (CPU, memory); once per replica")
    parser.add_argument("--no-queue", action="store_true", help="also run the class with every training at once")
    parser.add_argument("--ramp", action="store_true", help="also measure memory with 0, 10, 20, 30 idle sessions")
    parser.add_argument("--timeout", type=float, default=900, help="seconds for the whole run")
    parser.add_argument("--session-timeout", type=float, default=300,
                        help="seconds a session waits for one answer, its whole training included")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment variable for the servers, e.g. STREAMLIT_RUNNER_POST_SCRIPT_GC=false")
    args = parser.parse_args()
    if args.url and (args.no_queue or args.ramp or args.env):
        parser.error("--no-queue, --ramp and --env start servers of their own: not with --url")
    extra_env = dict(setting.split("=", 1) for setting in args.env)
    deadline = time.monotonic() + args.timeout
    where = f"the deployment at {args.url}" if args.url else f"server environment {extra_env or 'as is'}"
    print(f"{args.sessions} sessions, default model (mlp 40-20, Adam, bs 64) for {args.epochs} epochs, "
          f"{len(os.sched_getaffinity(0))} cores; {where}")
    if args.url:
        results = {"deployment": measure_class(args.url.rstrip("/"), args.pid, args.sessions, args.epochs, deadline,
                                               max(1, len(args.pid)), args.session_timeout)}
        report(f"against {args.url}", results["deployment"])
    else:
        results = {"queue": classroom("queue", args.sessions, args.epochs, None, deadline, extra_env,
                                      args.session_timeout)}
        report("with the training queue (DIGITNET_TRAINING_SLOTS unset: one slot per core)", results["queue"])
    if args.no_queue:
        results["no queue"] = classroom("no-queue", args.sessions, args.epochs, args.sessions, deadline, extra_env,
                                        args.session_timeout)
        report(f"no queue (DIGITNET_TRAINING_SLOTS={args.sessions}: every training at once)", results["no queue"])
    if args.ramp:
        points = ramp(args.epochs, deadline, extra_env)
        slope = np.polyfit(*zip(*points, strict=True), 1)[0]
        print("\n== memory per extra session (idle after its run)")
        print("sessions open -> server RSS: " + ", ".join(f"{n}: {mb:.0f} MB" for n, mb in points))
        print(f"least-squares slope: {slope:.2f} MB per session")
    failed = [name for name, f in results.items() if f["finished"] < f["sessions"] or f["leaks"] or f["problems"]
              or (f["board"] and (f["board"]["missing"] or f["board"]["twice"]))]
    if failed:
        sys.exit(f"\nFAILED: {', '.join(failed)}")


if __name__ == "__main__":
    main()

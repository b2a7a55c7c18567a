"""The same class on one app process, then on several behind HAProxy: what replicas buy.

    python -m bench.replicas [--sessions 30] [--epochs 3] [--replicas 1 2]
                             [--session-timeout 300] [--timeout 1800]

For each count N in --replicas, in turn: `make class REPLICAS=N` on 127.0.0.1 (started and
stopped by its process group, harness/make_class.py), then bench/load_test.py's class through
its balancer, with each replica's CPU time and peak memory measured. Prints load_test's report
for each, a table, and the ratio of wall times (the last count over the first). Both run in
this one invocation; on a shared machine other work still varies between them, so the table
shows how busy the whole machine was ("machine busy", in cores) beside what the app used.
"""

import argparse
import tempfile
import time
from pathlib import Path

from bench.load_test import measure_class, report
from harness.make_class import start_class, stop_class


def one_deployment(replicas: int, sessions: int, epochs: int, deadline: float, session_timeout: float) -> dict:
    log = Path(tempfile.gettempdir()) / f"digitnet-class-{replicas}.log"
    classroom = start_class(replicas, log)
    try:
        pids = [replica.pid for replica in classroom.replicas.values()]
        return measure_class(classroom.url, pids, sessions, epochs, deadline, len(pids), session_timeout)
    finally:
        stop_class(classroom)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--session-timeout", type=float, default=300,
                        help="seconds a session waits for one answer, its whole training included")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for the whole run")
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout
    results = {}
    for replicas in args.replicas:
        results[replicas] = one_deployment(replicas, args.sessions, args.epochs, deadline, args.session_timeout)
        report(f"{replicas} replica{'s' if replicas > 1 else ''} behind HAProxy", results[replicas])
    print(f"\n== {args.sessions} sessions x {args.epochs} epochs")
    print("replicas  finished  wall s    p50 s    p95 s  cores used  machine busy  peak RSS per replica (MB)")
    for replicas, f in results.items():
        peaks = ", ".join(f"{process['name']} {process['peak_rss']:.0f}" for process in f["processes"])
        print(f"{replicas:>8}  {f['finished']:>4}/{f['sessions']:<4}{f['wall']:>7.1f}  {f['train_p50']:>7.1f}  "
              f"{f['train_p95']:>7.1f}  {f['server_cpu'] / f['wall']:>10.2f}  {f['machine_cores']:>12.2f}  {peaks}")
    first, last = args.replicas[0], args.replicas[-1]
    if first != last:
        print(f"wall time, {last} replicas / {first}: {results[last]['wall'] / results[first]['wall']:.2f}")


if __name__ == "__main__":
    main()

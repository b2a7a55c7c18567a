"""Strokes kept and mouse-up to answer in a real browser, at a person's pace (harness/strokes_kept.py).

    python -m bench.draw_strokes [--url http://127.0.0.1:PORT] [--fresh 20] [--in-a-row 20] [--at-once 1]

Without --url it starts this checkout's app. Fresh sessions each draw a digit of two or three
strokes as their first drawing; one session draws in a row (beside them unless --at-once is 0:
then one after the other, for times undisturbed by other tabs). Prints, for each drawing, the
share of each stroke on the canvas, whether the answer is for the whole drawing and the seconds
from the last release to that answer on screen; then a summary.
"""

import argparse
import tempfile
from pathlib import Path

from harness.server import start_app, stop_app
from harness.strokes_kept import run, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an app already running (default: start this checkout's)")
    parser.add_argument("--fresh", type=int, default=20, help="fresh sessions, one drawing each")
    parser.add_argument("--in-a-row", type=int, default=20, help="drawings in a row in one session")
    parser.add_argument("--at-once", type=int, default=1, help="fresh sessions at a time (0: the row after them)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    process = None
    url = args.url
    if url is None:
        process, url = start_app(Path(tempfile.mkdtemp()) / "streamlit.log")
    try:
        if args.at_once:
            fresh, in_a_row, outside = run(url, args.fresh, args.in_a_row, args.at_once, args.seed)
        else:
            fresh, _, outside = run(url, args.fresh, 0, 1, args.seed)
            _, in_a_row, more = run(url, 0, args.in_a_row, 1, args.seed)
            outside += more
    finally:
        if process is not None:
            stop_app(process)
    for name, rows in (("fresh", fresh), ("in a row", in_a_row)):
        for i, r in enumerate(rows):
            print(f"{name} {i:2d} {r.digit:<6} kept {r.kept} whole answer {r.answered_whole} "
                  f"final answer {r.final_answer_s}")
    print(summary("fresh sessions", fresh))
    print(summary("in a row", in_a_row))
    if outside:
        print(f"requests off this machine: {outside[:5]}")


if __name__ == "__main__":
    main()

"""Server memory as one visitor opens the Data page for one digit pair after another.

    python -m bench.pair_memory [--pairs 90]

Starts its own server on 127.0.0.1 and prints the resident memory after each pair.
"""

import argparse
import tempfile
from pathlib import Path

from harness.memory import PAIRS, open_pairs
from harness.server import start_app, stop_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=len(PAIRS), help=f"how many pairs, at most {len(PAIRS)}")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        process, url = start_app(Path(folder) / "streamlit.log")
        try:
            print("pair  resident MB")
            memory = open_pairs(url, process.pid, PAIRS[: args.pairs],
                                report=lambda n, mb: print(f"{n:>4}  {mb:>8.0f}", flush=True))
        finally:
            stop_app(process)
    print(f"after {len(memory)} pairs: {memory[-1]:.0f} MB (after 1 pair: {memory[0]:.0f} MB, "
          f"peak {max(memory):.0f} MB)")


if __name__ == "__main__":
    main()

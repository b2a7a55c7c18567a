"""What saving a learner's work costs their training: epoch time with every epoch saved to the
database (the run's own loop hook, app_support/session/work.py, through the outbox's thread)
against the same run with nothing saved, interleaved run by run; and the bytes a run keeps.

    python -m bench.save_cost [--epochs 5] [--runs 5] [--database sqlite:///...|postgresql://...]

The default database is a new SQLite file in a temporary folder. Both sides train the app's
default net (and the lesson's linear model) on 2 vs 6 with one thread, as the app does.
"""

import argparse
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import torch

from digitnet.app_support.session.lab import Lab
from digitnet.app_support.session.work import Work
from digitnet.app_support.storage.saved_work import browser_id
from digitnet.app_support.storage.stores import Stores
from digitnet.lesson.dataset import load_dataset
from digitnet.lesson.settings import LESSON, RECOMMENDED


def epoch_seconds(lab: Lab, data, settings, epochs: int) -> list[float]:
    lab.settings = settings.replace(epochs=epochs)
    run = lab.start_run(data)
    started, seconds = time.perf_counter(), []
    for event in run.fit():
        if hasattr(event, "train_loss"):
            seconds.append(time.perf_counter() - started)
            started = time.perf_counter()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database")
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = load_dataset((2, 6))
    with tempfile.TemporaryDirectory() as folder:
        stores = Stores.at(args.database or f"sqlite:///{Path(folder) / 'work.sqlite3'}")
        print(f"{data}; torch {torch.__version__}, 1 thread; {stores.saved.database.kind.name}; "
              f"medians of {args.runs} runs x {args.epochs} epochs, interleaved")
        print(f"{'case':<40} {'not saved':>10} {'saved':>10} {'ratio':>6}  bytes a run keeps")
        for name, settings in (("default net (adam, bs 64)", RECOMMENDED), ("lesson's linear (sgd, bs 256)", LESSON)):
            plain, saved, browser = [], [], browser_id(secrets.token_hex(32))
            for _ in range(args.runs):
                plain += epoch_seconds(Lab(work=Work()), data, settings, args.epochs)
                saved += epoch_seconds(Lab(work=Work(browser, stores)), data, settings, args.epochs)
            assert stores.outbox.wait_until_empty(120) and stores.outbox.given_up == 0
            runs, size = stores.saved.sizes(browser)
            a, b = statistics.median(plain), statistics.median(saved)
            print(f"{name:<40} {a * 1000:>8.1f}ms {b * 1000:>8.1f}ms {b / a:>6.3f}  {size / runs / 1024:,.0f} KB "
                  f"({args.epochs} epochs)")
        stores.outbox.close()


if __name__ == "__main__":
    main()

"""Time per epoch: digitnet's Run.fit against a plain PyTorch loop over the same tensors.

    python -m bench.train_speed [--epochs 20] [--threads 1]

Both train the same model with the same settings, interleaved epoch by epoch so that
machine noise hits both alike; medians are compared. Validation is part of both epochs.
"""

import argparse
import statistics
import time

import torch

from digitnet.lesson.dataset import load_dataset
from digitnet.lesson.losses import accuracy
from digitnet.lesson.run import EpochResult, Run
from digitnet.lesson.settings import Settings

CASES = {
    "linear, lesson's settings (sgd, bs 256)": Settings(model="linear", lr=1.0, bs=256, loss="mnist", opt="sgd"),
    "mlp, lesson's settings (sgd, bs 256)": Settings(model="mlp", lr=1.0, bs=256, loss="mnist", opt="sgd"),
    "linear, defaults (adam, bs 64)": Settings(model="linear"),
    "mlp, defaults (adam, bs 64)": Settings(model="mlp"),
}


def plain_epoch(model, optimiser, loss_fn, data, bs, generator):
    """What anyone would write: permute, slice, forward, backward, step, then validate."""
    x, y = data.train_x, data.train_y
    order = torch.randperm(len(x), generator=generator)
    for start in range(0, len(x), bs):
        idx = order[start : start + bs]
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
    with torch.no_grad():
        outputs = model(data.valid_x)
        return loss_fn(outputs, data.valid_y).item(), accuracy(outputs, data.valid_y)


def compare(settings: Settings, data, epochs: int) -> tuple[float, float]:
    ours, plain = Run(settings.replace(seed=0), data), Run(settings.replace(seed=0), data)
    epochs_of_ours = ours.fit(epochs)

    def time_ours() -> float:
        start = time.perf_counter()
        next(event for event in epochs_of_ours if isinstance(event, EpochResult))
        return time.perf_counter() - start

    def time_plain() -> float:
        start = time.perf_counter()
        plain_epoch(plain.model, plain.optimiser, plain.loss_fn, data, settings.bs, plain.generator)
        return time.perf_counter() - start

    ours_times, plain_times = [], []
    for epoch in range(epochs):  # take turns at going first, so neither gains from going second
        if epoch % 2:
            plain_times.append(time_plain())
            ours_times.append(time_ours())
        else:
            ours_times.append(time_ours())
            plain_times.append(time_plain())
    return statistics.median(ours_times), statistics.median(plain_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default 1, as the app runs: a second thread gains little on "
                             "these small models and slows everything down badly when the cores are busy)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = load_dataset((2, 6))
    print(f"{data}; torch {torch.__version__}, {torch.get_num_threads()} threads; median of {args.epochs} epochs")
    print(f"{'case':<42} {'digitnet':>10} {'plain loop':>11} {'ratio':>6}")
    for name, settings in CASES.items():
        ours, plain = compare(settings, data, args.epochs)
        print(f"{name:<42} {ours * 1000:>8.1f}ms {plain * 1000:>9.1f}ms {ours / plain:>6.2f}")


if __name__ == "__main__":
    main()

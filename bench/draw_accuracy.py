"""How well the default models read mouse-like drawings of 2s and 6s (harness/drawings.py).

    python -m bench.draw_accuracy [--per-digit 300] [--seed 0]

Each drawing goes through the engine's preprocessing, then every default model answers:
the 2-vs-6 models choose between 2 and 6, the ten-digit models among all ten (so a 6 read
as a 5 is wrong). tests/drawing/test_defaults_on_drawings.py asserts the 2-vs-6 floors on the same set.
"""

import argparse

import numpy as np
import torch

from digitnet.drawing.defaults import default_model
from digitnet.drawing.preprocess import preprocess
from digitnet.lesson.dataset import ALL_DIGITS, DEFAULT_DIGITS
from digitnet.lesson.losses import predicted_labels
from harness.drawings import drawing_set


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-digit", type=int, default=300, help="drawings of each digit")
    parser.add_argument("--seed", type=int, default=0, help="the drawing set's seed (tests use 0)")
    args = parser.parse_args()
    drawings = drawing_set(args.per_digit, args.seed)
    drawn = np.array([digit for digit, _ in drawings])
    seen = torch.from_numpy(np.stack([preprocess(image) for _, image in drawings])).reshape(-1, 784)
    print(f"{len(drawn)} drawings ({args.per_digit} of each digit, seed {args.seed})")
    for digits in (DEFAULT_DIGITS, ALL_DIGITS):
        for kind in ("linear", "mlp"):
            saved = default_model(kind, digits)
            with torch.no_grad():
                answers = np.array(digits)[predicted_labels(saved.model(seen)).numpy()]
            right = answers == drawn
            print(
                f"default {kind:<6} {'2 vs 6' if digits == DEFAULT_DIGITS else 'all ten':<7}: accuracy "
                f"{right.mean():.4f} (2s {right[drawn == 2].mean():.4f}, 6s {right[drawn == 6].mean():.4f}); "
                f"validation {saved.metrics['accuracy']:.4f}"
            )


if __name__ == "__main__":
    main()

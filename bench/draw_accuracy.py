"""How the default models read drawings and say "not sure": generated drawings they were never
trained on (digitnet/drawing/generated.py, FOR_MEASURING) and MNIST's test digits.

    python -m bench.draw_accuracy

Every image is decided as the Draw page and the command line decide it (drawing.predict.classify,
with the "not sure" threshold in the model's file). For each default model (linear and three-layer
net; 2 vs 6 and all ten digits): accuracy on drawn digits ("digits": normal styles; "digits_wide":
extreme slants, turns and brushes; "digits_at_edge": against the square's edge or past it) and
on MNIST's test set (the app's validation set), counting only the task's digits; on drawings of a
hand the build never learns from ("held_out_hand", and in it, by style, the flagged 1, the crossed
7 and the 6 of a big round loop); and the share flagged "not sure" of each set: drawn and MNIST
digits of the task, for a pair the other eight digits, non-digits of families the build never
saw (nondigits_held_out) and of the families it trained on, drawn anew (nondigits_seen), and
squares (often a fair 0). tests/drawing/test_defaults_on_drawings.py holds floors on some of them.
"""

import time

import numpy as np
import torch

from digitnet.drawing.defaults import default_model
from digitnet.drawing.generated import FOR_MEASURING
from digitnet.drawing.predict import classify, threshold_of
from digitnet.lesson.dataset import ALL_DIGITS, DEFAULT_DIGITS, load_dataset
from digitnet.lesson.models import KINDS


def mnist_test():
    """MNIST's test set (the app's validation set): (digits, images (n, 784))."""
    data = load_dataset(ALL_DIGITS)
    return data.valid_y.numpy(), data.valid_x.numpy()


def main() -> None:
    torch.set_num_threads(1)
    started = time.perf_counter()
    sets = {name: spec.model_inputs() for name, spec in FOR_MEASURING.items()}
    sets["MNIST test"] = mnist_test()
    sizes = ", ".join(f"{name} {len(labels):,}" for name, (labels, _) in sets.items())
    print(f"sets ({time.perf_counter() - started:.0f} s to draw and preprocess): {sizes}")
    for digits in (DEFAULT_DIGITS, ALL_DIGITS):
        for kind in reversed(KINDS):
            saved = default_model(kind, digits)
            threshold = threshold_of(saved.metrics)
            print(f"\ndefault {kind}, {'2 vs 6' if digits == DEFAULT_DIGITS else 'all ten'}: {saved.describe()}; "
                  f"not sure below {threshold:.4f}{'' if 'sure_threshold' in saved.metrics else ' (none stored)'}")
            for name, (labels, images) in sets.items():
                answers = [classify(saved.model, image.reshape(28, 28), digits, threshold) for image in images]
                right = np.array([a.digit == label for a, label in zip(answers, labels)])
                unsure = np.array([not a.sure for a in answers])
                if name.startswith("nondigits") or name == "squares":
                    print(f"  {name:<20} flagged {unsure.mean():7.2%} of {len(labels):,}")
                    continue
                mine = np.isin(labels, digits)
                if not mine.any():  # a pair's model shown only other digits (flagged 1s)
                    print(f"  {name:<20} none of the task's digits: flagged {unsure.mean():7.2%} of {len(labels):,}")
                    continue
                others = f"; the other digits flagged {unsure[~mine].mean():7.2%}" if (~mine).any() else ""
                print(f"  {name:<20} accuracy {right[mine].mean():.4f}, flagged {unsure[mine].mean():7.2%} "
                      f"of {mine.sum():,}{others}")
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

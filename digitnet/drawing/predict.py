"""Step 2 for a single image: which digit, how sure, and whether it looks like a digit at all.

A classifier must answer with one of its classes: its probabilities share 1 among the digits
it knows, whatever it is shown, so a star gets a best guess too. A low top probability is its
only way to say that none of them fits. The shipped three-layer nets were trained to give
that low top probability to generated non-digits (outlier exposure: drawing/shipped_nets.py),
and their files hold the threshold under which an answer is "not sure" (chosen so that a small
share of generated drawings of digits they never learnt from fall under it: shipped_nets.RECIPE).
The Draw page and the command line both ask `classify`, so they decide alike.
"""

from dataclasses import dataclass

import numpy as np
import torch

from ..lesson.losses import probabilities

SURE_THRESHOLD = "sure_threshold"  # the key of a model file's metrics that holds its threshold
# A model without one (a learner's, the linear defaults) was never shown a non-digit, so its top
# probability says little about one: only a near-tie among ten digits is "not sure", and a pair,
# whose top probability is at least 0.5, never is.
UNSURE_BELOW = 0.5


@dataclass(frozen=True)
class Prediction:
    digit: int
    probability: float
    probabilities: dict[int, float]  # every class's digit -> its probability
    sure: bool  # False: this does not look like any digit the model knows; `digit` is its best guess


def threshold_of(metrics: dict) -> float:
    """The top probability under which a model's answer is "not sure", from its file's metrics."""
    value = metrics.get(SURE_THRESHOLD) if isinstance(metrics, dict) else None
    usable = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1
    return float(value) if usable else UNSURE_BELOW


def classify(model, image: np.ndarray, class_digits: tuple[int, ...], threshold: float = UNSURE_BELOW) -> Prediction:
    """The model's answer for one preprocessed (28, 28) image; "sure" when its top probability
    is at least `threshold` (threshold_of the model's metrics)."""
    with torch.no_grad():
        output = model(torch.as_tensor(image, dtype=torch.float32).reshape(1, 784))
    probs = probabilities(output)[0].tolist()
    best = int(np.argmax(probs))
    every = dict(zip(class_digits, probs, strict=True))
    return Prediction(class_digits[best], probs[best], every, probs[best] >= threshold)

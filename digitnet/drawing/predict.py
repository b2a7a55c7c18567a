"""Step 2 for a single image: which digit, and how sure."""

from dataclasses import dataclass

import numpy as np
import torch

from ..lesson.losses import probabilities


@dataclass(frozen=True)
class Prediction:
    digit: int
    probability: float
    probabilities: dict[int, float]  # every class's digit -> its probability


def classify(model, image: np.ndarray, class_digits: tuple[int, ...]) -> Prediction:
    """The model's answer for one preprocessed (28, 28) image."""
    with torch.no_grad():
        output = model(torch.as_tensor(image, dtype=torch.float32).reshape(1, 784))
    probs = probabilities(output)[0].tolist()
    best = int(np.argmax(probs))
    return Prediction(class_digits[best], probs[best], dict(zip(class_digits, probs, strict=True)))

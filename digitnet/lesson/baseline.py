"""The zero-learning baseline: the lesson's pixel similarity.

Average the training images of each class into an "ideal" digit, then call each validation
image the class whose average it is closest to. Nothing is learned, so a model is only worth
training if it beats this accuracy.
"""

from dataclasses import dataclass

import torch

from .dataset import Dataset
from .losses import true_labels


@dataclass(frozen=True)
class Baseline:
    means: torch.Tensor  # (classes, 784): the average training image of each class
    predicted: torch.Tensor  # (n_valid,) int64: the label of the nearest average
    accuracy: float


def class_means(x: torch.Tensor, labels: torch.Tensor, n_classes: int) -> torch.Tensor:
    return torch.stack([x[labels == label].mean(dim=0) for label in range(n_classes)])


# These two are shown on the Data page: short lines, so they read on a projector.
def mnist_distance(images, mean):
    """Mean absolute difference: one number per image."""
    return (images - mean).abs().mean(dim=-1)


def nearest_mean(images, means):
    """The label of the nearest average, for each image."""
    distances = [mnist_distance(images, m) for m in means]
    return torch.stack(distances, dim=1).argmin(dim=1)


def pixel_baseline(data: Dataset) -> Baseline:
    means = class_means(data.train_x, true_labels(data.train_y), len(data.class_digits))
    predicted = nearest_mean(data.valid_x, means)
    accuracy = (predicted == true_labels(data.valid_y)).float().mean().item()
    return Baseline(means, predicted, accuracy)

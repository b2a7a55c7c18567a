"""Step 3, the loss, and the metrics read from the same outputs.

A binary model has one output per image (its logit, > 0 meaning the positive digit);
a ten-digit model has ten.
"""

import torch
import torch.nn.functional as F

from ..errors import SettingsError
from .settings import BINARY_LOSSES


def mnist_loss(predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The lesson's loss: how far the sigmoid of each prediction is from its 0/1 target."""
    predictions = predictions.sigmoid()
    return torch.where(targets == 1, 1 - predictions, predictions).mean()


def bce_loss(predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy on the logits: punishes confident mistakes without bound."""
    return F.binary_cross_entropy_with_logits(predictions, targets)


def cross_entropy_loss(predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(predictions, targets)


def loss_function(name: str, binary: bool):
    """The loss by name; ten digits always use cross-entropy."""
    if name not in BINARY_LOSSES:
        raise SettingsError(f"loss must be one of {', '.join(BINARY_LOSSES)}; got {name!r}")
    if not binary:
        return cross_entropy_loss
    return mnist_loss if name == "mnist" else bce_loss


def probabilities(outputs: torch.Tensor) -> torch.Tensor:
    """(n, classes): for a binary model the columns are P(label 0) and P(label 1)."""
    if outputs.shape[1] == 1:
        positive = outputs.sigmoid()
        return torch.cat([1 - positive, positive], dim=1)
    return outputs.softmax(dim=1)


def predicted_labels(outputs: torch.Tensor) -> torch.Tensor:
    """(n,) int64 labels."""
    if outputs.shape[1] == 1:
        return (outputs[:, 0] > 0).long()
    return outputs.argmax(dim=1)


def true_labels(targets: torch.Tensor) -> torch.Tensor:
    return targets[:, 0].long() if targets.ndim == 2 else targets


def accuracy(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    return (predicted_labels(outputs) == true_labels(targets)).float().mean().item()


def image_losses(loss_fn, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """(n,): the loss of each image alone, from the same loss function; their mean is the batch's loss."""
    return torch.vmap(lambda output, target: loss_fn(output[None], target[None]))(outputs.detach(), targets)

"""A model opened up: its layers as matrices, how they changed epoch by epoch, the gradients
of one batch, its dead units, and its answers on the validation set.
"""

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from . import steps
from .dataset import Dataset
from .losses import predicted_labels, probabilities, true_labels


@dataclass(frozen=True)
class Layer:
    name: str
    weight: torch.Tensor  # (outputs, inputs): row i holds the weights into output i
    bias: torch.Tensor  # (outputs,)


def layers(params: dict[str, torch.Tensor]) -> list[Layer]:
    """Parameters by name (a model's, a snapshot's, or their gradients) as layers, first
    layer first. The linear model's weights (784, k) are turned to (k, 784), as in nn.Linear,
    so that row i of the first layer is always one 28x28 map per output."""
    if "weights" in params:
        return [Layer("weights", params["weights"].T, params["bias"])]
    prefixes = sorted({name.split(".")[0] for name in params}, key=int)
    found = []
    for number, prefix in enumerate(prefixes, 1):
        weight = params[f"{prefix}.weight"]
        found.append(Layer(f"layer {number}: {weight.shape[1]} → {weight.shape[0]}", weight, params[f"{prefix}.bias"]))
    return found


def kept_weights(run) -> list[tuple[str, dict[str, torch.Tensor]]]:
    """The weights the run kept, with a label: at the start, then after the epochs it kept them for."""
    first = "as loaded" if run.status == "loaded" else "start"
    return [(f"epoch {epoch}" if epoch else first, weights) for epoch, weights in run.snapshots.items()]


def weight_history(run) -> list[tuple[str, dict[str, torch.Tensor]]]:
    """The run's parameters with a label: at the start, after the epochs it kept them for and,
    when training stopped within an epoch, as they are now."""
    history = kept_weights(run)
    now = run.weights()
    if any(not torch.equal(now[name], value) for name, value in history[-1][1].items()):
        history.append((f"now (stopped in epoch {len(run.history) + 1})", now))
    return history


@torch.no_grad()
def dead_units(params: dict[str, torch.Tensor], x: torch.Tensor) -> list[torch.Tensor]:
    """For each hidden layer (none in the linear model), which of its units never activate on the
    images x: (units,) True where the ReLU gives 0 for every image. The layers are computed as
    nn.Linear computes them, so a model and its parameters find the same units."""
    found, h = [], x
    for layer in layers(params)[:-1]:
        h = F.relu(F.linear(h, layer.weight, layer.bias))
        found.append((h == 0).all(dim=0))
    return found


@dataclass(frozen=True)
class DeadUnits:
    """The dead units of each hidden layer at points of a run: at the start, after each epoch, ..."""

    labels: list[str]  # where each count was taken: "start", "epoch 1", ...
    sizes: list[int]  # units in each hidden layer
    counts: list[list[int]]  # counts[i][k]: dead units of hidden layer k at labels[i]


def dead_unit_history(history: list[tuple[str, dict[str, torch.Tensor]]], x: torch.Tensor) -> DeadUnits:
    """Dead units on the images x for each (label, parameters) of a weight history (weight_history)."""
    sizes = [len(layer.bias) for layer in layers(history[0][1])[:-1]]
    counts = [[int(dead.sum()) for dead in dead_units(params, x)] for _, params in history]
    return DeadUnits([label for label, _ in history], sizes, counts)


def training_batch(data: Dataset, size: int, number: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Batch `number` of `size` training images drawn at random, as a shuffled epoch draws them;
    the same number always gives the same batch."""
    order = torch.randperm(len(data.train_x), generator=torch.Generator().manual_seed(number))
    chosen = order[:size]
    return data.train_x[chosen], data.train_y[chosen]


def batch_gradients(model, loss_fn, xb: torch.Tensor, yb: torch.Tensor) -> tuple[float, dict[str, torch.Tensor]]:
    """Steps 2 to 4 on one batch: its loss and the gradient of every parameter.

    They run on a copy of the model, so the model itself is left exactly as it was: no
    step, and nothing added to the .grad its optimiser reads.
    """
    model = copy.deepcopy(model)
    batch_loss = steps.loss(loss_fn, steps.predict(model, xb), yb)
    steps.gradients(batch_loss)
    return batch_loss.item(), {name: p.grad for name, p in model.named_parameters()}


@dataclass(frozen=True)
class Answers:
    """A model's answer for every validation image, by label."""

    actual: torch.Tensor  # (n,) int64
    predicted: torch.Tensor  # (n,) int64
    probabilities: torch.Tensor  # (n, classes)
    outputs: torch.Tensor  # (n, outputs): the model's raw outputs

    @property
    def confidence(self) -> torch.Tensor:
        """(n,): the probability the model gave its own answer."""
        return self.probabilities.gather(1, self.predicted.unsqueeze(1))[:, 0]

    def cell(self, actual: int, predicted: int) -> torch.Tensor:
        """Indices of the images of `actual` answered `predicted`, the surest answers first."""
        return self._surest_first((self.actual == actual) & (self.predicted == predicted))

    def mistakes(self) -> torch.Tensor:
        """Indices of the misclassified images, the surest (the worst) mistakes first."""
        return self._surest_first(self.actual != self.predicted)

    def _surest_first(self, mask: torch.Tensor) -> torch.Tensor:
        indices = mask.nonzero()[:, 0]
        return indices[self.confidence[indices].argsort(descending=True, stable=True)]


@torch.no_grad()
def answers(model, data: Dataset) -> Answers:
    outputs = model(data.valid_x)
    return Answers(true_labels(data.valid_y), predicted_labels(outputs), probabilities(outputs), outputs)


def confusion_matrix(actual: torch.Tensor, predicted: torch.Tensor, n_classes: int) -> torch.Tensor:
    """(classes, classes) counts: row = the actual label, column = the label answered."""
    return torch.bincount(actual * n_classes + predicted, minlength=n_classes * n_classes).reshape(n_classes, -1)

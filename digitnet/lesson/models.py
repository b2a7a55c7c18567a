"""The two models: a linear model written from scratch, and a small net of three layers.

Step 1 of the lesson, initialise, happens here. The lesson draws every parameter from
randn (std 1); with 784 inputs that makes outputs of size ~10, where the sigmoid is flat
and some runs never learn. "scaled" divides by sqrt(fan-in) so outputs start near 0.
"""

import torch
from torch import nn

from ..errors import SettingsError
from .settings import DEFAULT_HIDDEN, INITS, KINDS, check_hidden

N_PIXELS = 28 * 28


def init_params(size, std: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """The lesson's init_params, with a chosen spread."""
    return (torch.randn(size, generator=generator) * std).requires_grad_()


def init_std(init: str, fan_in: int) -> float:
    if init not in INITS:
        raise SettingsError(f"init must be one of {', '.join(INITS)}; got {init!r}")
    return 1.0 if init == "randn" else fan_in**-0.5


class LinearModel:
    """One weight per pixel and a bias: prediction = x @ weights + bias. No nn.Linear."""

    def __init__(self, n_outputs: int = 1, init: str = "scaled", generator=None):
        std = init_std(init, N_PIXELS)
        self.weights = init_params((N_PIXELS, n_outputs), std, generator)
        self.bias = init_params(n_outputs, std if init == "randn" else 0.0, generator)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weights + self.bias

    def named_parameters(self):
        return [("weights", self.weights), ("bias", self.bias)]

    def parameters(self):
        return [p for _, p in self.named_parameters()]


def make_mlp(hidden=DEFAULT_HIDDEN, n_outputs: int = 1, init: str = "scaled", generator=None):
    """Linear(784, 40), ReLU, Linear(40, 20), ReLU, Linear(20, 1) for the default sizes."""
    sizes = [N_PIXELS, *hidden]
    layers = []
    for fan_in, fan_out in zip(sizes, sizes[1:], strict=False):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    layers.append(nn.Linear(sizes[-1], n_outputs))
    model = nn.Sequential(*layers)
    with torch.no_grad():
        for layer in model[::2]:
            std = init_std(init, layer.in_features)
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator) * std)
            if init == "randn":
                layer.bias.copy_(torch.randn(layer.bias.shape, generator=generator))
            else:
                layer.bias.zero_()
    return model


def build_model(kind: str, n_outputs: int = 1, hidden=DEFAULT_HIDDEN, init="scaled", generator=None):
    if kind == "linear":
        return LinearModel(n_outputs, init, generator)
    if kind == "mlp":
        return make_mlp(check_hidden(hidden), n_outputs, init, generator)
    raise SettingsError(f"model must be one of {', '.join(KINDS)}; got {kind!r}")

"""The two models: a linear model written from scratch, and a small net of three layers.

Step 1 of the lesson, initialise, happens here. The lesson draws every parameter from
randn (std 1); with 784 inputs that makes outputs of size ~10, where the sigmoid is flat
and some runs never learn. "scaled" divides by sqrt(fan-in) so outputs start near 0.
"""

import torch
from torch import nn

from ..errors import SettingsError
from .settings import DEFAULT_HIDDEN, INITS, KINDS, N_PIXELS, check_hidden, layer_sizes


def init_params(size, std: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """The lesson's init_params, with a chosen spread."""
    return (torch.randn(size, generator=generator) * std).requires_grad_()


def init_std(init, fan_in):
    """The spread of a layer's first weights: the lesson's randn (1), or "scaled", 1 / sqrt(fan-in),
    so that the first outputs sit near 0."""
    return 1.0 if init == "randn" else fan_in**-0.5


def bias_std(init, fan_in):
    """The spread of a layer's first biases: the lesson draws them as the weights; "scaled" makes them 0."""
    return init_std(init, fan_in) if init == "randn" else 0.0


def check_init(init: str) -> str:
    if init not in INITS:
        raise SettingsError(f"init must be one of {', '.join(INITS)}; got {init!r}")
    return init


class LinearModel:
    """One weight per pixel and a bias: prediction = x @ weights + bias. No nn.Linear."""

    def __init__(self, n_outputs: int = 1, init: str = "scaled", generator=None):
        check_init(init)
        self.weights = init_params((N_PIXELS, n_outputs), init_std(init, N_PIXELS), generator)
        self.bias = init_params(n_outputs, bias_std(init, N_PIXELS), generator)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weights + self.bias

    def named_parameters(self):
        return [("weights", self.weights), ("bias", self.bias)]

    def parameters(self):
        return [p for _, p in self.named_parameters()]


def make_mlp(hidden=DEFAULT_HIDDEN, n_outputs: int = 1, init: str = "scaled", generator=None):
    """Linear(784, 40), ReLU, Linear(40, 20), ReLU, Linear(20, 1) for the default sizes."""
    sizes = layer_sizes("mlp", hidden, n_outputs)
    layers = []
    for fan_in, fan_out in zip(sizes, sizes[1:-1]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    model = nn.Sequential(*layers)
    init_net(model, check_init(init), generator)
    return model


@torch.no_grad()
def init_net(net, init, generator):
    """Draw the first weights of every Linear layer of the net from the run's generator, layer by
    layer (nn.Linear draws its own from PyTorch's global one); "scaled" biases start at 0, undrawn."""
    for layer in net[::2]:  # the Linear layers
        layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator) * init_std(init, layer.in_features))
        if init == "randn":
            layer.bias.copy_(torch.randn(layer.bias.shape, generator=generator) * bias_std(init, layer.in_features))
        else:
            layer.bias.zero_()


def build_model(kind: str, n_outputs: int = 1, hidden=DEFAULT_HIDDEN, init="scaled", generator=None):
    if kind == "linear":
        return LinearModel(n_outputs, init, generator)
    if kind == "mlp":
        return make_mlp(check_hidden(hidden), n_outputs, init, generator)
    raise SettingsError(f"model must be one of {', '.join(KINDS)}; got {kind!r}")

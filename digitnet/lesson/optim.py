"""Step 5, the step: the lesson's hand-written SGD, and two of PyTorch's optimisers to compare."""

import torch

from ..errors import SettingsError
from .settings import OPTIMISERS

MOMENTUM = 0.9  # the optimiser named "momentum": PyTorch's SGD, each step carrying on this share of the last


class SGD:
    """Plain gradient descent: each parameter moves against its gradient, lr times as far."""

    def __init__(self, params, lr: float):
        self.params = list(params)
        self.lr = lr

    @torch.no_grad()
    def step(self):
        for p in self.params:
            p -= self.lr * p.grad

    def zero_grad(self):
        for p in self.params:
            p.grad = None


def make_optimiser(name: str, params, lr: float):
    if name == "sgd":
        return SGD(params, lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=MOMENTUM)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    raise SettingsError(f"optimiser must be one of {', '.join(OPTIMISERS)}; got {name!r}")

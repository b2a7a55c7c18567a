import pytest
import torch

from digitnet.errors import SettingsError
from digitnet.lesson.optim import SGD, make_optimiser


def params_with_grads():
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(5, 3, generator=gen, requires_grad=True)
    b = torch.randn(3, generator=gen, requires_grad=True)
    ((torch.rand(4, 5, generator=gen) @ a + b) ** 2).sum().backward()
    return [a, b]


def test_step_moves_against_gradient():
    params = params_with_grads()
    before = [p.detach().clone() for p in params]
    SGD(params, lr=0.1).step()
    for p, old in zip(params, before):
        assert torch.equal(p, old - 0.1 * p.grad)
        assert p.is_leaf and p.requires_grad


def test_zero_grad():
    params = params_with_grads()
    optimiser = SGD(params, lr=0.1)
    optimiser.zero_grad()
    assert all(p.grad is None for p in params)


def test_steps_reduce_a_loss():
    x = torch.linspace(-1, 1, 20)
    w = torch.zeros(1, requires_grad=True)
    optimiser = SGD([w], lr=0.5)
    losses = []
    for _ in range(20):
        loss = ((w * x - 3 * x) ** 2).mean()
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 100
    assert w.item() == pytest.approx(3, abs=0.05)


def test_make_optimiser():
    params = params_with_grads()
    sgd = make_optimiser("sgd", params, 0.1)
    assert isinstance(sgd, SGD) and sgd.lr == 0.1
    momentum = make_optimiser("momentum", params, 0.2)
    assert isinstance(momentum, torch.optim.SGD)
    assert momentum.param_groups[0]["momentum"] == 0.9 and momentum.param_groups[0]["lr"] == 0.2
    assert isinstance(make_optimiser("adam", params, 0.3), torch.optim.Adam)
    with pytest.raises(SettingsError, match="optimiser must be one of sgd, momentum, adam; got 'rmsprop'"):
        make_optimiser("rmsprop", params, 0.1)

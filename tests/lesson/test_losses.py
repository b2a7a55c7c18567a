import pytest
import torch
import torch.nn.functional as F

from digitnet.errors import SettingsError
from digitnet.lesson.losses import (
    accuracy,
    bce_loss,
    cross_entropy_loss,
    image_losses,
    loss_function,
    mnist_loss,
    predicted_labels,
    probabilities,
)

GEN = torch.Generator().manual_seed(0)
OUTPUTS = torch.randn(50, 1, generator=GEN) * 3
TARGETS = (torch.rand(50, 1, generator=GEN) > 0.5).float()


def test_mnist_loss_formula():
    s = OUTPUTS.sigmoid()
    expected = torch.where(TARGETS == 1, 1 - s, s).mean()
    assert mnist_loss(OUTPUTS, TARGETS).item() == pytest.approx(expected.item())
    # by hand for two images: a confident right answer costs little, a confident wrong one nearly 1
    out, y = torch.tensor([[4.0], [4.0]]), torch.tensor([[1.0], [0.0]])
    expected = ((1 - torch.sigmoid(torch.tensor(4.0))) + torch.sigmoid(torch.tensor(4.0))) / 2
    assert mnist_loss(out, y).item() == pytest.approx(expected.item())


def test_mnist_loss_stays_below_one():
    assert 0 < mnist_loss(OUTPUTS * 100, 1 - TARGETS).item() <= 1


def test_bce_loss_formula():
    p = OUTPUTS.sigmoid()
    expected = -(TARGETS * p.log() + (1 - TARGETS) * (1 - p).log()).mean()
    assert bce_loss(OUTPUTS, TARGETS).item() == pytest.approx(expected.item(), rel=1e-5)


def test_loss_function_choice():
    assert loss_function("mnist", binary=True) is mnist_loss
    assert loss_function("bce", binary=True) is bce_loss
    assert loss_function("mnist", binary=False) is cross_entropy_loss
    assert loss_function("bce", binary=False) is cross_entropy_loss
    with pytest.raises(SettingsError, match="loss must be one of mnist, bce; got 'mse'"):
        loss_function("mse", binary=True)


def test_cross_entropy():
    outputs, labels = torch.randn(6, 10, generator=GEN), torch.arange(6)
    expected = -outputs.log_softmax(1)[torch.arange(6), labels].mean()
    assert cross_entropy_loss(outputs, labels).item() == pytest.approx(expected.item(), rel=1e-6)


def test_binary_probabilities():
    probs = probabilities(OUTPUTS)
    assert probs.shape == (50, 2)
    assert torch.allclose(probs.sum(1), torch.ones(50))
    assert torch.allclose(probs[:, 1], OUTPUTS[:, 0].sigmoid())


def test_ten_digit_probabilities():
    outputs = torch.randn(4, 10, generator=GEN)
    probs = probabilities(outputs)
    assert torch.allclose(probs.sum(1), torch.ones(4))
    assert torch.equal(probs.argmax(1), outputs.argmax(1))


def test_binary_accuracy():
    outputs = torch.tensor([[2.0], [-1.0], [0.5], [-3.0]])
    targets = torch.tensor([[1.0], [1.0], [0.0], [0.0]])
    assert predicted_labels(outputs).tolist() == [1, 0, 1, 0]
    assert accuracy(outputs, targets) == 0.5


def test_ten_digit_accuracy():
    outputs = F.one_hot(torch.tensor([3, 1, 4, 1, 5]), 10).float()
    assert accuracy(outputs, torch.tensor([3, 1, 4, 1, 9])) == pytest.approx(0.8)


def test_accuracy_matches_probabilities():
    labels = probabilities(OUTPUTS).argmax(1)
    assert accuracy(OUTPUTS, TARGETS) == pytest.approx((labels == TARGETS[:, 0].long()).float().mean().item())


def test_image_losses_are_the_loss_of_each_image_alone():
    outputs = torch.tensor([[2.0], [-1.0], [0.5]])
    targets = torch.tensor([[1.0], [1.0], [0.0]])
    each = image_losses(mnist_loss, outputs, targets)
    expected = [mnist_loss(outputs[i : i + 1], targets[i : i + 1]).item() for i in range(3)]
    assert each.tolist() == pytest.approx(expected)

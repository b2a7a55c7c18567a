import copy

import pytest
import torch

from digitnet.files.modelfile import load_model, model_bytes
from digitnet.lesson.dataset import ALL_DIGITS, load_dataset
from digitnet.lesson.inspection import (
    answers,
    batch_gradients,
    confusion_matrix,
    dead_unit_history,
    dead_units,
    layers,
    training_batch,
    weight_history,
)
from digitnet.lesson.losses import bce_loss, mnist_loss
from digitnet.lesson.models import make_mlp
from digitnet.lesson.run import Run
from digitnet.lesson.settings import Settings


@pytest.fixture(scope="module")
def pair():
    return load_dataset((2, 6))


def trained(settings, data, epochs=None):
    run = Run(settings, data)
    for _ in run.fit(epochs):
        pass
    return run


@pytest.fixture(scope="module")
def mlp(pair):
    return trained(Settings(epochs=1, seed=0), pair)


@pytest.fixture(scope="module")
def linear(pair):
    return trained(Settings(model="linear", epochs=1, seed=1), pair)


def test_linear_layers_turn_weights_to_one_row_per_output(linear):
    [layer] = layers(dict(linear.model.named_parameters()))
    assert layer.weight.shape == (1, 784)
    assert torch.equal(layer.weight, linear.model.weights.T)
    assert torch.equal(layer.bias, linear.model.bias)


def test_mlp_layers_in_order(mlp):
    found = layers(mlp.snapshots[len(mlp.history)])
    assert [layer.weight.shape for layer in found] == [(40, 784), (20, 40), (1, 20)]
    assert [layer.bias.shape for layer in found] == [(40,), (20,), (1,)]
    assert [layer.name for layer in found] == ["layer 1: 784 → 40", "layer 2: 40 → 20", "layer 3: 20 → 1"]
    assert torch.equal(found[1].weight, mlp.model[2].weight)


def test_layers_keep_order_beyond_nine_modules(small):
    # four hidden layers: modules 0, 2, ... 8, then 10, which must not sort before 2
    run = Run(Settings(hidden=(8, 7, 6, 5), seed=0), small)
    found = layers(run.snapshots[0])
    assert [layer.weight.shape[0] for layer in found] == [8, 7, 6, 5, 1]


def test_weight_history_labels_each_snapshot(small):
    run = trained(Settings(model="linear", epochs=2, seed=0), small)
    history = weight_history(run)
    assert [label for label, _ in history] == ["start", "epoch 1", "epoch 2"]
    for (_, params), snapshot in zip(history, run.snapshots.values(), strict=True):
        assert params is snapshot
    assert not torch.equal(history[0][1]["weights"], history[2][1]["weights"])


def test_weight_history_adds_the_weights_of_a_stopped_epoch(small):
    run = Run(Settings(model="linear", bs=100, epochs=1, seed=0), small)
    events = run.fit()
    for _ in range(3):  # three of the six batches
        next(events)
    events.close()
    history = weight_history(run)
    assert [label for label, _ in history] == ["start", "now (stopped in epoch 1)"]
    assert torch.equal(history[-1][1]["weights"], run.model.weights)


def test_weight_history_of_a_loaded_model(linear, pair):
    saved = load_model(model_bytes(linear.model, linear.settings, linear.metrics()))
    run = Run(saved.settings, pair, model=saved.model)
    [(label, params)] = weight_history(run)
    assert label == "as loaded"
    assert torch.equal(params["weights"], linear.model.weights)


def test_training_batch_is_repeatable_and_real(pair):
    xb, yb = training_batch(pair, 64, 3)
    again_x, again_y = training_batch(pair, 64, 3)
    other_x, _ = training_batch(pair, 64, 4)
    assert xb.shape == (64, 784) and yb.shape == (64, 1)
    assert torch.equal(xb, again_x) and torch.equal(yb, again_y)
    assert not torch.equal(xb, other_x)
    label_of = {row.numpy().tobytes(): label.item() for row, label in zip(pair.train_x, pair.train_y, strict=True)}
    assert [label_of[x.numpy().tobytes()] for x in xb] == yb[:, 0].tolist()  # training images, with their labels
    assert 0 < yb.sum() < 64  # drawn at random from both classes, not the first 64 (all 2s)


def test_batch_gradients_match_backward_and_leave_model_alone(mlp):
    xb, yb = training_batch(mlp.data, 64, 1)
    before = mlp.weights()
    loss, gradients = batch_gradients(mlp.model, mlp.loss_fn, xb, yb)
    reference = copy.deepcopy(mlp.model)
    expected = mlp.loss_fn(reference(xb), yb)
    expected.backward()
    assert loss == pytest.approx(expected.item())
    assert set(gradients) == {name for name, _ in reference.named_parameters()}
    for name, p in reference.named_parameters():
        assert torch.allclose(gradients[name], p.grad, atol=1e-7)
    assert any(g.abs().sum() > 0 for g in gradients.values())
    for name, p in mlp.model.named_parameters():
        assert torch.equal(p, before[name])
        assert p.grad is None


def test_linear_bce_gradient_is_the_textbook_formula(pair):
    run = Run(Settings(model="linear", loss="bce", seed=2), pair)
    xb, yb = training_batch(pair, 32, 5)
    _, gradients = batch_gradients(run.model, bce_loss, xb, yb)
    error = (xb @ run.model.weights + run.model.bias).sigmoid() - yb  # d loss / d output, times n
    assert torch.allclose(gradients["weights"], xb.T @ error / len(xb), atol=1e-6)
    assert torch.allclose(gradients["bias"], error.mean(dim=0), atol=1e-6)


def test_gradient_of_pixels_without_ink_is_zero(linear):
    xb, yb = training_batch(linear.data, 16, 2)
    _, gradients = batch_gradients(linear.model, mnist_loss, xb, yb)
    blank = xb.sum(dim=0) == 0
    assert blank.any()
    assert (gradients["weights"][blank] == 0).all()
    assert (gradients["weights"][~blank] != 0).any()


def test_confusion_matrix_counts_pairs():
    actual = torch.tensor([0, 0, 1, 1, 1, 2])
    predicted = torch.tensor([0, 1, 1, 1, 0, 2])
    assert confusion_matrix(actual, predicted, 3).tolist() == [[1, 1, 0], [1, 2, 0], [0, 0, 1]]


@pytest.mark.parametrize("model_fixture", ["mlp", "linear"])
def test_confusion_of_a_model(model_fixture, request):
    run = request.getfixturevalue(model_fixture)
    found = answers(run.model, run.data)
    matrix = confusion_matrix(found.actual, found.predicted, 2)
    n_valid = len(run.data.valid_x)
    assert matrix.sum() == n_valid
    assert matrix.trace().item() / n_valid == pytest.approx(run.evaluate()[1])
    assert matrix.sum(dim=1).tolist() == [1032, 958]  # the 2s and 6s of MNIST's test set


def test_mistakes_are_misclassified_surest_first(mlp):
    found = answers(mlp.model, mlp.data)
    mistakes = found.mistakes()
    with torch.no_grad():
        outputs = mlp.model(mlp.data.valid_x[mistakes])[:, 0]
    assert len(mistakes) == round((1 - mlp.evaluate()[1]) * len(mlp.data.valid_x))
    assert len(mistakes) > 0
    says_six = outputs > 0
    is_six = mlp.data.valid_y[mistakes, 0] == 1
    assert (says_six != is_six).all()
    confidence = torch.where(says_six, outputs.sigmoid(), 1 - outputs.sigmoid())
    assert torch.allclose(found.confidence[mistakes], confidence)
    assert (confidence[:-1] >= confidence[1:]).all()


def test_cells_split_the_validation_set(linear):
    found = answers(linear.model, linear.data)
    matrix = confusion_matrix(found.actual, found.predicted, 2)
    seen = []
    for actual in range(2):
        for predicted in range(2):
            cell = found.cell(actual, predicted)
            assert len(cell) == matrix[actual, predicted]
            assert (found.actual[cell] == actual).all() and (found.predicted[cell] == predicted).all()
            seen += cell.tolist()
    assert sorted(seen) == list(range(len(found.actual)))


def test_ten_digit_answers(small):
    ten = load_dataset(ALL_DIGITS)
    run = Run(Settings(model="linear", digits=ALL_DIGITS, seed=0), ten)
    found = answers(run.model, ten)
    assert found.probabilities.shape == (10_000, 10)
    assert torch.allclose(found.probabilities.sum(dim=1), torch.ones(10_000))
    matrix = confusion_matrix(found.actual, found.predicted, 10)
    assert matrix.shape == (10, 10) and matrix.sum() == 10_000
    assert matrix.trace().item() / 10_000 == pytest.approx(run.evaluate()[1])
    [layer] = layers(run.snapshots[0])
    assert layer.weight.shape == (10, 784)


def dead_by_hooks(model, x) -> list[torch.Tensor]:
    """Dead units found another way: the real net's ReLU outputs, caught as the net runs."""
    outputs = []
    hooks = [relu.register_forward_hook(lambda _module, _inputs, out: outputs.append(out))
             for relu in model if isinstance(relu, torch.nn.ReLU)]
    with torch.no_grad():
        model(x)
    for hook in hooks:
        hook.remove()
    return [(out == 0).all(dim=0) for out in outputs]


def test_units_with_a_large_negative_bias_are_dead_by_construction(pair):
    net = make_mlp((8, 5), 1, "scaled", torch.Generator().manual_seed(0))
    with torch.no_grad():
        for layer in (net[0], net[2]):
            layer.bias.fill_(1000.0)  # far above anything the weights add: every other unit fires for every image
        net[0].bias[3] = -1e6
        net[2].bias[1] = -1e6
    params = dict(net.named_parameters())
    first, second = dead_units(params, pair.valid_x)
    assert first.nonzero()[:, 0].tolist() == [3] and second.nonzero()[:, 0].tolist() == [1]
    assert [found.tolist() for found in dead_by_hooks(net, pair.valid_x)] == [first.tolist(), second.tolist()]


def test_dead_units_of_a_trained_net_are_the_units_its_relus_never_open(pair):
    run = trained(Settings(opt="sgd", lr=1.0, epochs=1, seed=0), pair)  # a big rate: several units die
    found = dead_units(run.weights(), pair.valid_x)
    assert sum(int(dead.sum()) for dead in found) > 0
    assert [dead.tolist() for dead in found] == [dead.tolist() for dead in dead_by_hooks(run.model, pair.valid_x)]


def test_dead_unit_history_counts_each_layer_at_every_epoch(pair):
    run = trained(Settings(opt="sgd", lr=1.0, epochs=2, seed=0, hidden=(30, 10, 6)), pair)
    history = dead_unit_history(weight_history(run), pair.valid_x)
    assert history.labels == ["start", "epoch 1", "epoch 2"] and history.sizes == [30, 10, 6]
    for counts, snapshot in zip(history.counts, run.snapshots.values(), strict=True):
        net = make_mlp((30, 10, 6))
        net.load_state_dict(snapshot)
        assert counts == [int(dead.sum()) for dead in dead_by_hooks(net, pair.valid_x)]


def test_the_linear_model_has_no_hidden_units(linear, pair):
    assert dead_units(linear.weights(), pair.valid_x) == []

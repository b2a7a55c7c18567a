import math

import pytest
import torch

from digitnet.lesson import experiments as ex
from digitnet.lesson.learner import Run
from digitnet.lesson.losses import mnist_loss
from digitnet.lesson.settings import LESSON


def test_lesson_model_is_the_one_a_run_starts_from(dataset):
    model = ex.lesson_model(5)
    assert torch.equal(model.weights, Run(LESSON.replace(seed=5), dataset).model.weights)


def test_nudging_a_weight_moves_the_loss_but_not_the_accuracy(dataset):
    model = ex.lesson_model(0)
    weights = model.weights.detach().clone()
    nudge = ex.nudge_weight(model, dataset.train_x, dataset.train_y, 320, 1.01)
    assert nudge.weight[1] == pytest.approx(nudge.weight[0] * 1.01)
    assert nudge.accuracy[0] == nudge.accuracy[1]
    assert nudge.loss[0] != nudge.loss[1]
    assert nudge.inked == int((dataset.train_x[:, 320] > 0).sum()) > 0
    assert torch.equal(model.weights, weights)  # the model itself is untouched
    blank = ex.nudge_weight(model, dataset.train_x, dataset.train_y, 0, 1.01)  # the corner pixel: no ink anywhere
    assert blank.inked == 0 and blank.loss[0] == blank.loss[1] and blank.accuracy[0] == blank.accuracy[1]


def test_sweep_accuracy_is_a_staircase_and_the_loss_a_slope(dataset):
    model = ex.lesson_model(0)
    start = model.weights[320].item()
    values = torch.linspace(start - 0.05, start + 0.05, 101)
    sweep = ex.sweep_weight(model, dataset.valid_x, dataset.valid_y, 320, values)
    steps = [b != a for a, b in zip(sweep.accuracies, sweep.accuracies[1:])]
    assert 1 < sum(steps) < len(steps) / 2  # it jumps, but stays flat between most neighbours
    assert all(b != a for a, b in zip(sweep.losses, sweep.losses[1:]))  # the loss moves everywhere
    middle = ex.score(model, dataset.valid_x, dataset.valid_y)
    assert (sweep.accuracies[50], sweep.losses[50]) == pytest.approx(middle, abs=1e-6)


def test_sigmoid_curves():
    curves = ex.sigmoid_curves(-2.0, 2.0, 5)
    assert curves.predictions == [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert curves.sigmoid[2] == 0.5
    for p, s, one, zero in zip(curves.predictions, curves.sigmoid, curves.loss_if_one, curves.loss_if_zero,
                               strict=True):
        assert s == pytest.approx(1 / (1 + math.exp(-p)))
        assert one == pytest.approx(mnist_loss(torch.tensor([[p]]), torch.tensor([[1.0]])).item())
        assert zero == pytest.approx(s) and one == pytest.approx(1 - s)


def test_gradients_add_up_until_zeroed(dataset):
    first, second, zeroed = ex.accumulate_gradients(dataset, 0, 4).gradients
    for name in first:
        assert torch.equal(second[name], 2 * first[name])
        assert torch.equal(zeroed[name], first[name])
    assert first["weights"].abs().sum() > 0


def test_unshuffled_plateaus_where_shuffled_learns(dataset):
    base = LESSON.replace(seed=0)
    plain, shuffled = ex.compare(dataset, [base, base.replace(shuffle=True)], 3)
    twos, total = ex.label_share(dataset, 0)
    assert (twos, total) == (int((dataset.valid_y == 0).sum()), len(dataset.valid_y))
    assert ex.one_answer_epochs(plain) == 3
    assert plain.answered_first == [1.0] * 3  # every validation image called a 2 ...
    assert [e.accuracy for e in plain.history] == pytest.approx([twos / total] * 3, abs=1e-7)  # ... so this
    assert ex.one_answer_epochs(shuffled) == 0
    assert shuffled.history[0].accuracy > 0.95
    assert plain.start == shuffled.start  # the same model at the start


def test_unshuffled_batches_hold_one_digit(dataset):
    counts = ex.batch_contents(dataset, 256)
    n_twos = int((dataset.train_y == 0).sum())
    assert len(counts) == math.ceil(len(dataset.train_y) / 256)
    assert sum(map(sum, counts)) == len(dataset.train_y)
    assert counts[0] == [256, 0] and counts[-1][0] == 0
    mixed = [c for c in counts if min(c) > 0]
    assert mixed == [[n_twos % 256, 256 - n_twos % 256]]


def test_learning_rates(small):
    base = LESSON.replace(seed=0, shuffle=True)
    tiny, good, huge = ex.compare(
        small, [base.replace(lr=0.0001), base.replace(lr=1.0), base.replace(model="mlp", loss="bce", lr=100.0)], 2
    )
    assert abs(tiny.history[-1].valid_loss - tiny.start[0]) < 0.005  # barely moves
    assert good.history[-1].accuracy > 0.9 and tiny.history[-1].accuracy < good.history[-1].accuracy
    assert huge.diverged and "diverged" in huge.diverged and huge.history == []
    assert len(huge.batch_losses) < huge.n_batches


def test_batch_sizes(small):
    n = len(small.train_x)
    one, middle, whole = ex.compare(small, [LESSON.replace(seed=0, shuffle=True, bs=bs) for bs in (1, 100, n)], 1)
    assert [t.n_batches for t in (one, middle, whole)] == [n, 6, 1]
    assert [len(t.batch_losses) for t in (one, middle, whole)] == [n, 6, 1]
    assert one.noise > middle.noise > 0 and whole.noise is None
    assert all(t.seconds_per_epoch > 0 for t in (one, middle, whole))


def test_running_mean():
    assert ex.running_mean([1.0, 2.0, 3.0, 4.0], 2) == pytest.approx([1.5, 2.5, 3.5])
    assert ex.running_mean([1.0, 2.0, 3.0], 3) == pytest.approx([2.0])

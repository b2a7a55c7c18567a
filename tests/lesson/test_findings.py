import inspect
import math
import re

import pytest
import torch

from digitnet.lesson import findings as ex
from digitnet.lesson import steps
from digitnet.lesson.findings import GradientAfter
from digitnet.lesson.inspection import training_batch
from digitnet.lesson.losses import mnist_loss
from digitnet.lesson.run import Run, batch_count
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
    first, second, zeroed = ex.accumulate_gradients(dataset, 0, 4).calls  # every weight of the linear model
    assert second.weights == [2 * w for w in first.weights] and second.bias == 2 * first.bias
    assert zeroed.weights == first.weights and zeroed.bias == first.bias
    assert sum(abs(w) for w in first.weights) > 0


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


# Each experiment's entry returns every number its panel states; checked here against the same
# facts computed another way.


def by_hand(x, y, weights, bias) -> tuple[float, float]:
    """Accuracy and mnist_loss of a linear model, written out."""
    outputs = (x @ weights + bias)[:, 0]
    labels = y[:, 0]
    sigmoid = outputs.sigmoid()
    loss = torch.where(labels == 1, 1 - sigmoid, sigmoid).mean().item()
    return ((outputs > 0).float() == labels).float().mean().item(), loss


def test_accuracy_vs_loss_states_the_nudge_and_the_sweep(dataset):
    r = ex.accuracy_vs_loss(dataset, 0, 320, 1.01, 0.05, 101)
    model = ex.lesson_model(0)
    weights, bias = model.weights.detach().clone(), model.bias.detach()
    nudged = weights.clone()
    nudged[320] *= 1.01
    (a0, l0), (a1, l1) = (by_hand(dataset.valid_x, dataset.valid_y, w, bias) for w in (weights, nudged))
    assert r.nudge.accuracy == pytest.approx((a0, a1), abs=1e-7) and r.nudge.loss == pytest.approx((l0, l1), abs=1e-6)
    assert r.unchanged and r.accuracy_change == 0 and r.loss_change == pytest.approx(l1 - l0, rel=1e-2)
    assert r.pixel == (11, 12)  # 320 = 11 * 28 + 12
    start = weights[320].item()
    assert len(r.sweep.values) == 101 and r.sweep.values[50] == pytest.approx(start)
    assert (r.sweep.values[0], r.sweep.values[-1]) == pytest.approx((start - 0.05, start + 0.05))
    assert r.accuracy_levels == len(torch.tensor(r.sweep.accuracies).unique()) > 1
    assert len(ex.accuracy_vs_loss(dataset, 0, 320, 1.01, 0.05).sweep.values) == ex.SWEEP_POINTS


def test_sigmoid_at_a_prediction():
    zero = ex.sigmoid_at(0.0)
    assert (zero.prediction, zero.sigmoid, zero.loss_if_one, zero.loss_if_zero) == (0.0, 0.5, 0.5, 0.5)
    p = ex.sigmoid_at(3.0)
    s = 1 / (1 + math.exp(-3.0))
    assert (p.sigmoid, p.loss_if_one, p.loss_if_zero) == pytest.approx((s, 1 - s, s))
    assert p.curves == ex.sigmoid_curves()


def test_accumulation_states_each_call(dataset):
    r = ex.accumulate_gradients(dataset, 0, 16)
    first, second, zeroed = r.calls
    assert [c.call for c in r.calls] == list(ex.ACCUMULATION_STEPS) and r.size == 16
    # the gradient of mnist_loss for the linear model, written out: d/dz of mean(1 - s or s) is -+s(1-s)/n
    model = ex.lesson_model(0)
    xb, yb = training_batch(dataset, 16, 0)
    s = (xb @ model.weights.detach() + model.bias.detach()).sigmoid()
    dz = torch.where(yb == 1, -s * (1 - s), s * (1 - s)) / len(xb)
    assert first.weights == pytest.approx((xb.T @ dz)[:, 0].tolist(), abs=1e-7)
    assert first.bias == pytest.approx(dz.sum().item(), abs=1e-7)
    assert first.weights_mean == pytest.approx((xb.T @ dz).mean().item(), abs=1e-7) != 0
    assert second.weights == [2 * w for w in first.weights]  # exactly twice: nothing zeroed in between
    assert second.weights_mean == 2 * first.weights_mean and second.bias == 2 * first.bias and r.ratio == 2.0
    assert zeroed == GradientAfter(zeroed.call, first.weights_mean, first.bias, first.weights)


def test_experiments_call_the_steps_rather_than_backward():
    assert ".backward()" not in inspect.getsource(ex)


def test_shuffling_states_the_plateau_and_the_batches(dataset):
    r = ex.shuffling(dataset, 0, 2)
    twos = int((dataset.valid_y[:, 0] == 0).sum())
    assert r.digits == (2, 6) and r.answer == 2 and r.stuck_epochs == 2
    assert (r.answer_count, r.total) == (twos, len(dataset.valid_y)) and r.plateau == twos / len(dataset.valid_y)
    assert r.plain.accuracies[1:] == pytest.approx([r.plateau] * 2, abs=1e-7)
    assert r.shuffled.settings.shuffle and not r.plain.settings.shuffle and r.plain.start == r.shuffled.start
    n, n_twos = len(dataset.train_y), int((dataset.train_y[:, 0] == 0).sum())
    batches = batch_count(n, 256)
    assert r.batch_numbers == list(range(1, batches + 1)) and len(r.contents) == batches
    # a batch holds one digit unless its 256 places straddle the first 6
    assert r.one_digit_batches == sum(1 for k in range(batches) if not k * 256 < n_twos < (k + 1) * 256)
    assert r.first_epoch == (r.plain.batch_losses[:batches], r.shuffled.batch_losses[:batches])
    assert len(r.plain.batch_losses) == 2 * batches and r.plain.epochs == [0, 1, 2]


def test_learning_rates_state_each_run(small):
    r = ex.learning_rates(small, 0, "mlp", "bce", (0.003, 100.0), 2)
    good, huge = r.traces
    assert [t.settings.lr for t in r.traces] == [0.003, 100.0]
    assert (r.settings.model, r.settings.loss, r.settings.shuffle, r.settings.seed) == ("mlp", "bce", True, 0)
    batches = batch_count(len(small.train_x), r.settings.bs)
    fresh = steps.initialise(r.settings, torch.Generator().manual_seed(0))
    with torch.no_grad():
        start = torch.nn.functional.binary_cross_entropy(fresh(small.valid_x).sigmoid(), small.valid_y).item()
    assert good.valid_losses[0] == pytest.approx(start, rel=1e-5) and len(good.valid_losses) == 3
    assert good.valid_losses[1:] == [e.valid_loss for e in good.history]
    assert good.accuracy == good.history[-1].accuracy and good.diverged is None and good.diverged_at is None
    assert good.positions == pytest.approx([(i + 1) / batches for i in range(2 * batches)]) and good.positions[-1] == 2
    epoch, batch = map(int, re.search(r"epoch (\d+), batch (\d+)", huge.diverged).groups())
    assert huge.accuracy is None and huge.diverged_at == pytest.approx(epoch - 1 + batch / batches)
    assert len(huge.positions) == len(huge.batch_losses)


def test_batch_sizes_state_steps_noise_and_the_smoothed_curve(small):
    n = len(small.train_x)
    r = ex.batch_sizes(small, 0)
    assert r.n_images == n and ex.MIDDLE_BATCH == LESSON.bs
    assert [t.settings.bs for t in r.traces] == [1, LESSON.bs, n]
    assert [t.n_batches for t in r.traces] == [batch_count(n, bs) for bs in (1, LESSON.bs, n)]
    for t in r.traces:
        if len(t.batch_losses) > 1:
            assert t.noise == pytest.approx(torch.tensor(t.batch_losses).diff().abs().mean().item(), rel=1e-5)
        assert t.accuracy == t.history[-1].accuracy and t.seconds_per_epoch > 0
    assert r.seen == [list(range(1, n + 1)), [256, 512, n], [n]]
    single = r.traces[0].batch_losses
    window = torch.ones(LESSON.bs, dtype=torch.float64) / LESSON.bs
    expected = torch.nn.functional.conv1d(torch.tensor(single, dtype=torch.float64)[None, None], window[None, None])
    assert r.smooth == pytest.approx(expected[0, 0].tolist()) and len(r.smooth) == n - LESSON.bs + 1
    assert r.smooth_seen == list(range(LESSON.bs, n + 1))


def test_the_threshold_question_on_the_lessons_trained_model(dataset):
    r = ex.threshold_question(dataset, 0)
    again = Run(LESSON.replace(seed=0, shuffle=True, epochs=ex.THRESHOLD_EPOCHS), dataset)
    for _ in again.fit():
        pass
    assert again.history[-1].accuracy > 0.95  # a trained model
    assert r.agree == r.total == len(dataset.valid_x)
    outputs = again.model(dataset.valid_x).detach()[:, 0].numpy()
    labels = dataset.valid_y[:, 0].numpy()
    middle = r.at(0.5)
    assert middle.accuracy == pytest.approx(again.history[-1].accuracy, abs=1e-9) and middle.output == 0.0
    for threshold in (0.1, 0.5, 0.77):
        point = r.at(threshold)
        cut = math.log(threshold / (1 - threshold))  # sigmoid(x) > t exactly when x > log(t / (1 - t))
        assert point.output == pytest.approx(cut)
        called_second = outputs > cut
        assert point.false_first == int(((~called_second) & (labels == 1)).sum())
        assert point.false_second == int((called_second & (labels == 0)).sum())
        mistakes = point.false_first + point.false_second
        assert point.accuracy == pytest.approx(1 - mistakes / len(labels), abs=1e-6)
    assert [p.threshold for p in r.curve] == list(ex.THRESHOLDS) and r.curve[49] == middle
    assert r.best.accuracy == max(p.accuracy for p in r.curve) >= middle.accuracy
    assert r.best == next(p for p in r.curve if p.accuracy == r.best.accuracy)
    firsts = [p.false_first for p in r.curve]
    seconds = [p.false_second for p in r.curve]
    assert firsts == sorted(firsts) and seconds == sorted(seconds, reverse=True)  # a higher line: fewer called 6


def test_an_output_this_near_0_has_a_sigmoid_of_exactly_one_half_in_float32():
    """Why the page words the agreement as it does: the two tests differ only this near the line."""
    tiny = torch.tensor([1e-8])
    assert bool(tiny > 0.0) and not bool(tiny.sigmoid() > 0.5)


def test_a_large_learning_rate_kills_more_units(dataset):
    r = ex.dead_units_by_rate(dataset, 0, (0.01, 3.0), 2)
    gentle, big = r.runs
    assert gentle.dead.sizes == big.dead.sizes == [40, 20]
    assert gentle.dead.labels == ["start", "epoch 1", "epoch 2"]
    assert gentle.dead.counts[0] == big.dead.counts[0]  # the same start
    assert big.dead.counts[-1][0] > gentle.dead.counts[-1][0] + 10
    assert big.dead.counts[-1][1] == 20 and big.accuracy < 0.6  # all of the last hidden layer: one answer for all
    assert gentle.accuracy > 0.9 and gentle.diverged is big.diverged is None
    assert r.settings.opt == "sgd" and r.settings.model == "mlp"
